"""tsviz.viz.attack_figures: the Attack page's figures from hand-built results (no attack runs).

Traces are found by name and by the title of the axis they are drawn on (figure_lookup), never by
position or axis id; the checks are on the plotted values and the labels.
"""
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from figure_lookup import annotation_texts, axis_of, axis_range, axis_title, one, traces, values

from tsviz import viz
from tsviz.attacks.analysis import LatentShift, welch_compare
from tsviz.attacks.evaluate import AttackReport
from tsviz.viz import attack_figures as af

NAMES = ("N", "S", "V")


def _check(fig, n_traces=None):
    assert isinstance(fig, go.Figure)
    if n_traces is not None:
        assert len(fig.data) == n_traces
    assert fig.layout.uirevision
    assert fig.layout.title.text
    fig.to_json()  # serialisable (no NaN-object surprises)
    return fig


def _report(n=4, K=3, T=50, history=None, snr=None):
    rng = np.random.default_rng(0)
    y = np.arange(n) % K
    clean_probs = np.full((n, K), 0.1 / max(K - 1, 1), np.float32)
    clean_probs[np.arange(n), y] = 0.9
    adv = (y + 1) % K
    adv_probs = np.full((n, K), 0.2 / max(K - 1, 1), np.float32)
    adv_probs[np.arange(n), adv] = 0.8
    linf = np.full(n, 0.05) + 0.01 * np.arange(n)
    snr = 20.0 + np.arange(n, dtype=np.float64) if snr is None else np.asarray(snr, np.float64)
    return AttackReport(
        attack="FakeAttack", params={"eps": 0.05}, class_names=NAMES[:K] if K <= 3 else tuple(map(str, range(K))),
        y_true=y, clean_pred=y.copy(), adv_pred=adv, clean_probs=clean_probs, adv_probs=adv_probs,
        linf=linf, l2=linf * 3, snr_db=snr, queries=np.full(n, 10, np.int64), target=None,
        x_adv=rng.standard_normal((n, 1, T)).astype(np.float32), history=history or {},
    )


# --------------------------------------------------------------------------- overlay
def test_overlay_figure_rows_units_and_title():
    rep = _report()
    x = rep.x_adv - 0.05
    fig = _check(af.overlay_figure(
        x, rep.x_adv, index=1, fs=250.0, unit="mV", class_names=rep.class_names, y_true=rep.y_true,
        clean_pred=rep.clean_pred, adv_pred=rep.adv_pred, clean_conf=rep.clean_probs.max(1),
        adv_conf=rep.adv_probs.max(1), eps=0.05), 3)
    assert fig.layout.title.text.endswith("true S · clean → S (90%) · adversarial → V (80%)")
    clean, adv, pert = one(fig, "clean"), one(fig, "adversarial"), one(fig, "perturbation")
    np.testing.assert_allclose(clean.y, x[1, 0], rtol=1e-6)  # series #1
    np.testing.assert_allclose(adv.y, rep.x_adv[1, 0], rtol=1e-6)
    np.testing.assert_allclose(pert.y, 0.05, rtol=1e-5)  # x_adv - x
    np.testing.assert_allclose(clean.x, np.arange(50) / 250.0)
    assert axis_title(fig, clean, "y") == axis_title(fig, adv, "y") == "Amplitude (mV)"
    assert axis_title(fig, pert, "y") == "Perturbation (mV)"
    assert axis_title(fig, pert, "x") == axis_title(fig, clean, "x") == "Time (s)"
    assert adv.line.dash == "dash" and adv.line.color == af.ADV_COLOR
    eps_lines = sorted(sh.y0 for sh in fig.layout.shapes)
    assert eps_lines == pytest.approx([-0.05, 0.05])  # ±eps on the perturbation panel
    assert {sh.yref for sh in fig.layout.shapes} == {pert.yaxis}


def test_overlay_figure_single_series_scalars_without_fs():
    x = np.zeros((1, 20))
    fig = _check(af.overlay_figure(x, x + 0.1, index=7, fs=None, unit="a.u.", class_names=("a", "b"),
                                   y_true=0, clean_pred=0, adv_pred=1), 3)
    pert = one(fig, "perturbation")
    assert axis_title(fig, pert, "x") == "Time step"
    np.testing.assert_allclose(pert.x, np.arange(20))
    np.testing.assert_allclose(pert.y, 0.1)
    assert "#7 · true a · clean → a · adversarial → b" in fig.layout.title.text
    assert axis_title(fig, pert, "y") == "Perturbation (a.u.)"


