"""Review page (AppTest): renders with the default dataset; an attack run on the Attack page is shown on
ECG paper with the clinician's numbers; the series sent from the Attack page; a stored run; NPZ uploads,
good and hostile (a message naming the key, the previous input kept); widgets inside the tabs compute
nothing again; never a traceback."""
from __future__ import annotations

import io
import json

import numpy as np
import pytest
from apptest_helpers import app, errors, frames, no_errors

from tsviz.ui import review_run as rr
from tsviz.ui import state

pytestmark = pytest.mark.usefixtures("app_home")

PAPER_TRACES = {"Clean", "Adversarial", "1 mV calibration", "Difference (adversarial − clean)"}


def _charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _pair(n: int = 3, T: int = 187, amp: float = 0.02):
    t = np.arange(T) / 125.0
    clean = np.stack([np.sin(2 * np.pi * (1 + k) * t) for k in range(n)])[:, None].astype(np.float32)
    return clean, (clean + amp * np.sin(2 * np.pi * 31.25 * t)).astype(np.float32)  # 4 samples per period


def test_the_page_renders_with_the_default_dataset_and_says_what_to_do():
    at = app("pages/7_Review.py").run()
    no_errors(at)
    assert [t.value for t in at.title] == ["Review"]
    assert at.radio(key="rv_source").options == list(rr.SOURCES)
    assert any("Run attack" in i.value for i in at.info)
    assert [t.label for t in at.tabs] == ["ECG paper", "In context", "Blinded study"]


def test_an_attack_run_is_reviewed_on_ecg_paper_with_its_numbers(monkeypatch):
    import tsviz.review

    at = app("app.py").run()
    at.switch_page("pages/3_Attack.py").run()
    at.selectbox(key="atk_name").set_value("fgsm").run()
    at.number_input(key="atk_n").set_value(4)
    at.button(key="atk_run").click().run()
    no_errors(at)
    report = at.session_state[state.ATTACK_RESULT]
    eps = at.number_input(key="atk_fgsm_eps").value  # FGSM moves every sample by exactly ±eps (mV)
    calls = []
    real = tsviz.review.perturbation_report
    monkeypatch.setattr(tsviz.review, "perturbation_report", lambda *a, **k: calls.append(1) or real(*a, **k))
    at.switch_page("pages/7_Review.py").run()
    no_errors(at)
    m = _metrics(at)
    assert m["Peak change"] == f"{eps * 1000:.1f} µV" and m["On paper"] == "visible"
    assert {"SNR", "Model before", "Model after"} <= set(m)
    assert any("0.05 mV" in w.value for w in at.warning)  # the sentence: visible on paper
    paper = _charts(at)[0]
    assert PAPER_TRACES <= {d.get("name") for d in paper["data"]}
    assert paper["layout"]["xaxis"]["minor"]["dtick"] == pytest.approx(0.04)
    assert paper["layout"]["yaxis"]["minor"]["dtick"] == pytest.approx(0.1)
    table = next(f for f in frames(at) if "peak (µV)" in f.columns)
    assert len(table) == 4 and np.allclose(table["peak (µV)"], eps * 1000, rtol=1e-4)
    assert {"class before", "class after", "confidence after", "SNR (dB)"} <= set(table.columns)
    assert {b.label for b in at.get("download_button")} >= {"⬇ HTML", "⬇ CSV"}
    # the verdict is the attack's own evaluation (no second model call)
    names = ("N", "S", "V", "F", "Q")
    series = at.selectbox(key="rv_series").options
    assert all(" → " in s for s in series) and len(series) == 4
    # widgets inside the tab only redraw: nothing is computed again
    n_calls = len(calls)
    at.selectbox(key="rv_gain").set_value(20.0).run()
    at.radio(key="rv_layout").set_value("stacked").run()
    at.selectbox(key="rv_speed").set_value(50.0).run()
    no_errors(at)
    assert len(calls) == n_calls == 1
    paper = _charts(at)[0]
    assert paper["layout"]["yaxis"]["dtick"] == pytest.approx(0.25) and paper["layout"]["xaxis"]["dtick"] == 0.1
    assert "50 mm/s · 20 mm/mV" in paper["layout"]["title"]["text"]
    # no strip for synthetic beats, said plainly
    assert any(i.value.startswith("No strip exists for the synthetic-ecg beats") for i in at.info)
    assert at.session_state[state.ATTACK_RESULT] is report and names


