"""Certify page for a live demo (issue 18): teaching defaults that show the self-ensemble effect on
synthetic ECG, the cost and time before every run, Cancel and its notice, analyses in their own tab,
paper settings one click away, metric deltas only for real changes (defect 8); and the public cost
functions of tsviz.certify equal to what each entry point holds to the cost cap."""
from __future__ import annotations

import re

import numpy as np
import pytest
from apptest_helpers import app, find_elements, frames, no_errors
from helpers import linear_model, toy_series

from tsviz.ui import state
from tsviz.ui.long_action import cancelled_text

pytestmark = pytest.mark.usefixtures("app_home")

ETA = re.compile(r"about \d+ (s|min|h)\b", re.IGNORECASE)


def _captions(at) -> list[str]:
    return [c.value for c in at.caption]


def _small_cbf_run():
    at = app("pages/4_Certify.py").run()
    at.sidebar.selectbox(key="sb_ds_builtin").set_value("cbf").run()
    for k, v in (("cert_series", 6), ("cert_n0", 10), ("cert_n", 50), ("cert_m_mb", 2), ("cert_m_mc", 2)):
        at.number_input(key=k).set_value(v)
    at.button(key="cert_run").click().run()
    no_errors(at)
    return at


def test_defaults_are_a_short_demo_and_say_so_before_a_run():
    at = app("pages/4_Certify.py").run()
    no_errors(at)
    values = {k: at.number_input(key=k).value for k in ("cert_n0", "cert_n", "cert_series", "cert_m_mb", "cert_m_mc")}
    assert values == {"cert_n0": 20, "cert_n": 200, "cert_series": 40, "cert_m_mb": 4, "cert_m_mc": 4}
    note = next(c for c in _captions(at) if "model evaluations in all" in c)
    assert note.startswith("79,200 model evaluations in all") and ETA.search(note) and "on this machine" in note
    # the page names the data it runs on, not CBF (issue 18)
    assert all("CBF" not in i.value for i in at.info)


def test_the_default_run_shows_the_self_ensemble_effect_and_real_deltas_only():
    """The teaching defaults on synthetic ECG: M_B and M_C certify a larger ACR than Single. The header
    gives each ACR; only the ensembles carry a delta, their change from Single (defect 8: facts such
    as 'clean 90 % · abstain 5 %' were drawn as green up-arrows)."""
    at = app("pages/4_Certify.py").run()
    at.button(key="cert_run").click().run()
    no_errors(at)
    summary = frames(at)[0].set_index("label")
    assert summary.loc["M_B", "acr"] > summary.loc["Single", "acr"]
    assert summary.loc["M_C", "acr"] > summary.loc["Single", "acr"]
    metrics = {m.label.split(" ·")[0]: m for m in at.metric}
    assert not metrics["Single"].delta
    for label in ("M_B", "M_C"):
        delta = metrics[label].delta
        assert re.fullmatch(r"\+\d[\d.e-]* mV vs Single", delta), delta
    assert any("Single: clean" in c and "abstain" in c for c in _captions(at))


def test_presets_set_the_widgets_within_the_cost_cap_and_show_their_time():
    from tsviz.core import max_cost

    at = app("pages/4_Certify.py").run()
    notes = next(c for c in _captions(at) if c.startswith("Paper settings:"))
    assert "Cohen et al.:" in notes and len(ETA.findall(notes)) == 2
    at.button(key="cert_preset_paper").click().run()
    no_errors(at)
    got = {k: at.number_input(key=k).value for k in ("cert_n0", "cert_n", "cert_m_mb", "cert_series")}
    assert got == {"cert_n0": 100, "cert_n": 1000, "cert_m_mb": 5, "cert_series": 1000}
    assert at.number_input(key="cert_alpha").value == 0.001
    at.button(key="cert_preset_cohen").click().run()
    no_errors(at)
    assert at.number_input(key="cert_n").value == 100_000 and at.number_input(key="cert_n0").value == 100
    series = at.number_input(key="cert_series").value
    assert 1 <= series and series * 100_100 * (1 + 5 + 5) <= max_cost()
    assert not at.warning and state.CERTIFY_RESULT not in at.session_state  # nothing ran
    at.button(key="cert_preset_teaching").click().run()
    assert at.number_input(key="cert_n").value == 200 and at.number_input(key="cert_series").value == 40


def test_cancel_keeps_the_certification_and_says_so(stop_next_report):
    at = _small_cbf_run()
    before = at.session_state[state.CERTIFY_RESULT]
    at.number_input(key="cert_series").set_value(5)
    stop_next_report()
    at.button(key="cert_run").click().run()
    assert not at.exception and at.session_state[state.CERTIFY_RESULT] is before
    at.run()
    no_errors(at)
    assert cancelled_text("Certifying") in [i.value for i in at.info]
    assert at.session_state[state.CERTIFY_RESULT] is before and list(frames(at)[0]["label"]) == ["Single", "M_B", "M_C"]