@pytest.mark.parametrize("kwargs, match", [
    ({"index": 9}, "index"),
    ({"index": -1}, "index"),
    ({"channel": 1}, "channel"),
    ({"y_true": np.array([0, 5, 0, 0])}, "y_true"),
    ({"adv_pred": np.array([0, 1])}, "adv_pred"),
    ({"clean_conf": 1.5}, "clean_conf"),
    ({"eps": -0.1}, "eps"),
    ({"x_adv": np.zeros((4, 1, 10))}, "x_adv"),
    ({"class_names": "NSV"}, "class_names"),
])
def test_overlay_figure_bad_args(kwargs, match):
    args = dict(x=np.zeros((4, 1, 50)), x_adv=np.zeros((4, 1, 50)), index=1, fs=None, unit="mV",
                class_names=NAMES, y_true=np.zeros(4, int), clean_pred=np.zeros(4, int),
                adv_pred=np.zeros(4, int))
    args.update(kwargs)
    x, xa = args.pop("x"), args.pop("x_adv")
    with pytest.raises(ValueError, match=match):
        af.overlay_figure(x, xa, **args)


# --------------------------------------------------------------------------- probabilities
def test_probabilities_figure_and_k2():
    rep = _report(n=2, K=2)
    fig = _check(af.probabilities_figure(rep.clean_probs[0], rep.adv_probs[0], rep.class_names), 2)
    before, after = one(fig, "before attack"), one(fig, "after attack")
    np.testing.assert_allclose(before.y, rep.clean_probs[0])
    np.testing.assert_allclose(after.y, rep.adv_probs[0])
    assert list(before.x) == list(rep.class_names)
    assert before.marker.color == af.CLEAN_COLOR and after.marker.color == af.ADV_COLOR
    assert axis_title(fig, after, "y") == "Probability (0–1)"
    with pytest.raises(ValueError, match="adv_probs"):
        af.probabilities_figure(rep.clean_probs[0], rep.adv_probs, rep.class_names)
    with pytest.raises(ValueError, match="clean_probs"):
        af.probabilities_figure(np.array([1.5, -0.5]), rep.adv_probs[0], rep.class_names)


# --------------------------------------------------------------------------- spectra
def test_spectra_figure_log_axis_units():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 2, 128))
    sc = welch_compare(x, x + 0.01 * rng.standard_normal(x.shape), 360.0, nperseg=64)
    fig = _check(af.spectra_figure(sc, "mV", channel=1), 3)
    assert {t.name for t in fig.data} == {"clean", "adversarial", "perturbation"}
    for name in ("clean", "adversarial", "perturbation"):  # channel 1 of each mean spectrum
        tr = one(fig, name)
        np.testing.assert_allclose(tr.x, sc.freqs)
        np.testing.assert_allclose(tr.y, getattr(sc, name)[1], rtol=1e-6)
        assert axis_title(fig, tr, "x") == "Frequency (Hz)" and axis_title(fig, tr, "y") == "PSD (mV²/Hz)"
    assert axis_of(fig, one(fig, "clean")).type == "log"
    assert "channel 1" in fig.layout.title.text
    fig0 = af.spectra_figure(welch_compare(x, x), "mV")  # zero perturbation: all gaps, no crash
    assert axis_title(fig0, one(fig0, "clean"), "x") == "Frequency (cycles/sample)"
    assert np.isnan(values([np.nan if v is None else v for v in one(fig0, "perturbation").y])).all()
    with pytest.raises(ValueError, match="channel"):
        af.spectra_figure(sc, "mV", channel=2)


# --------------------------------------------------------------------------- latent shift
def _shift(m=6, n_total=None):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((m, 2))
    return LatentShift(a, a + 0.5, np.arange(m), np.array([0.6, 0.3]), np.full(m, 0.7), 2.0, 16,
                       n_total or m, 0)


