"""The thin-page rules (issue 13): cached results are not computed again by an interaction inside
a results tab, exports load back as datasets, forms do not submit on Enter, widget caps are the
library's CAPS, and every page stays short."""
from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pytest
from apptest_helpers import REPO, app, frames, no_errors

from tsviz.ui import state
from tsviz.ui.caps import SOURCES, cap, family_caps

pytestmark = pytest.mark.usefixtures("app_home")

#: A page reads as widgets -> one cached library call -> figures (DESIGN.md).
MAX_PAGE_LINES = 150


def _counting(monkeypatch, module: str, name: str) -> list:
    """Replace ``module.name`` with a wrapper that records each call; returns the record."""
    mod = importlib.import_module(module)
    real = getattr(mod, name)
    calls: list = []

    def wrapper(*args, **kwargs):
        out = real(*args, **kwargs)
        calls.append((args, kwargs, out))
        return out

    monkeypatch.setattr(mod, name, wrapper)
    return calls


def _attack(n: int = 8, name: str = "fgsm"):
    at = app("pages/3_Attack.py").run()
    at.selectbox(key="atk_name").set_value(name).run()
    at.number_input(key="atk_n").set_value(n)
    at.button(key="atk_run").click().run()
    no_errors(at)
    return at


def test_an_interaction_inside_a_results_tab_computes_nothing_again(monkeypatch):
    evaluate = _counting(monkeypatch, "tsviz.attacks", "evaluate")
    spectra = _counting(monkeypatch, "tsviz.attacks.analysis", "welch_compare")
    at = _attack()
    assert len(evaluate) == 1 and len(spectra) == 1
    caption = next(c.value for c in at.caption if "fgsm on 8 test series" in c.value)
    for i in (3, 5):  # the Signals tab's series: a widget inside a fragment
        at.selectbox(key="atk_view_i").set_value(i).run()
        no_errors(at)
    at.text_input(key="sweep_eps").set_value("0, 0.05")  # a form field (not submitted)
    at.run()
    no_errors(at)
    assert len(evaluate) == 1 and len(spectra) == 1  # the attack and its spectra come from the cache
    assert any(c.value == caption for c in at.caption)
    # a new request runs once more; going back to the first one is a cache hit
    at.number_input(key="atk_n").set_value(6)
    at.button(key="atk_run").click().run()
    at.number_input(key="atk_n").set_value(8)
    at.button(key="atk_run").click().run()
    no_errors(at)
    assert len(evaluate) == 2


def test_the_attack_csv_export_loads_back_with_the_same_labels(monkeypatch, tmp_path):
    from tsviz.data import load, select_samples

    written = _counting(monkeypatch, "tsviz.data.export", "csv_bytes")
    npz = _counting(monkeypatch, "tsviz.data.export", "npz_bytes")
    at = _attack(n=30)
    labels = [b.label for b in at.get("download_button")]
    assert "⬇ Adversarial series (CSV, one per row, label last)" in labels and "⬇ Adversarial series (NPZ)" in labels
    assert len(written) == 1 and len(npz) == 1
    (x_adv, y), _, data = written[0]
    ds = load("synthetic-ecg")
    idx = select_samples(ds.y_test, mode="random", n=30, seed=0)  # the page's default selection
    assert np.array_equal(y, ds.y_test[idx])
    path = tmp_path / "adversarial.csv"
    path.write_bytes(data)
    back = load(f"csv:{path}")
    X_back = np.concatenate([back.X_train, back.X_test])
    names_back = np.asarray(back.class_names)[np.concatenate([back.y_train, back.y_test])]
    assert X_back.shape == (30, 1, 187)
    for row, name in zip(X_back, names_back):  # every row: an adversarial series with its true class name
        match = np.flatnonzero(np.abs(x_adv.reshape(30, -1) - row.reshape(1, -1)).max(axis=1) == 0)
        assert len(match) and ds.class_names[y[match[0]]] == name
    # the NPZ loads back too, with the class names, unit and sampling rate
    path = tmp_path / "adversarial.npz"
    path.write_bytes(npz[0][2])
    back = load(f"npz:{path}")
    assert back.class_names == ds.class_names and back.unit == ds.unit and back.fs == ds.fs
    assert back.X_train.shape[0] + back.X_test.shape[0] == 30


