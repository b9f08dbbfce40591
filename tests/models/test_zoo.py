"""The shipped zoo: present, loadable, small, and its cards tell the truth."""
import pytest

from tsviz.data import load as load_data
from tsviz.models import ZOO, list_pretrained, pretrained, zoo_dir
from tsviz.models.inference import accuracy
from tsviz.models.zoo import zoo_stem


def test_zoo_is_complete_and_small():
    names = {c["name"] for c in list_pretrained()}
    for e in ZOO:
        assert zoo_stem(e.dataset, e.arch, e.recipe) in names
    size = sum(p.stat().st_size for p in zoo_dir().iterdir() if p.is_file())
    assert size < 40 * 2**20, f"zoo is {size / 2**20:.1f} MiB"


def test_every_architecture_is_shipped_for_synthetic_ecg():
    from tsviz.models import ARCHITECTURES

    archs = {c["arch"] for c in list_pretrained("synthetic-ecg")}
    assert archs == set(ARCHITECTURES)
    assert {c["arch"] for c in list_pretrained("cbf")} >= {"resnet", "inceptiontime"}


@pytest.mark.parametrize("entry", ZOO, ids=lambda e: zoo_stem(e.dataset, e.arch, e.recipe))
def test_card_accuracy_reproduces(entry):
    model = pretrained(entry.dataset, entry.arch, entry.recipe)
    card = model.card
    assert not model.training
    for key in ("dataset", "arch", "recipe", "seed", "metrics", "class_names", "dataset_fingerprint", "tsviz_version"):
        assert key in card
    ds = load_data(entry.dataset)
    assert card["dataset_fingerprint"] == ds.fingerprint(), "the generator no longer reproduces the training data"
    acc = accuracy(model, ds.X_test, ds.y_test)
    assert acc == pytest.approx(card["metrics"]["test_accuracy"], abs=1e-6)
    assert card["class_names"] == list(ds.class_names)


def test_default_model_accuracy():
    card = pretrained("synthetic-ecg", "resnet").card
    assert card["metrics"]["test_accuracy"] >= 0.95


def test_pretrained_unknown_lists_available():
    with pytest.raises(FileNotFoundError, match="shipped: .*synthetic-ecg--resnet--standard"):
        pretrained("synthetic-ecg", "resnet", "nope")