def test_latent_shift_figure_traces_and_arrows():
    s = _shift(6)
    y_true = np.array([0, 0, 1, 1, 2, 2])
    adv = np.array([1, 1, 1, 2, 2, 2])
    fig = _check(af.latent_shift_figure(s, y_true, adv, NAMES))
    # 1 arrow trace + 3 clean classes + 2 adversarial predictions present
    assert sorted(t.name for t in fig.data) == sorted(
        ["shift", "clean · N", "clean · S", "clean · V", "adversarial → S", "adversarial → V"])
    arrows = one(fig, "shift")
    assert arrows.mode == "lines" and len(arrows.x) == 3 * 6
    for i in range(6):  # one segment clean -> adversarial per series, separated by gaps
        assert arrows.x[3 * i] == pytest.approx(s.coords_clean[i, 0])
        assert arrows.x[3 * i + 1] == pytest.approx(s.coords_adv[i, 0])
        assert arrows.x[3 * i + 2] is None
    np.testing.assert_allclose(one(fig, "clean · S").x, s.coords_clean[y_true == 1, 0])
    to_v = one(fig, "adversarial → V")
    np.testing.assert_allclose(to_v.y, s.coords_adv[adv == 2, 1])
    assert to_v.marker.symbol == "circle-open" and one(fig, "adversarial → S").marker.symbol == "circle-open"
    assert "60.0% of clean variance" in axis_title(fig, to_v, "x")
    assert axis_title(fig, to_v, "y").startswith("PC2 (latent units")


def test_latent_shift_figure_caps_arrows_and_aligns_full_labels():
    s = LatentShift(np.zeros((400, 2)), np.ones((400, 2)), np.arange(0, 800, 2), np.zeros(2),
                    np.ones(400), 1.0, 8, 800, 0)
    y = np.arange(800) % 2
    fig = _check(af.latent_shift_figure(s, y, y, ("a", "b")))  # labels for all 800 series
    arrows = one(fig, startswith="shift")
    assert len(arrows.x) == 3 * af.MAX_ARROWS
    assert "300 of 400" in arrows.name
    assert not traces(fig, "clean · b")  # only class 'a' at the even indices embedded
    assert len(one(fig, "clean · a").x) == 400 and len(one(fig, "adversarial → a").x) == 400
    with pytest.raises(ValueError, match="y_true"):
        af.latent_shift_figure(s, y[:5], y, ("a", "b"))
    with pytest.raises(ValueError, match="max_arrows"):
        af.latent_shift_figure(s, y, y, ("a", "b"), max_arrows=0)


def test_latent_shift_figure_single_point():
    s = _shift(1)
    fig = _check(af.latent_shift_figure(s, np.array([0]), np.array([1]), ("a", "b")), 3)
    arrows = one(fig, "shift")
    assert len(arrows.x) == 3
    assert arrows.y[1] - arrows.y[0] == pytest.approx(0.5)  # the one series moved by (0.5, 0.5)


# --------------------------------------------------------------------------- sweep
@pytest.fixture
def sweep_frame():
    rows = []
    for att, drop in (("FGSM", 0.3), ("PGD", 0.6)):
        for e in (0.0, 0.05, 0.1):
            rows.append({"attack": att, "eps": e, "adversarial_accuracy": 0.9 - drop * e * 10,
                         "adversarial_precision": 0.85 - drop * e * 10,
                         "success_rate": 0.0 if e == 0 else (np.nan if att == "PGD" and e == 0.05 else e * 5),
                         "mean_linf": e, "mean_l2": e, "median_queries": 0.0})
    return pd.DataFrame(rows[::-1])  # unsorted on purpose


@pytest.mark.parametrize("metric", list(af.SWEEP_METRICS))
def test_sweep_figure(sweep_frame, metric):
    fig = _check(af.sweep_figure(sweep_frame, metric=metric, unit="mV"), 2)
    assert {t.name for t in fig.data} == {"PGD", "FGSM"}
    for name in ("PGD", "FGSM"):
        t = one(fig, name)
        rows = sweep_frame[(sweep_frame.attack == name) & sweep_frame[metric].notna()].sort_values("eps")
        np.testing.assert_allclose(t.x, rows["eps"])  # sorted by eps, NaN points left out
        np.testing.assert_allclose(t.y, rows[metric])
        assert axis_title(fig, t, "x") == "eps (mV)"
        assert axis_range(fig, t) == [-0.02, 1.02]
    if metric == "success_rate":
        assert len(one(fig, "PGD").x) == 2  # the NaN point is left out