def test_enter_in_a_training_form_field_does_not_start_training(tiny_npz):
    at = app("pages/2_Model.py")
    at.session_state[state.DATASET_SPEC] = f"npz:{tiny_npz}"
    at.session_state[state.DATASET_LABEL] = "tiny.npz"
    at.run()
    no_errors(at)
    form = next(f for f in at.get("form") if f.proto.form.form_id == "train_form")
    assert not form.proto.form.enter_to_submit  # Enter in Epochs does not submit the form
    at.number_input(key="train_epochs").set_value(3)
    at.text_input(key="train_name").input("not-yet")
    at.run()  # what a value committed without pressing Train sends
    no_errors(at)
    assert at.session_state[state.MODEL_PATH] is None and state.TRAINING not in at.session_state
    assert not any("Trained" in s.value for s in at.success)


@pytest.mark.parametrize("page, forms", [
    ("pages/2_Model.py", ["train_form"]),
    ("pages/5_Explain.py", ["xp_form", "bd_form"]),
    ("pages/6_Augment.py", ["aug_t_form", "cmp_form"]),
])
def test_forms_do_not_submit_on_enter(page, forms):
    at = app(page).run()
    no_errors(at)
    shown = {f.proto.form.form_id: f.proto.form.enter_to_submit for f in at.get("form")}
    assert set(forms) <= set(shown) and not any(shown.values()), shown


def test_the_forms_shown_with_results_do_not_submit_on_enter():
    at = _attack(n=2)  # the setup has a live cost note, so no form; the budget sweep's form shows with results
    shown = {f.proto.form.form_id: f.proto.form.enter_to_submit for f in at.get("form")}
    assert shown == {"sweep_form": False}


def _max(widget) -> float:
    return widget.max if hasattr(widget, "max") else widget.proto.max


def test_widget_caps_are_the_library_caps():
    at = _attack(n=2, name="pgd")
    assert _max(at.number_input(key="atk_n")) == cap("attack_series")
    assert _max(at.number_input(key="atk_pgd_steps")) == cap("attack_steps")
    assert _max(at.number_input(key="atk_pgd_restarts")) == cap("attack_restarts")
    at.selectbox(key="atk_name").set_value("genattack").run()
    assert _max(at.number_input(key="atk_ga_pop")) == cap("ga_population")
    assert _max(at.number_input(key="atk_ga_maxq")) == cap("ga_max_queries")
    at = app("pages/4_Certify.py").run()
    for key, name in (("cert_n", "certify_n"), ("cert_n0", "certify_n0"), ("cert_series", "certify_series"),
                      ("cert_m_mb", "certify_masks")):
        assert _max(at.number_input(key=key)) == cap(name), key
    at = app("pages/5_Explain.py").run()
    assert _max(at.number_input(key="xp_steps")) == cap("neuromask_steps")
    assert _max(at.number_input(key="xp_igsteps")) == cap("ig_steps")
    at = app("pages/6_Augment.py").run()
    assert _max(at.number_input(key="ode_epochs")) == cap("odenet_epochs")
    assert _max(at.number_input(key="aug_t_epochs")) == cap("train_epochs")
    # where a family exports CAPS, the app shows exactly its value
    for name, (family, key) in SOURCES.items():
        assert cap(name) == family_caps(family)[key], name


def test_every_cap_the_app_reads_is_in_the_family_caps():
    """The app defines no cap of its own: every key it reads is in the family's CAPS."""
    missing = []
    for name, (family, key) in SOURCES.items():
        caps = family_caps(family)
        if key not in caps:
            missing.append(f"{name}: tsviz.{family}.CAPS has no {key!r} (has {sorted(caps)})")
    assert not missing, "\n".join(missing)


def test_pages_are_thin():
    lines = {p.name: len(p.read_text().splitlines()) for p in (REPO / "pages").glob("*.py")}
    assert lines and all(n <= MAX_PAGE_LINES for n in lines.values()), lines
    for p in (REPO / "pages").glob("*.py"):
        assert '["cache"]' not in p.read_text(), f"{p.name}: a hand-made memo of results"


def test_results_tables_offer_csv_and_figures_html():
    at = _attack(n=4)
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("⬇ CSV") == len(frames(at)) and labels.count("⬇ HTML") >= 6
    assert Path(REPO / "pages/3_Attack.py").read_text().count("@st.fragment") >= 4