def test_series_sent_from_the_attack_page_are_reviewed_with_the_model():
    at = app("pages/7_Review.py").run()
    clean, adv = _pair(4)
    at.session_state[state.ADVERSARIAL] = {
        "x": clean, "x_adv": adv, "y": np.array([0, 1, 2, 3]), "adv_pred": np.array([1, 1, 1, 1]),
        "indices": np.arange(4), "split": "test", "spec": "synthetic-ecg",
        "model_path": at.session_state[state.MODEL_PATH], "attack": "pgd", "params": {}}
    at.run()
    no_errors(at)
    assert any("sent from the Attack page" in c.value for c in at.caption)
    m = _metrics(at)
    assert m["Peak change"] == "20.0 µV" and m["On paper"] == "not visible"
    assert any("not visible" in i.value for i in at.info)
    assert "Model after" in m  # the selected checkpoint's verdict


def test_a_stored_attack_run_opens():
    from tsviz.runs import open_store

    clean, adv = _pair(2, amp=0.08)
    with open_store().record("attack", params={"attack": "pgd", "split": "test"},
                             dataset={"spec": "synthetic-ecg", "name": "synthetic-ecg", "fs": 125.0, "unit": "mV",
                                      "class_names": ["N", "S", "V", "F", "Q"]}, label="for review") as run:
        run.save_arrays("adversarial", clean=clean, adversarial=adv, labels=np.array([0, 2]),
                        clean_probs=np.eye(5, dtype=np.float32)[[0, 2]],
                        adv_probs=np.eye(5, dtype=np.float32)[[2, 2]])
    at = app("pages/7_Review.py").run()
    at.radio(key="rv_source").set_value(rr.RUN_SOURCE).run()
    no_errors(at)
    assert at.selectbox(key="rv_run_pick").value == run.id
    at.button(key="rv_run_open").click().run()
    no_errors(at)
    assert at.session_state[rr.REVIEW_RUN].ref == run.id
    m = _metrics(at)
    assert m["Peak change"] == "80.0 µV" and m["Model before"] == "N" and m["Model after"] == "V"


def test_npz_upload_good_then_hostile_keeps_the_good_one():
    at = app("pages/7_Review.py").run()
    at.radio(key="rv_source").set_value(rr.UPLOAD_SOURCE).run()
    no_errors(at)
    up = at.get("file_uploader")[0]
    clean, adv = _pair(3, amp=0.06)
    up.set_value(("pair.npz", _npz(clean=clean, adversarial=adv, labels=np.array([0, 1, 2]), fs=125.0, unit="mV"),
                  "application/octet-stream")).run()
    no_errors(at)
    good = at.session_state[rr.REVIEW_UPLOAD]
    assert _metrics(at)["Peak change"] == "60.0 µV"
    assert any("uploaded file pair.npz" in c.value for c in at.caption)
    bad_nan = adv.copy()
    bad_nan[1, 0, 5] = np.nan
    hostile = [
        (_npz(clean=clean, adversarial=bad_nan), "'adversarial'"),
        (_npz(clean=clean, x_adv=adv[:, :, :100]), "'x_adv'"),
        (_npz(adversarial=adv), "'clean'"),
        (_npz(clean=clean.astype(complex), adversarial=adv), "'clean'"),
        (_npz(clean=np.array([object()], dtype=object), adversarial=adv), "'clean'"),
        (_npz(clean=clean, adversarial=adv, labels=np.array([0.5, 1, 2])), "'labels'"),
        (_npz(clean=clean, adversarial=adv, fs=-1.0), "'fs'"),
        (b"not a zip file at all", "bad.npz"),
    ]
    for k, (data, word) in enumerate(hostile):
        at.get("file_uploader")[0].set_value((f"bad{k}.npz" if k < 7 else "bad.npz", data,
                                              "application/octet-stream")).run()
        said = errors(at)
        assert len(said) == 1 and word in said[0] and "previous input is kept" in said[0], (word, said)
        assert at.session_state[rr.REVIEW_UPLOAD] == good  # the previous input stays
        assert _metrics(at)["Peak change"] == "60.0 µV"   # and is still shown
        assert not at.exception


