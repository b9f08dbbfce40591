"""tsviz.viz.report: self-contained HTML reports of a run, a comparison and a study — what they show,
that they fetch nothing from elsewhere, that hostile text is escaped, and that the size cap holds.

"Self-contained" is checked on the parsed document (html.parser): no element has a ``src`` or
``href`` pointing to another host (plotly.js is inlined; its own source text mentions URLs in
strings, which are not attributes), a Content-Security-Policy forbids requests, and plotly.js is
embedded exactly once however many figures there are.
"""
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from tsviz.viz import report as rp
from tsviz.viz.runs_figures import check_curves, curves_overlay_figure

HOSTILE = '<script>alert("x")</script>'


class _Doc(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls, self.tags, self.text, self.scripts, self.meta = [], [], [], 0, []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        for k in ("src", "href", "action", "data", "poster"):
            if attrs.get(k):
                self.urls.append(attrs[k])
        if tag == "script":
            self.scripts += 1
            self._in_script = True
        if tag == "meta":
            self.meta.append(attrs)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if not self._in_script:
            self.text.append(data)


def _parse(doc: str) -> _Doc:
    p = _Doc()
    p.feed(doc)
    p.close()
    return p


def _run(**over):
    run = {"id": "0123456789abcdef0123456789abcdef", "kind": "attack", "status": "done", "label": "pgd eps 0.1",
           "params": {"attack": "pgd", "eps": 0.1, "steps": 40, "nested": {"a": [1, 2]}}, "seeds": {"seed": 7},
           "dataset": {"spec": "synthetic-ecg", "name": "Synthetic ECG", "fingerprint": "f1ng3rpr1nt"},
           "model": {"id": "synthetic-ecg--resnet--standard", "arch": "resnet"},
           "metrics": {"clean_accuracy": 0.97, "adversarial_accuracy": 0.125},
           "artifacts": {"curves": "01/curves.json"}, "versions": {"tsviz": "9.9.9", "torch": "2.13"},
           "source": "app", "workspace": None, "host": "h", "pid": 42, "error": None,
           "started_at": "2025-03-01T10:00:00+00:00", "finished_at": "2025-03-01T10:00:12+00:00", "duration_s": 12.0}
    run.update(over)
    return run


def _curve_fig(name="pgd eps 0.1"):
    curves, _ = check_curves({"acc": {"x": [0, 0.05, 0.1], "y": [0.97, 0.6, 0.125], "x_label": "eps (mV)",
                                      "y_label": "accuracy", "kind": "accuracy_vs_eps"}})
    return curves_overlay_figure([(name, curves)], "accuracy_vs_eps")


def _external(urls):
    return [u for u in urls if u.split(":", 1)[0].lower() in ("http", "https", "ftp") or u.startswith("//")]


def test_run_report_shows_params_metrics_versions_fingerprint_and_figures():
    table = pd.DataFrame({"eps": [0.0, 0.1], "accuracy": [0.97, 0.125]})
    doc = rp.run_report_html(_run(), figures=[("Accuracy vs eps", _curve_fig()), ("Second", _curve_fig("b"))],
                             tables=[("Sweep", table)])
    p = _parse(doc)
    text = " ".join(p.text)
    for expected in ("pgd eps 0.1", "eps", "0.1", "steps", "40", "seed", "7", "f1ng3rpr1nt", "clean_accuracy",
                     "0.97", "adversarial_accuracy", "0.125", "9.9.9", "synthetic-ecg--resnet--standard",
                     "2025-03-01T10:00:00+00:00", "12.0 s", "done", "Sweep", '{"a": [1, 2]}', "01/curves.json"):
        assert expected in text, expected
    assert doc.count('class="plotly-graph-div"') == 2
    assert doc.count("plotly.js v") == 1  # the library is embedded once, for the first figure only
    assert doc.startswith("<!DOCTYPE html>") and doc.rstrip().endswith("</html>")


def test_report_is_self_contained():
    doc = rp.run_report_html(_run(), figures=[("a", _curve_fig()), ("b", _curve_fig())])
    p = _parse(doc)
    assert _external(p.urls) == [], _external(p.urls)
    assert "link" not in p.tags and "iframe" not in p.tags and "img" not in p.tags
    assert all(not (m.get("src") or "") for m in p.meta)
    csp = [m["content"] for m in p.meta if m.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0] and "http" not in csp[0]
    assert "cdn.plot.ly/plotly" not in doc.split("plotly.js v")[0]  # no CDN script before the inlined one
    # a comparison and a study report too
    for other in (rp.comparison_report_html([_run(), _run(label="b")], figures=[("a", _curve_fig())]),
                  rp.study_report_html({"id": "s", "name": "pilot", "seed": 1, "items": [], "config": {}},
                                       figures=[("a", _curve_fig())])):
        q = _parse(other)
        assert _external(q.urls) == [] and "link" not in q.tags


def test_hostile_strings_are_escaped_everywhere():
    run = _run(label=HOSTILE, params={HOSTILE: HOSTILE}, error=f"ValueError: {HOSTILE}", status="failed",
               dataset={"spec": HOSTILE, "fingerprint": HOSTILE}, metrics={"m": HOSTILE},
               versions={"tsviz": HOSTILE})
    table = pd.DataFrame({HOSTILE: [HOSTILE]})
    doc = rp.run_report_html(run, tables=[(HOSTILE, table)], figures=[(HOSTILE, _curve_fig(HOSTILE))],
                             notes=[HOSTILE], title=HOSTILE)
    p = _parse(doc)
    assert HOSTILE not in doc  # never raw: text escaped, figure data \u003c-escaped by plotly
    assert "&lt;script&gt;" in doc
    assert sum(HOSTILE in t for t in p.text) >= 8  # shown, as text, in each place
    n_scripts_clean = _parse(rp.run_report_html(_run(), figures=[("a", _curve_fig())])).scripts
    assert p.scripts == n_scripts_clean  # no script element was injected
    study = rp.study_report_html({"id": "s", "name": HOSTILE, "seed": 1, "items": [{"kind": "clean"}],
                                  "config": {"note": HOSTILE}}, tables=[("t", table)], run=run)
    assert HOSTILE not in study and "&lt;script&gt;" in study
    cmp = rp.comparison_report_html([run, _run()], tables=[("t", table)])
    assert HOSTILE not in cmp


def test_size_cap_leaves_out_figures_and_says_so():
    big = go.Figure(go.Scatter(x=np.arange(60_000), y=np.random.default_rng(0).standard_normal(60_000), name="big"))
    one = rp.run_report_html(_run(), figures=[("big", big)])
    cap = len(one.encode()) + 200_000  # room for plotly.js and one big figure, not two
    doc = rp.run_report_html(_run(), figures=[("big", big), ("big 2", big)], max_bytes=cap)
    assert len(doc.encode()) <= cap
    assert doc.count('class="plotly-graph-div"') == 1
    assert "Figure &#x27;big 2&#x27; left out: the report would pass its cap" in doc
    small = rp.run_report_html(_run(), figures=[("big", big)], tables=[("t", pd.DataFrame({"a": range(10)}))],
                               max_bytes=rp.MIN_REPORT_BYTES * 4)
    assert len(small.encode()) <= rp.MIN_REPORT_BYTES * 4
    assert "plotly.js v" not in small and "left out" in small and "clean_accuracy" in small


def test_long_tables_and_values_are_cut():
    df = pd.DataFrame({"i": range(rp.MAX_TABLE_ROWS + 25)})
    doc = rp.run_report_html(_run(params={"long": "x" * 50_000}), tables=[("rows", df)])
    assert f"25 more rows left out (a report shows {rp.MAX_TABLE_ROWS})" in doc
    assert "x" * rp.MAX_CELL_CHARS not in doc and "x" * (rp.MAX_CELL_CHARS - 1) + "…" in doc


def test_study_report_counts_items_and_shows_tables():
    items = [{"kind": "clean"}] * 3 + [{"kind": "adversarial"}] * 2
    breakdown = pd.DataFrame({"who": ["pooled"], "labelled as source": [0.5]})
    doc = rp.study_report_html({"id": "s1", "name": "pilot", "seed": 3, "n_items": 5, "items": items,
                                "config": {"class_names": ["N", "S"], "fs": 360}, "created_at": "2025-01-01"},
                               tables=[("Table 3.1", breakdown)], run=_run(kind="study"))
    text = " ".join(_parse(doc).text)
    for expected in ("pilot", "Clean items", "3", "Adversarial items", "2", "Table 3.1", "labelled as source",
                     "pooled", "0.5", "f1ng3rpr1nt", "9.9.9", '["N", "S"]'):
        assert expected in text, expected


def test_bad_inputs_name_the_parameter():
    with pytest.raises(ValueError, match="run must be a dict"):
        rp.run_report_html("run")
    with pytest.raises(ValueError, match=r"figures\[0\] must be a plotly Figure"):
        rp.run_report_html(_run(), figures=[("a", "not a figure")])
    with pytest.raises(ValueError, match=r"tables\[0\] must be a pandas DataFrame"):
        rp.run_report_html(_run(), tables=[("a", [1, 2])])
    with pytest.raises(ValueError, match="max_bytes"):
        rp.run_report_html(_run(), max_bytes=10)
    with pytest.raises(ValueError, match="max_bytes"):
        rp.run_report_html(_run(), max_bytes=float("nan"))
    with pytest.raises(ValueError, match="runs must be a non-empty"):
        rp.comparison_report_html([])
    with pytest.raises(ValueError, match="at most"):
        rp.run_report_html(_run(), figures=[("a", _curve_fig())] * (rp.MAX_ITEMS + 1))