def test_sweep_figures_side_by_side(sweep_frame):
    fig = _check(viz.sweep_figures(sweep_frame, "mV"), 4)
    acc = one(fig, "PGD", y_title="Adversarial accuracy (%)")
    prec = one(fig, "PGD", y_title="Adversarial precision (macro) (%)")
    rows = sweep_frame[sweep_frame.attack == "PGD"].sort_values("eps")
    np.testing.assert_allclose(acc.y, rows["adversarial_accuracy"])
    np.testing.assert_allclose(prec.y, rows["adversarial_precision"])
    assert axis_title(fig, acc, "x") == axis_title(fig, prec, "x") == "eps (mV)"
    assert sum(bool(t.showlegend) for t in fig.data) == 2  # one legend entry per attack


def test_sweep_bad_args_and_empty(sweep_frame):
    with pytest.raises(ValueError, match="metric"):
        af.sweep_figure(sweep_frame, metric="loss", unit="mV")
    with pytest.raises(ValueError, match="eps"):
        af.sweep_figure(sweep_frame.drop(columns="eps"), unit="mV")
    with pytest.raises(ValueError, match="frame"):
        af.sweep_figure([1, 2], unit="mV")
    fig = _check(af.sweep_figure(pd.DataFrame(columns=["attack", "eps", "adversarial_accuracy"]),
                                 unit="mV"), 0)
    assert fig.layout.annotations[0].text == "no sweep results"


# --------------------------------------------------------------------------- confusion
def test_adversarial_confusion_figure():
    rep = _report(n=6)
    fig = _check(af.adversarial_confusion_figure(rep.confusion, rep.class_names, score=0.4321), 1)
    assert "S = 0.432" in fig.layout.title.text and "n=6" in fig.layout.title.text
    assert "adversarial accuracy 0.0%" in fig.layout.title.text
    hm = one(fig, kind="heatmap")
    assert axis_title(fig, hm, "x") == "Predicted under attack" and axis_title(fig, hm, "y") == "True"
    assert list(hm.x) == list(hm.y) == list(rep.class_names)
    # every true class moved to the next one: 100 % of each row off the diagonal
    np.testing.assert_allclose(values(hm.z), 100 * np.roll(np.eye(3), 1, axis=1))
    assert "S =" not in af.adversarial_confusion_figure(rep.confusion, rep.class_names).layout.title.text
    with pytest.raises(ValueError, match="score"):
        af.adversarial_confusion_figure(rep.confusion, rep.class_names, score="high")
    with pytest.raises(ValueError, match="confusion"):
        af.adversarial_confusion_figure(np.ones((2, 2), int), rep.class_names)


# --------------------------------------------------------------------------- fitness
def test_fitness_figure_nan_aware_with_cumulative_queries():
    fit = np.array([[-3.0, -2.0, -1.0],
                    [-2.0, -1.0, np.nan],   # third series stopped
                    [-1.0, np.nan, np.nan],
                    [np.nan, np.nan, np.nan]])
    q = np.array([[6, 6, 6], [12, 12, 6], [18, 12, 6], [18, 12, 6]])
    fig = _check(af.fitness_figure({"best_fitness": fit, "queries": q}), 3)
    band = one(fig, "IQR over series")
    median = one(fig, "median best fitness")
    queries = one(fig, "median queries so far")
    assert band.fill == "toself"
    np.testing.assert_allclose(median.y, [-2.0, -1.5, -1.0])  # NaN-aware; all-NaN generation dropped
    np.testing.assert_allclose(median.x, [1, 2, 3])
    np.testing.assert_allclose(queries.y, [6, 12, 12, 12])  # cumulative, not re-summed
    assert queries.yaxis != median.yaxis  # a second y axis
    assert axis_title(fig, median, "x") == "Generation"
    assert axis_title(fig, median, "y") == "Best fitness (log-odds, nats)"
    assert axis_title(fig, queries, "y") == "Queries per series (count)"


def test_fitness_figure_per_generation_queries_are_summed():
    fit = np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]])
    q = np.array([[5, 5], [5, 5], [5, 0]])
    fig = af.fitness_figure({"best_fitness": fit, "queries": q})
    np.testing.assert_allclose(one(fig, "median queries so far").y, [5, 10, 12.5])  # medians of (5,5), (10,10), (15,10)
    fig2 = af.fitness_figure({"best_fitness": fit, "queries": q}, queries_cumulative=True)
    np.testing.assert_allclose(one(fig2, "median queries so far").y, [5, 5, 5])


@pytest.mark.parametrize("history", [None, {}, {"loss": np.ones((3, 2))},
                                     {"best_fitness": np.zeros((0, 3))},
                                     {"best_fitness": np.full((2, 2), np.nan)}])
