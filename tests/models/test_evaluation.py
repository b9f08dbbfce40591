"""tsviz.models.evaluation: metrics against hand-computed values and sklearn, model state untouched."""
import numpy as np
import pandas as pd
import pytest
import torch
from helpers import ConstantLogits, assert_model_untouched, model_state
from torch import nn

from tsviz.core import confusion_counts as core_confusion_counts
from tsviz.data.stats import Embedding
from tsviz.models import ModelError, build
from tsviz.models.evaluation import ModelReport, confusion_counts, embed_latents, evaluate_model


class Threshold(nn.Module):
    """Hand-built 2-class linear model on the series mean: logits (-m, m) * 10; latents (n, 2)."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(10.0))
        self.bn = nn.BatchNorm1d(1)  # a train/eval-sensitive layer (not used in forward)

    def features(self, x):
        m = x.mean(dim=(1, 2))
        return torch.stack([m, m ** 2], dim=1)

    def forward(self, x):
        m = self.features(x)[:, :1]
        return torch.cat([-m, m], dim=1) * self.scale


def _hand_case():
    # Series means -> predictions: positive mean => class 1.
    means = np.array([-1.0, -2.0, 0.5, -0.3, 1.0, 2.0, 3.0, -0.1])
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    X = np.repeat(means[:, None, None], 4, axis=2).astype(np.float32)
    return X, y


def test_hand_computed_metrics_and_sklearn_agree():
    X, y = _hand_case()
    model = Threshold()
    rep = evaluate_model(model, X, y, class_names=("neg", "pos"), batch_size=3)
    assert isinstance(rep, ModelReport)
    # predictions: [0,0,1,0 | 1,1,1,0] -> TP0=3, FN0=1, TP1=3, FN1=1
    np.testing.assert_array_equal(rep.predictions, [0, 0, 1, 0, 1, 1, 1, 0])
    np.testing.assert_array_equal(rep.confusion, [[3, 1], [1, 3]])
    assert rep.accuracy == pytest.approx(6 / 8)
    np.testing.assert_allclose(rep.precision, [0.75, 0.75])
    np.testing.assert_allclose(rep.recall, [0.75, 0.75])
    np.testing.assert_allclose(rep.f1, [0.75, 0.75])
    np.testing.assert_array_equal(rep.support, [4, 4])
    assert rep.latents.shape == (8, 2) and rep.latents.dtype == np.float32
    np.testing.assert_allclose(rep.latents[:, 0], X.mean(axis=(1, 2)), rtol=1e-6)
    np.testing.assert_allclose(rep.probabilities.sum(1), 1.0)
    from sklearn import metrics

    p, r, f, s = metrics.precision_recall_fscore_support(y, rep.predictions, labels=[0, 1], zero_division=0)
    np.testing.assert_allclose(rep.precision, p)
    np.testing.assert_allclose(rep.recall, r)
    np.testing.assert_allclose(rep.f1, f)
    np.testing.assert_array_equal(rep.support, s)
    np.testing.assert_array_equal(rep.confusion, metrics.confusion_matrix(y, rep.predictions))


def test_metrics_match_sklearn_with_zero_division_and_missing_classes():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 40)  # class 3 never true
    pred = np.where(rng.random(40) < 0.6, y, rng.integers(0, 2, 40))  # class 2 rarely predicted
    K = 4
    logits = np.full((40, K), -5.0)
    logits[np.arange(40), pred] = 5.0

    class Fixed(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("table", torch.tensor(logits, dtype=torch.float32))

        def forward(self, x):  # x carries its own row index in the first value
            return self.table[x[:, 0, 0].long()]

    X = np.arange(40, dtype=np.float32)[:, None, None].repeat(3, axis=2)
    rep = evaluate_model(Fixed(), X, y, class_names=list("abcd"), batch_size=7)
    from sklearn import metrics

    p, r, f, s = metrics.precision_recall_fscore_support(y, pred, labels=range(K), zero_division=0)
    np.testing.assert_allclose(rep.precision, p)
    np.testing.assert_allclose(rep.recall, r)
    np.testing.assert_allclose(rep.f1, f)
    np.testing.assert_array_equal(rep.support, s)
    np.testing.assert_array_equal(rep.confusion, metrics.confusion_matrix(y, pred, labels=range(K)))
    assert rep.accuracy == pytest.approx(metrics.accuracy_score(y, pred))
    assert rep.macro_f1 == pytest.approx(metrics.f1_score(y, pred, average="macro", zero_division=0))
    assert rep.latents is None  # no features method
    assert rep.f1[3] == 0.0 and rep.support[3] == 0


def test_entropy_uniform_is_log_k_and_confident_is_zero():
    X = np.zeros((5, 1, 4), np.float32)
    rep = evaluate_model(ConstantLogits([0.0] * 4, T=4), X, np.zeros(5, int), class_names=list("abcd"))
    np.testing.assert_allclose(rep.entropy, np.log(4), rtol=1e-12)
    np.testing.assert_allclose(rep.probabilities, 0.25)

    class Sure(nn.Module):
        def forward(self, x):
            out = torch.full((x.shape[0], 3), -1e4)
            out[:, 1] = 1e4
            return out

    rep = evaluate_model(Sure(), X, np.ones(5, int), class_names=list("abc"))
    assert np.all(rep.entropy >= 0) and np.allclose(rep.entropy, 0.0, atol=1e-12)
    assert rep.accuracy == 1.0


@pytest.mark.parametrize("training", [True, False])
def test_model_state_unchanged(tiny_dataset, training):
    model = build("mlp", 1, 3, 32)
    model.train(training)
    model.backbone.layers[1].eval()  # a mixed-mode model must come back mixed
    model.head.weight.requires_grad_(False)
    before = model_state(model)
    rep = evaluate_model(model, tiny_dataset.X_test, tiny_dataset.y_test,
                         class_names=tiny_dataset.class_names, batch_size=8)
    assert_model_untouched(model, before)
    assert all(p.grad is None for p in model.parameters())
    assert rep.latents.shape == (30, model.backbone.out_features)
    # Same logits as the plain forward pass in eval mode.
    model.eval()
    with torch.no_grad():
        ref = torch.softmax(model(torch.tensor(tiny_dataset.X_test)).double(), 1).numpy()
    np.testing.assert_allclose(rep.probabilities, ref, rtol=1e-5, atol=1e-7)


def test_batched_equals_unbatched(tiny_dataset):
    model = build("fcn", 1, 3, 32)
    a = evaluate_model(model, tiny_dataset.X_test, tiny_dataset.y_test, class_names=("a", "b", "c"),
                       batch_size=1)
    b = evaluate_model(model, tiny_dataset.X_test, tiny_dataset.y_test, class_names=("a", "b", "c"),
                       batch_size=512)
    np.testing.assert_allclose(a.probabilities, b.probabilities, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(a.latents, b.latents, rtol=1e-5, atol=1e-5)


def test_report_summary_and_frames():
    X, y = _hand_case()
    rep = evaluate_model(Threshold(), X, y, class_names=("neg", "pos"))
    s = rep.summary()
    assert s["accuracy"] == pytest.approx(0.75) and s["macro_f1"] == pytest.approx(0.75)
    assert s["per_class"]["pos"] == {"precision": 0.75, "recall": 0.75, "f1": 0.75, "support": 4}
    pc = rep.per_class_frame()
    assert isinstance(pc, pd.DataFrame) and list(pc["class"]) == ["neg", "pos"]
    pf = rep.predictions_frame()
    assert len(pf) == 8 and {"true", "predicted", "correct", "entropy_nats", "p_neg", "p_pos"} <= set(pf.columns)
    assert pf["correct"].sum() == 6
    with pytest.raises(ValueError):
        rep.confusion[0, 0] = 9


@pytest.mark.parametrize("kwargs, param", [
    (dict(class_names=("a",)), "class_names"),
    (dict(class_names="ab"), "class_names"),
    (dict(class_names=("a", "b", "c")), "class_names"),  # model has 2 logits
    (dict(class_names=("a", "b"), batch_size=0), "batch_size"),
])
def test_evaluate_bad_arguments(kwargs, param):
    X, y = _hand_case()
    with pytest.raises(ModelError, match=param):
        evaluate_model(Threshold(), X, y, **kwargs)


def test_evaluate_bad_inputs():
    X, y = _hand_case()
    with pytest.raises(ModelError, match="X"):
        evaluate_model(Threshold(), X[:, 0], y, class_names=("a", "b"))
    with pytest.raises(ModelError, match="y"):
        evaluate_model(Threshold(), X, y[:3], class_names=("a", "b"))
    with pytest.raises(ModelError, match="y"):
        evaluate_model(Threshold(), X, y + 5, class_names=("a", "b"))
    with pytest.raises(ModelError, match="y must hold integer"):
        evaluate_model(Threshold(), X, y + 0.5, class_names=("a", "b"))  # never truncated
    bad = X.copy()
    bad[2, 0, 1] = np.nan
    with pytest.raises(ModelError, match="X contains NaN"):
        evaluate_model(Threshold(), bad, y, class_names=("a", "b"))


def test_confusion_counts():
    np.testing.assert_array_equal(confusion_counts([0, 1, 1, 2], [0, 2, 1, 2], 3),
                                  [[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    assert confusion_counts is core_confusion_counts  # one implementation (tsviz.core), re-exported


def test_embed_latents_pca_and_subsample_determinism():
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((300, 6))
    Z[:, 0] *= 10
    a = embed_latents(Z, "pca", seed=1, max_points=100, labels=np.arange(300) % 3)
    b = embed_latents(Z, "pca", seed=1, max_points=100, labels=np.arange(300) % 3)
    assert isinstance(a, Embedding) and a.coords.shape == (100, 2) and a.n_total == 300
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.coords, b.coords)
    np.testing.assert_array_equal(a.labels, a.indices % 3)
    assert a.explained_variance_ratio[0] > 0.7
    c = embed_latents(Z, "pca", seed=2, max_points=100)
    assert not np.array_equal(a.indices, c.indices) and c.labels is None


def test_embed_latents_tsne_is_seeded():
    rng = np.random.default_rng(0)
    Z = np.concatenate([rng.standard_normal((30, 4)), rng.standard_normal((30, 4)) + 8])
    a = embed_latents(Z, "tsne", seed=0, max_points=50, perplexity=30, max_iter=250)
    b = embed_latents(Z, "tsne", seed=0, max_points=50, perplexity=30, max_iter=250)
    assert a.method == "tsne" and a.coords.shape == (50, 2) and a.explained_variance_ratio is None
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_allclose(a.coords, b.coords)
    # Tiny input: perplexity is clipped below n instead of failing.
    small = embed_latents(Z[:5], "tsne", perplexity=30, max_iter=250)
    assert small.coords.shape == (5, 2) and np.isfinite(small.coords).all()


@pytest.mark.parametrize("kwargs, param", [
    (dict(method="umap"), "method"),
    (dict(seed=-1), "seed"),
    (dict(max_points=1), "max_points"),
    (dict(method="tsne", max_points=100_000), "max_points"),
    (dict(perplexity=0), "perplexity"),
    (dict(max_iter=10), "max_iter"),
    (dict(n_threads=0), "n_threads"),
    (dict(labels=np.zeros(3)), "labels"),
])
def test_embed_latents_bad_arguments(kwargs, param):
    with pytest.raises(ModelError, match=param):
        embed_latents(np.zeros((10, 3)), **kwargs)
    with pytest.raises(ValueError, match="latents"):
        embed_latents(np.zeros(10))