def test_an_upload_without_fs_uses_the_dataset_and_one_in_arbitrary_units_says_why_no_paper():
    at = app("pages/7_Review.py").run()
    at.radio(key="rv_source").set_value(rr.UPLOAD_SOURCE).run()
    clean, adv = _pair(2)
    at.get("file_uploader")[0].set_value(("nofs.npz", _npz(x=clean, x_adv=adv), "application/octet-stream")).run()
    no_errors(at)
    assert any("fs 125 Hz" in c.value for c in at.caption)  # the selected dataset's fs
    at.get("file_uploader")[0].set_value(("au.npz", _npz(x=clean, x_adv=adv, unit="a.u."),
                                          "application/octet-stream")).run()
    no_errors(at)
    assert any("No ECG paper" in w.value and "unit" in w.value for w in at.warning)


def _wfdb_records(folder) -> None:
    """Two 30-s 360 Hz records with a Gaussian 'R peak' every 0.9 s (N, V, S, F, paced beats)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import wfdb

        for name, symbols in (("r1", ["N", "N", "V", "N", "A"]), ("r2", ["N", "V", "N", "F", "/"])):
            n, fs = 30 * 360, 360
            tt = np.arange(n)
            peaks = np.arange(int(0.7 * fs), n - int(0.7 * fs), int(0.9 * fs))
            sig = 0.2 * np.sin(2 * np.pi * tt / (4.1 * fs)) + sum(1.4 * np.exp(-0.5 * ((tt - p) / 5.0) ** 2)
                                                                  for p in peaks)
            wfdb.wrsamp(name, fs=fs, units=["mV"], sig_name=["MLII"], p_signal=sig[:, None], fmt=["16"],
                        write_dir=str(folder))
            wfdb.wrann(name, "atr", sample=peaks, symbol=[symbols[i % 5] for i in range(len(peaks))],
                       write_dir=str(folder))


def test_a_wfdb_beat_is_shown_in_its_10_s_strip(tmp_path):
    from tsviz.ui.cache import get_dataset

    folder = tmp_path / "db"
    folder.mkdir()
    _wfdb_records(folder)
    spec = f"wfdb:{folder}"
    ds = get_dataset(spec)
    X, y = ds.split("test")
    idx = np.flatnonzero(y == 2)[:2]  # two V beats
    at = app("pages/7_Review.py").run()
    at.session_state[state.ADVERSARIAL] = {
        "x": X[idx], "x_adv": X[idx] + 0.03, "y": y[idx], "adv_pred": np.zeros(2, dtype=np.int64), "indices": idx,
        "split": "test", "spec": spec, "model_path": at.session_state[state.MODEL_PATH], "attack": "pgd",
        "params": {}}
    at.run()
    no_errors(at)
    assert _metrics(at)["Peak change"] == "30.0 µV"
    strip = next(c for c in _charts(at) if "strip" in c["layout"]["title"]["text"])
    names = [d.get("name") for d in strip["data"]]
    assert PAPER_TRACES <= set(names) and "Beat labels" in names
    assert "in its 10-s strip" in strip["layout"]["title"]["text"]
    assert len(strip["layout"]["shapes"]) == 2  # the attacked window, shaded on both panels
    assert any("Shaded: the attacked window" in c.value and "record r" in c.value for c in at.caption)
    at.selectbox(key="rv_ctx_series").set_value(1).run()
    no_errors(at)


def test_stored_runs_of_another_workspace_are_not_listed():
    from tsviz.runs import open_store

    clean, adv = _pair(1)
    with open_store().record("attack", params={"attack": "pgd"}, workspace="s-someoneelse") as run:
        run.save_arrays("adversarial", clean=clean, adversarial=adv)
    at = app("pages/7_Review.py").run()
    at.radio(key="rv_source").set_value(rr.RUN_SOURCE).run()
    no_errors(at)
    assert "rv_run_pick" not in [s.key for s in at.selectbox]
    assert any("No stored attack run" in i.value for i in at.info)
