"""Issue 18, defects 2, 3 and 8 (Home/Data part): the sidebar's Source survives a page switch, the
Data page's Classes box follows the dataset, metric deltas that are facts carry no arrow, and the
Data page computes only the open tab."""
from __future__ import annotations

import numpy as np
import pytest
from apptest_helpers import app, no_errors

from tsviz.ui import state

pytestmark = pytest.mark.usefixtures("app_home")

CBF = ["cylinder", "bell", "funnel"]


def _csv(n: int = 40, length: int = 20) -> bytes:
    rng = np.random.default_rng(0)
    rows = [[*np.round(rng.normal(size=length) + (i % 2), 3), i % 2] for i in range(n)]
    return "\n".join(",".join(str(v) for v in r) for r in rows).encode()


def _upload(at, name: str = "small.csv"):
    at.sidebar.radio(key="sb_ds_source").set_value("Upload").run()
    at.sidebar.get("file_uploader")[0].set_value((name, _csv(), "text/csv")).run()
    at.sidebar.button(key="sb_ds_upload_load").click().run()
    no_errors(at)
    return at


def test_uploaded_dataset_keeps_the_upload_source_across_pages():
    """Defect 3: after a page switch the Source read "Path" (an empty path field) while the sidebar
    still said "Loaded: small.csv"."""
    at = _upload(app("app.py").run())
    assert at.sidebar.radio(key="sb_ds_source").value == "Upload"
    for page in ("pages/1_Data.py", "pages/2_Model.py", "app.py"):
        at.switch_page(page).run()
        no_errors(at)
        assert at.sidebar.radio(key="sb_ds_source").value == "Upload", page
        assert not [t for t in at.sidebar.text_input if t.key == "sb_ds_path"], page
        assert any("small.csv" in c.value for c in at.sidebar.caption)


def test_the_source_follows_the_loaded_dataset_and_the_users_pick():
    at = app("app.py").run()
    assert at.sidebar.radio(key="sb_ds_source").value == "Built-in"
    at.sidebar.radio(key="sb_ds_source").set_value("Path").run()  # a pick without loading anything
    at.switch_page("pages/1_Data.py").run()
    assert at.sidebar.radio(key="sb_ds_source").value == "Path"
    # a dataset set from outside the sidebar (the Lessons page, a test) brings its own source
    at.session_state[state.DATASET_SPEC] = "cbf"
    at.session_state[state.DATASET_LABEL] = "Cylinder-Bell-Funnel (3 classes)"
    at.run()
    no_errors(at)
    assert at.sidebar.radio(key="sb_ds_source").value == "Built-in"


@pytest.mark.parametrize("how", ["switch", "upload"])
def test_data_page_classes_follow_the_dataset(how):
    """Defect 2: after switching to CBF (or loading a CSV) the Classes box was empty and the page
    said "No series of the chosen classes in this split"."""
    at = app("pages/1_Data.py").run()
    assert at.multiselect(key="data_samples_classes").value == ["N", "S", "V", "F", "Q"]
    if how == "switch":
        at.sidebar.selectbox(key="sb_ds_builtin").set_value("cbf").run()
        expected = CBF
    else:
        _upload(at)
        expected = ["0", "1"]
    no_errors(at)
    assert at.multiselect(key="data_samples_classes").value == expected
    assert not [i.value for i in at.info if "No series" in i.value]
    assert at.get("plotly_chart"), "the samples figure is drawn"
    # a narrowed choice survives a rerun; an emptied one says what to do
    at.multiselect(key="data_samples_classes").set_value(expected[:1]).run()
    assert at.multiselect(key="data_samples_classes").value == expected[:1]
    at.multiselect(key="data_samples_classes").set_value([]).run()
    assert "Choose at least one class." in [i.value for i in at.info]


def test_metric_deltas_that_are_facts_have_no_arrow():
    """Defect 8: "↑ 3000 train / 1000 test" drawn as a green up-arrow."""
    from streamlit.proto.Metric_pb2 import Metric as MetricProto

    at = app("app.py").run()
    facts = [m for m in at.metric if m.proto.delta]
    assert facts and all(MetricProto.MetricDirection.Name(m.proto.direction) == "NONE"
                         and MetricProto.MetricColor.Name(m.proto.color) == "GRAY" for m in facts), facts
    ds = next(m for m in at.metric if m.label == "Dataset")
    assert ds.proto.delta == "3,000 train / 1,000 test"
    from tsviz.ui.page import is_change

    assert is_change("+3.0%") and is_change("-12 %") and is_change(0.5) and is_change("−1")
    assert not is_change("0.10 s") and not is_change("3000 train / 1000 test") and not is_change(None)


def test_metric_row_keeps_arrows_for_changes_only(monkeypatch):
    from tsviz.ui import page

    shown = []

    class Col:
        def metric(self, **kw):
            shown.append(kw)

    monkeypatch.setattr(page.st, "columns", lambda n: [Col() for _ in range(n)])
    page.metric_row([("Adversarial accuracy", "40%", "-58.0%"), ("Window", "steps 1-9", "0.10 s"),
                     {"label": "x", "value": 1, "delta": "+1"}])
    assert "delta_arrow" not in shown[0] and shown[0]["delta_color"] == "normal"
    assert shown[1]["delta_arrow"] == "off" and shown[1]["delta_color"] == "off"
    assert "delta_arrow" not in shown[2]
    shown.clear()
    page.metric_row([("Trigger window", "steps 168-179", "0.10 s")], delta_color="off")
    assert shown[0]["delta_arrow"] == "off"


def test_data_page_computes_only_the_open_tab(monkeypatch):
    from tsviz.ui import cache

    calls = {"psd": 0, "pca": 0, "profile": 0}
    for name, attr in (("psd", "class_psd"), ("pca", "pca_series"), ("profile", "class_mean_std")):
        import tsviz.data.stats as stats

        real = getattr(stats, attr)

        def wrapper(*a, _real=real, _name=name, **k):
            calls[_name] += 1
            return _real(*a, **k)

        monkeypatch.setattr(stats, attr, wrapper)
    cache.get_psd.clear()
    cache.get_series_pca.clear()
    cache.get_profile.clear()
    at = app("pages/1_Data.py").run()
    no_errors(at)
    assert calls == {"psd": 0, "pca": 0, "profile": 0}
    # every tab's controls are there, so they keep their values while another tab is open
    assert at.radio(key="data_psd_split") and at.radio(key="data_pca_split")
    at.number_input(key="data_samples_n").set_value(4).run()
    at.session_state["data_tab"] = "Spectrum"  # what a click on the tab sends
    at.run()
    no_errors(at)
    assert calls["psd"] == 1 and calls["pca"] == 0
    assert at.number_input(key="data_samples_n").value == 4
