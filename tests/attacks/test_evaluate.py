import json

import numpy as np
import pytest
import torch
from helpers import LinearTS

from tsviz.attacks import FGSM, PGD, AttackError, evaluate, make_attack, sweep, with_eps


def Linear2(T=8) -> LinearTS:
    """logits = [0, w.x] with ``w = linspace(-1, 1, T)``: class 1 iff w.x > 0."""
    return LinearTS(torch.stack([torch.zeros(T), torch.linspace(-1, 1, T)]), C=1, T=T)


def _data():
    w = torch.linspace(-1, 1, 8)
    x = torch.stack([w * 0.3, -w * 0.3, w * 2.0, -w * 2.0])[:, None, :]
    y = torch.tensor([1, 0, 1, 0])
    return x, y


def test_report_hand_values():
    model = Linear2()
    x, y = _data()
    # w.x = +-0.3*||w||^2 or +-2*||w||^2; FGSM with eps moves the score by eps*||w||_1
    w = model.lin.weight[1].detach()
    eps = float(0.5 * 0.3 * (w * w).sum() / w.abs().sum() * 3)  # flips the 0.3 pair, not the 2.0 pair
    rep = evaluate(model, FGSM(eps=eps), x, y, class_names=["neg", "pos"])
    assert rep.clean_accuracy == 1.0
    assert rep.adversarial_accuracy == 0.5 and rep.success_rate == 0.5
    assert rep.success.tolist() == [True, True, False, False]
    np.testing.assert_allclose(rep.linf, eps, rtol=1e-5)
    np.testing.assert_allclose(rep.l2, eps * np.sqrt(np.count_nonzero(w.numpy())), rtol=1e-5)
    snr = 10 * np.log10((x.reshape(4, -1) ** 2).sum(1).numpy() / rep.l2 ** 2)
    np.testing.assert_allclose(rep.snr_db, snr, rtol=1e-5)
    assert rep.confusion.tolist() == [[1, 1], [1, 1]]
    np.testing.assert_allclose(rep.precision("adversarial"), [0.5, 0.5])
    s = rep.summary()
    assert s["clean_accuracy"] == 1.0 and s["adversarial_accuracy"] == 0.5 and s["median_queries"] == 1.0
    json.dumps(s)  # JSON-ready
    assert list(rep.samples_frame().columns[:4]) == ["index", "true", "clean_pred", "adv_pred"]
    assert rep.per_class_frame().shape == (2, 6)


def test_report_batches_equal_one_call():
    model = Linear2()
    x, y = _data()
    a = evaluate(model, PGD(eps=0.1, alpha=0.03, steps=5, random_start=False), x, y)
    b = evaluate(model, PGD(eps=0.1, alpha=0.03, steps=5, random_start=False), x, y, batch_size=1)
    np.testing.assert_array_equal(a.x_adv, b.x_adv)
    assert a.summary()["adversarial_accuracy"] == b.summary()["adversarial_accuracy"]


def test_report_targeted_and_arrays_read_only():
    model = Linear2()
    x, y = _data()
    rep = evaluate(model, PGD(eps=5.0, alpha=1.0, steps=10), x[[0, 2]], y[[0, 2]], target=0)
    assert rep.target.tolist() == [0, 0] and rep.success.all()
    with pytest.raises(ValueError):
        rep.x_adv[0, 0, 0] = 1.0


def test_with_eps_scales_alpha():
    a = PGD(eps=0.1, alpha=0.025, steps=10)
    b = with_eps(a, 0.2)
    assert (b.eps, a.eps) == (0.2, 0.1) and b.alpha == pytest.approx(0.05)
    from tsviz.attacks import GenAttack

    g = with_eps(GenAttack(eps=0.1, alpha=0.15), 0.2)
    assert g.alpha == 0.15  # a fraction of eps, left alone
    from tsviz.attacks import SPSA

    sp = with_eps(SPSA(eps=0.1, delta=0.01, lr=0.02), 0.2)
    assert sp.delta == pytest.approx(0.02) and sp.lr == pytest.approx(0.04)


def test_sweep_rows():
    model = Linear2()
    x, y = _data()
    res = sweep(model, {"fgsm": FGSM(eps=0.1), "pgd": PGD(eps=0.1, alpha=0.05, steps=5)}, [0, 0.01, 10.0], x, y,
                class_names=["neg", "pos"])
    df = res.to_frame()
    assert len(df) == 6 and set(df["attack"]) == {"fgsm", "pgd"}
    assert (df[df.eps == 0].adversarial_accuracy == 1.0).all()
    assert (df[df.eps == 10.0].adversarial_accuracy == 0.0).all()
    with pytest.raises(AttackError):
        sweep(model, {}, [0.1], x, y)
    with pytest.raises(AttackError):
        sweep(model, {"f": FGSM(eps=0.1)}, [-1.0], x, y)


def test_evaluate_bad_inputs():
    model = Linear2()
    x, y = _data()
    with pytest.raises(AttackError, match="attack must be"):
        evaluate(model, "fgsm", x, y)
    with pytest.raises(AttackError, match="class_names"):
        evaluate(model, FGSM(eps=0.1), x, y, class_names=["a", "b", "c"])
    with pytest.raises(AttackError, match="eps"):
        evaluate(model, FGSM(eps=0.0), x, y)
    with pytest.raises(AttackError, match="outside bounds"):
        evaluate(model, FGSM(eps=0.1, bounds=(0.0, 1.0)), x, y)


def test_make_attack():
    assert isinstance(make_attack("PGD", eps=0.1, alpha=0.01, steps=3), PGD)
    with pytest.raises(AttackError, match="unknown attack"):
        make_attack("deepfool", eps=0.1)
    with pytest.raises(AttackError, match="fgsm"):
        make_attack("fgsm", eps=0.1, bogus=1)