def test_fitness_figure_without_history(history):
    fig = _check(af.fitness_figure(history), 0)
    assert fig.layout.annotations[0].text == af.NO_HISTORY_TEXT


def test_fitness_figure_other_key_and_bad_history():
    fig = _check(af.fitness_figure({"loss": np.ones((4, 2))}, key="loss"), 2)
    median = one(fig, "median loss")
    assert axis_title(fig, median, "x") == "Iteration" and axis_title(fig, median, "y") == "Loss"
    np.testing.assert_allclose(median.y, 1.0)
    with pytest.raises(ValueError, match="history"):
        af.fitness_figure([1, 2, 3])
    with pytest.raises(ValueError, match="best_fitness"):
        af.fitness_figure({"best_fitness": np.zeros((2, 2, 2))})


# --------------------------------------------------------------------------- perturbation size
def test_perturbation_size_figure():
    rep = _report(n=5, snr=[20, 21, np.inf, 25, 30])
    fig = _check(af.perturbation_size_figure(rep, unit="mV"), 2)
    linf, snr = one(fig, "L∞"), one(fig, "SNR")
    assert axis_title(fig, linf, "x") == "L∞ (mV)" and axis_title(fig, snr, "x") == "SNR (dB)"
    assert axis_title(fig, linf, "y") == "Series (count)"
    assert sum(linf.y) == 5 and sum(snr.y) == 4  # histogram counts; the inf SNR left out ...
    assert any("1 unperturbed" in (a or "") for a in annotation_texts(fig))  # ... and said so


def test_perturbation_size_figure_n1_and_all_unperturbed():
    fig = _check(af.perturbation_size_figure(_report(n=1)), 2)
    linf = one(fig, "L∞")
    assert sum(linf.y) == 1
    assert axis_title(fig, linf, "x") == "L∞ (signal units)"
    fig = _check(af.perturbation_size_figure(_report(n=2, snr=[np.inf, np.inf])), 1)
    assert any(a.text == "no finite values" for a in fig.layout.annotations)
    with pytest.raises(ValueError, match="bins"):
        af.perturbation_size_figure(_report(), bins=1)


def test_perturbation_size_figure_one_budget_in_float32_is_one_bar_with_round_ticks():
    """Issue 18, defect 7: FGSM moves every series by eps, stored in float32 as 0.095000015,
    0.09500002, 0.095000025: one bar at 0.095, not 30 bins with ticks in the float32 noise."""
    rep = _report(n=3)
    rep = AttackReport(**{**rep.__dict__, "linf": np.array([0.095000015, 0.09500002, 0.095000025], np.float32)})
    fig = _check(af.perturbation_size_figure(rep, unit="mV"), 2)
    linf = one(fig, "L∞")
    assert list(linf.y) == [3] and list(linf.x) == [pytest.approx(0.095, abs=1e-12)]
    assert fig.layout.xaxis.tickformat == af.VALUE_TICKFORMAT
    # values that really differ keep their histogram
    spread = AttackReport(**{**rep.__dict__, "linf": np.array([0.09, 0.095, 0.1], np.float32)})
    assert len(one(af.perturbation_size_figure(spread), "L∞").y) == 30


def test_fitness_figure_one_step_is_a_point_with_a_note():
    """Issue 18, defect 4: FGSM's history has one iteration; a line through one point drew empty axes."""
    loss = np.array([[0.5, 1.0, 1.5, 2.0]])
    fig = af.fitness_figure({"loss": loss}, key="loss")
    point = one(fig, "median loss")
    assert "markers" in point.mode and list(point.x) == [1.0] and list(point.y) == [pytest.approx(1.25)]
    np.testing.assert_allclose(point.error_y.array, [np.quantile(loss, 0.75) - 1.25])
    np.testing.assert_allclose(point.error_y.arrayminus, [1.25 - np.quantile(loss, 0.25)])
    assert af.ONE_STEP_TEXT in annotation_texts(fig)


def test_names_exported_from_viz():
    for name in ("overlay_figure", "probabilities_figure", "spectra_figure", "latent_shift_figure",
                 "sweep_figure", "sweep_figures", "adversarial_confusion_figure", "fitness_figure",
                 "perturbation_size_figure"):
        assert getattr(viz, name) is getattr(af, name) and name in viz.__all__