def test_every_analysis_shows_its_time_runs_in_its_tab_and_can_be_cancelled(stop_next_report, monkeypatch):
    import tsviz.ui.progress as progress

    at = _small_cbf_run()
    tabs = [t.label for t in at.tabs]
    layout = [getattr(c, "type", "") for c in at.main.children.values()]
    for tab in ("Margins", "Ablation", "PGD attack", "Soundness"):
        shown = [c.value for c in at.tabs[tabs.index(tab)].caption]
        assert any(ETA.search(c) and c.endswith("for the settings shown.") for c in shown), (tab, shown)
    stop_next_report()
    at.number_input(key="cert_sound_n").set_value(2)
    at.number_input(key="cert_sound_dirs").set_value(2)
    at.button(key="cert_sound_go").click().run()
    assert not at.exception and "soundness" not in at.session_state.get(state.CERTIFY_ANALYSES, {})
    at.run()
    soundness = at.tabs[tabs.index("Soundness")]
    assert cancelled_text("Attacking inside the radii") in [i.value for i in soundness.info]
    # a run of the check: the page above the tabs is unchanged (the tab bar keeps its place) and its
    # progress bar is in the Soundness tab
    monkeypatch.setattr(progress.ProgressBar, "empty", lambda self: None)
    at.button(key="cert_sound_go").click().run()
    no_errors(at)
    assert [getattr(c, "type", "") for c in at.main.children.values()] == layout
    soundness_progress = find_elements(at.tabs[tabs.index("Soundness")], "progress")
    assert len(soundness_progress) == 1, soundness_progress
    assert len(find_elements(at.main, "progress")) == 1


def test_analysis_defaults_are_demo_sized():
    at = _small_cbf_run()
    assert at.text_input(key="cert_abl_sizes").value == "1, 2, 4"
    assert at.number_input(key="cert_atk_n").value == 6 and at.number_input(key="cert_atk_draws").value == 4
    assert len(at.text_input(key="cert_atk_eps").value.split(",")) == 2
    assert at.number_input(key="cert_sound_n").value == 6  # min(10, certified series)


# ------------------------------------------------------------------ the library's cost functions
def _configs(model, sigma=0.5):
    from tsviz.certify import CertConfig

    return [CertConfig("Single", model, sigma), CertConfig("M_B", model, sigma, "binomial", 3, 0.9)]


def _at_cap(monkeypatch, total: int, run) -> None:
    """``run`` passes with the cap at ``total`` and is refused at ``total - 1``."""
    from tsviz.certify import CertifyCostError

    monkeypatch.setenv("TSVIZ_MAX_COST", str(total))
    run()
    monkeypatch.setenv("TSVIZ_MAX_COST", str(total - 1))
    with pytest.raises(CertifyCostError):
        run()


def test_certification_cost_is_what_certify_configs_holds_to_the_cap(monkeypatch):
    from tsviz.certify import ablation, ablation_cost, certification_cost, certify_configs
    from tsviz.certify.costs import total

    model = linear_model(T=16, K=3)
    x, y = toy_series(4, T=16, K=3)
    f = certification_cost(4, 5, 20, 1 + 3)
    assert f == {"series": 4, "noise draws (n0 + n)": 25, "masks x ensemble members, summed over configurations": 4}
    _at_cap(monkeypatch, total(f), lambda: certify_configs(_configs(model), x, y, n0=5, n=20))
    f = ablation_cost(4, 5, 20, [1, 2], [0.9, 0.5])
    assert total(f) == 4 * 25 * (1 + 2 * 3)
    _at_cap(monkeypatch, total(f), lambda: ablation(model, x, y, 0.5, sizes=[1, 2], keeps=[0.9, 0.5], n0=5, n=20))


def test_soundness_and_attack_costs_are_what_they_hold_to_the_cap(monkeypatch):
    from tsviz.certify import attack_rates_cost, attack_success_rates, certify_configs, soundness_check, soundness_cost
    from tsviz.certify.costs import total

    model = linear_model(T=16, K=3, scale=3.0)
    x, y = toy_series(6, T=16, K=3)
    cfgs = _configs(model)
    f = attack_rates_cost(6, 2, steps=3, draws=2, n=20, passes=[1, 3], benign=True)
    assert total(f) == 6 * 3 * ((3 + 1) + 1 * (3 * 2 + 20) + 3 * (3 * 2 + 20))
    _at_cap(monkeypatch, total(f), lambda: attack_success_rates(cfgs, x, y, [0.1, 0.2], benign=model, steps=3,
                                                                  draws=2, n=20))
    monkeypatch.delenv("TSVIZ_MAX_COST")
    res = certify_configs(cfgs, x, y, n0=5, n=20).results["M_B"]
    k = int(np.sum((res.prediction >= 0) & (res.radius > 0)))
    assert k > 0
    f = soundness_cost(k, 2, masks=3, members=1, directions=2, pgd_steps=3, pgd_draws=2, n=20)
    assert total(f) == k * 2 * 3 * (3 * 2 + (2 + 1) * 20)
    _at_cap(monkeypatch, total(f), lambda: soundness_check(cfgs[1].smoothed(16), x, res, fractions=[0.5, 2],
                                                           directions=2, pgd_steps=3, pgd_draws=2))


def test_scores_cost_is_what_noise_margins_holds_to_the_cap(monkeypatch):
    from tsviz.certify import noise_margins, scores_cost
    from tsviz.certify.costs import total

    model = linear_model(T=16, K=3)
    x, _ = toy_series(2, T=16, K=3)
    f = scores_cost(2, 30, masks=3)
    assert total(f) == 2 * 30 * 3
    _at_cap(monkeypatch, total(f), lambda: noise_margins(_configs(model)[1].smoothed(16), x, 30))
