"""Self-contained HTML reports of a stored run, a comparison of runs, or a blinded perception study.

A report is one HTML file that opens offline in any browser: interactive Plotly figures inlined
with plotly.js embedded once (in the first figure; the others reuse it), tables as HTML, the
run's parameters, seeds, dataset (and its fingerprint), model, metrics, artifacts, versions,
status, times and error. It fetches nothing: no CDN, no external stylesheet, font or image, and a
``Content-Security-Policy`` meta tag that forbids any request (scripts and styles inline only).

Everything that comes from a user or a file (labels, parameters, error messages, table cells,
names) is escaped with :func:`html.escape`; Plotly escapes ``<``, ``>`` and ``/`` in the figure
data it inlines. A report is held to ``max_bytes`` (default :data:`MAX_REPORT_BYTES`): tables are
cut to :data:`MAX_TABLE_ROWS` rows and cells to :data:`MAX_CELL_CHARS` characters, and a table or
figure that would pass the cap is left out with a note saying so (plotly.js alone is about 4.8 MB).

The inputs are plain mappings (``RunRecord.to_dict()``, ``StudyRecord.to_dict()``), pandas
DataFrames and Plotly figures; this module imports neither the run store nor a capability.
"""
from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import plotly.graph_objects as go

__all__ = ["run_report_html", "comparison_report_html", "study_report_html", "MAX_REPORT_BYTES",
           "MIN_REPORT_BYTES", "MAX_TABLE_ROWS", "MAX_CELL_CHARS", "MAX_ITEMS", "CSP"]

#: Largest report (bytes of UTF-8), plotly.js (about 4.8 MB) included.
MAX_REPORT_BYTES = 40 * 2**20
#: Smallest ``max_bytes`` accepted (the text of a report without tables or figures fits in it).
MIN_REPORT_BYTES = 64 * 2**10
#: Rows of a table shown (the rest are counted in a note).
MAX_TABLE_ROWS = 500
#: Characters of one table cell or parameter value shown.
MAX_CELL_CHARS = 1000
#: Tables, figures or runs given to one report.
MAX_ITEMS = 64
#: Entries of one parameter / metric / version table.
MAX_KEYS = 500
#: No request of any kind leaves the page; scripts and styles only inline (Plotly needs eval for some traces).
CSP = ("default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
       "img-src data: blob:; font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'")
#: Bytes kept free for the notes and the end of the document.
_RESERVE = 16 * 2**10

_STYLE = """
body{font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222;margin:24px auto;max-width:1200px;
padding:0 16px;line-height:1.4}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.sub{color:#666;margin:0 0 16px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
td pre{margin:0;white-space:pre-wrap;word-break:break-word;font-size:12px}
.status{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-weight:bold}
.s-done{background:#2CA02C}.s-failed{background:#D62728}.s-running{background:#1F77B4}
.s-cancelled,.s-interrupted{background:#7F7F7F}
.error{background:#fdecea;border:1px solid #D62728;padding:8px 12px;white-space:pre-wrap;word-break:break-word}
.note{color:#7a5b00;background:#fff8e1;border:1px solid #f0d98c;padding:6px 10px;margin:6px 0}
.grid{display:flex;flex-wrap:wrap;gap:0 32px}.grid>div{min-width:280px;max-width:100%}
.figure{margin:8px 0 20px}footer{color:#888;font-size:12px;margin-top:32px}
"""


# ----------------------------------------------------------------------------- text
def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _clip(text: str, cap: int = MAX_CELL_CHARS) -> str:
    return text if len(text) <= cap else text[:cap - 1] + "…"


def _text(value: Any) -> str:
    """A value as display text (numbers compact, NaN as n/a, nested values as JSON), clipped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) or type(value).__module__ == "numpy":
        try:
            f = float(value)
        except (TypeError, ValueError):
            return _clip(str(value))
        if math.isnan(f):
            return "n/a"
        if not math.isfinite(f) or isinstance(value, float) or f != int(f):
            return f"{f:.6g}"
        return str(int(f))
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (dict, list, tuple)):
        try:
            return _clip(json.dumps(value, default=str, ensure_ascii=False))
        except (TypeError, ValueError):
            return _clip(str(value))
    return _clip(str(value))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) or type(value).__module__ == "numpy"


def _cell(value: Any) -> str:
    text = _text(value)
    if _is_number(value):
        return f'<td class="num">{_esc(text)}</td>'
    if "\n" in text or len(text) > 80:
        return f"<td><pre>{_esc(text)}</pre></td>"
    return f"<td>{_esc(text)}</td>"


def _kv_table(values: Mapping[str, Any], empty: str = "none") -> str:
    if not isinstance(values, Mapping) or not values:
        return f'<p class="sub">{_esc(empty)}</p>'
    rows = [f"<tr><th>{_esc(_clip(str(k), 200))}</th>{_cell(v)}</tr>" for k, v in list(values.items())[:MAX_KEYS]]
    more = len(values) - MAX_KEYS
    note = f'<p class="note">{more} more entries left out (a report lists {MAX_KEYS}).</p>' if more > 0 else ""
    return "<table>" + "".join(rows) + "</table>" + note


def _frame_table(df: "pd.DataFrame") -> str:
    cols = [str(c) for c in df.columns]
    head = "<tr>" + "".join(f"<th>{_esc(_clip(c, 200))}</th>" for c in cols) + "</tr>"
    body = []
    for row in df.head(MAX_TABLE_ROWS).itertuples(index=False, name=None):
        body.append("<tr>" + "".join(_cell(v) for v in row) + "</tr>")
    more = len(df) - MAX_TABLE_ROWS
    note = (f'<p class="note">{more:,} more rows left out (a report shows {MAX_TABLE_ROWS}); '
            "the page's CSV download has them all.</p>") if more > 0 else ""
    return "<table>" + head + "".join(body) + "</table>" + note


def _status(status: Any) -> str:
    s = str(status or "unknown")
    cls = s if s in ("done", "failed", "running", "cancelled", "interrupted") else "cancelled"
    return f'<span class="status s-{cls}">{_esc(s)}</span>'


# ----------------------------------------------------------------------------- inputs
def _mapping(value: Any, name: str) -> Mapping[str, Any]:
    if hasattr(value, "to_dict") and not isinstance(value, Mapping):
        value = value.to_dict()
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be a dict (e.g. RunRecord.to_dict()), got {type(value).__name__}")
    return value


def _named(items: Any, name: str, check) -> list[tuple[str, Any]]:
    if items is None:
        return []
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Sequence):
        raise ValueError(f"{name} must be a sequence of (name, value) pairs, got {type(items).__name__}")
    if len(items) > MAX_ITEMS:
        raise ValueError(f"{name} holds {len(items)} entries; a report takes at most {MAX_ITEMS}")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise ValueError(f"{name}[{i}] must be a (name, value) pair")
        check(item[1], f"{name}[{i}]")
        out.append((_clip(str(item[0]), 200), item[1]))
    return out


def _check_frame(value: Any, where: str) -> None:
    import pandas as pd

    if not isinstance(value, pd.DataFrame):
        raise ValueError(f"{where} must be a pandas DataFrame, got {type(value).__name__}")


def _check_figure(value: Any, where: str) -> None:
    if not callable(getattr(value, "to_html", None)) or not hasattr(value, "layout"):
        raise ValueError(f"{where} must be a plotly Figure, got {type(value).__name__}")


def _check_max_bytes(max_bytes: Any) -> int:
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or \
            not MIN_REPORT_BYTES <= max_bytes <= 4 * MAX_REPORT_BYTES:
        raise ValueError(f"max_bytes must be an integer in [{MIN_REPORT_BYTES}, {4 * MAX_REPORT_BYTES}], "
                         f"got {max_bytes!r}")
    return max_bytes


def _notes(notes: Any) -> list[str]:
    if notes is None:
        return []
    if isinstance(notes, str) or not isinstance(notes, Sequence):
        raise ValueError("notes must be a sequence of text")
    return [_clip(str(n), 500) for n in list(notes)[:MAX_ITEMS]]


# ----------------------------------------------------------------------------- the document
class _Doc:
    """Pieces of a report added under a byte budget; what does not fit becomes a note."""

    def __init__(self, title: str, subtitle: str, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.parts: list[str] = []
        self.notes: list[str] = []
        self.used = 0
        self.js = False
        self.n_figures = 0
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        self.head = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                     f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                     f"<meta name=\"generator\" content=\"tsviz\"><title>{_esc(_clip(title, 200))}</title>"
                     f"<style>{_STYLE}</style></head><body>"
                     f"<h1>{_esc(_clip(title, 200))}</h1><p class=\"sub\">{_esc(subtitle)} · report made {now} "
                     "by tsviz; it opens offline (everything it needs is inside this file).</p>")
        self.used = self._size(self.head)

    @staticmethod
    def _size(text: str) -> int:
        return len(text.encode("utf-8"))

    def fits(self, size: int) -> bool:
        return self.used + size + _RESERVE + 300 * len(self.notes) <= self.max_bytes

    def add(self, piece: str, what: str, *, required: bool = False) -> bool:
        size = self._size(piece)
        if required or self.fits(size):
            self.parts.append(piece)
            self.used += size
            return True
        self.notes.append(f"{what} left out: the report would pass its cap of {self.max_bytes / 2**20:.1f} MiB.")
        return False

    def section(self, heading: str) -> None:
        self.add(f"<h2>{_esc(heading)}</h2>", heading, required=True)

    def table(self, name: str, df: "pd.DataFrame") -> None:
        self.add(f"<h3>{_esc(name)}</h3>{_frame_table(df)}", f"Table {name!r}")

    def figure(self, name: str, fig: "go.Figure") -> None:
        height = fig.layout.height or 450
        body = fig.to_html(full_html=False, include_plotlyjs=not self.js, default_width="100%",
                           default_height=f"{int(height)}px",
                           config={"displaylogo": False, "responsive": True,
                                   "toImageButtonOptions": {"format": "png", "scale": 2}})
        if self.add(f'<div class="figure" aria-label="{_esc(name)}">{body}</div>', f"Figure {name!r}"):
            self.js = True
            self.n_figures += 1

    def render(self, notes: Sequence[str] = ()) -> str:
        tail = ""
        every = list(notes) + self.notes
        if every:
            tail += "<h2>Notes</h2>" + "".join(f'<p class="note">{_esc(n)}</p>' for n in every)
        tail += "<footer>Made by tsviz (adversarial robustness of time-series classifiers).</footer></body></html>\n"
        return self.head + "".join(self.parts) + tail


def _figures(doc: _Doc, figures: list[tuple[str, Any]]) -> None:
    if not figures:
        return
    doc.section("Figures")
    for name, fig in figures:
        doc.figure(name, fig)


def _tables(doc: _Doc, tables: list[tuple[str, Any]], heading: str = "Tables") -> None:
    if not tables:
        return
    doc.section(heading)
    for name, df in tables:
        doc.table(name, df)


def _run_summary(run: Mapping[str, Any]) -> dict[str, Any]:
    ds, md, ver = (run.get(k) if isinstance(run.get(k), Mapping) else {} for k in ("dataset", "model", "versions"))
    duration = run.get("duration_s")
    return {"Run id": run.get("id"), "Kind": run.get("kind"), "Label": run.get("label"),
            "Started (UTC)": run.get("started_at"), "Finished (UTC)": run.get("finished_at"),
            "Duration": f"{duration:.1f} s" if isinstance(duration, (int, float)) and not isinstance(duration, bool)
            else None,
            "Dataset": ds.get("name") or ds.get("spec"), "Dataset spec": ds.get("spec"),
            "Data fingerprint": ds.get("fingerprint"),
            "Model": md.get("id") or md.get("path") or md.get("name") or md.get("stem"),
            "Recorded by": run.get("source"), "Host / pid": f"{run.get('host') or '?'} / {run.get('pid') or '?'}",
            "tsviz": ver.get("tsviz")}


def _error_block(run: Mapping[str, Any]) -> str:
    err = run.get("error")
    if not err:
        return ""
    return f'<h3>Error</h3><div class="error">{_esc(_clip(str(err), 8000))}</div>'


# ----------------------------------------------------------------------------- public
def run_report_html(run: Mapping[str, Any], *, figures: Sequence[tuple[str, "go.Figure"]] = (),
                    tables: Sequence[tuple[str, "pd.DataFrame"]] = (), title: str | None = None,
                    notes: Sequence[str] = (), max_bytes: int = MAX_REPORT_BYTES) -> str:
    """A self-contained HTML report of one stored run.

    Parameters
    ----------
    run : dict
        The run as stored (``RunRecord.to_dict()``): ``id``, ``kind``, ``status``, ``label``,
        ``params``, ``seeds``, ``dataset`` (``spec``, ``name``, ``fingerprint``), ``model``,
        ``metrics``, ``artifacts``, ``versions``, ``source``, ``host``, ``pid``, ``error``,
        ``started_at``, ``finished_at``, ``duration_s``; missing keys are shown empty.
    figures : sequence of (name, plotly Figure)
        Inlined in this order, interactive; plotly.js is embedded once.
    tables : sequence of (name, pandas DataFrame)
        Shown as HTML tables (at most :data:`MAX_TABLE_ROWS` rows each).
    title : str, optional
        Default ``"<kind> run <label or id>"``.
    notes : sequence of str
        Shown at the end (e.g. why a figure is missing).
    max_bytes : int
        Cap on the report's size in bytes (default :data:`MAX_REPORT_BYTES`); tables and figures that
        would pass it are left out, each with a note.

    Returns
    -------
    str
        The HTML document (encode as UTF-8 to save it).

    Raises
    ------
    ValueError
        ``run`` not a dict; ``figures``/``tables`` not (name, Figure)/(name, DataFrame) pairs or more
        than :data:`MAX_ITEMS`; ``max_bytes`` outside ``[MIN_REPORT_BYTES, 4 * MAX_REPORT_BYTES]``.
    """
    run = _mapping(run, "run")
    figs = _named(figures, "figures", _check_figure)
    tabs = _named(tables, "tables", _check_frame)
    extra = _notes(notes)
    max_bytes = _check_max_bytes(max_bytes)
    name = run.get("label") or str(run.get("id") or "?")[:12]
    doc = _Doc(title or f"{run.get('kind') or 'tsviz'} run {name}", f"status {run.get('status') or 'unknown'}",
               max_bytes)
    doc.add(f"<p>{_status(run.get('status'))}</p>" + _kv_table(_run_summary(run)) + _error_block(run), "Summary",
            required=True)
    doc.section("Settings")
    blocks = [("Parameters", run.get("params")), ("Seeds", run.get("seeds")), ("Dataset", run.get("dataset")),
              ("Model", run.get("model"))]
    doc.add('<div class="grid">' + "".join(f"<div><h3>{t}</h3>{_kv_table(v)}</div>" for t, v in blocks) + "</div>",
            "Settings")
    doc.section("Results")
    arts = run.get("artifacts") if isinstance(run.get("artifacts"), Mapping) else {}
    doc.add('<div class="grid">' + f"<div><h3>Metrics</h3>{_kv_table(run.get('metrics'))}</div>"
            f"<div><h3>Artifacts</h3>{_kv_table(arts)}</div></div>", "Metrics")
    _tables(doc, tabs)
    _figures(doc, figs)
    doc.section("Versions")
    doc.add(_kv_table(run.get("versions")), "Versions")
    return doc.render(extra)


def comparison_report_html(runs: Sequence[Mapping[str, Any]], *, figures: Sequence[tuple[str, "go.Figure"]] = (),
                           tables: Sequence[tuple[str, "pd.DataFrame"]] = (), title: str | None = None,
                           notes: Sequence[str] = (), max_bytes: int = MAX_REPORT_BYTES) -> str:
    """A self-contained HTML report comparing several stored runs: one summary row per run (status,
    times, dataset and its fingerprint, model, versions, error), then ``tables`` (e.g. the
    parameter differences and the metrics) and ``figures`` (e.g. overlaid curves).

    Parameters are as in :func:`run_report_html`; ``runs`` is a sequence of at most
    :data:`MAX_ITEMS` run dicts (``RunRecord.to_dict()``).
    """
    import pandas as pd

    if isinstance(runs, (str, bytes, Mapping)) or not isinstance(runs, Sequence) or not runs:
        raise ValueError("runs must be a non-empty sequence of run dicts (RunRecord.to_dict())")
    if len(runs) > MAX_ITEMS:
        raise ValueError(f"runs holds {len(runs)} runs; a report takes at most {MAX_ITEMS}")
    recs = [_mapping(r, f"runs[{i}]") for i, r in enumerate(runs)]
    figs = _named(figures, "figures", _check_figure)
    tabs = _named(tables, "tables", _check_frame)
    extra = _notes(notes)
    max_bytes = _check_max_bytes(max_bytes)
    doc = _Doc(title or f"Comparison of {len(recs)} runs", f"{len(recs)} runs", max_bytes)
    rows = []
    for r in recs:
        s = _run_summary(r)
        rows.append({"run": r.get("label") or str(r.get("id") or "?")[:12], "status": r.get("status"), **s,
                     "error": r.get("error")})
    doc.section("Runs")
    doc.add(_frame_table(pd.DataFrame(rows)), "Runs", required=True)
    _tables(doc, tabs)
    _figures(doc, figs)
    return doc.render(extra)


def study_report_html(study: Mapping[str, Any], *, tables: Sequence[tuple[str, "pd.DataFrame"]] = (),
                      figures: Sequence[tuple[str, "go.Figure"]] = (), run: Mapping[str, Any] | None = None,
                      title: str | None = None, notes: Sequence[str] = (),
                      max_bytes: int = MAX_REPORT_BYTES) -> str:
    """A self-contained HTML report of a blinded perception study.

    Parameters
    ----------
    study : dict
        The study as stored (``StudyRecord.to_dict()``): ``id``, ``name``, ``seed``, ``n_items``,
        ``created_at``, ``config`` (class names, fs, unit, ...) and ``items`` (only counted here:
        clean vs adversarial).
    tables : sequence of (name, pandas DataFrame)
        E.g. the per-reviewer statistics, Table 3.1's breakdown and the agreement (kappa) of
        :class:`tsviz.review.study_stats.StudyStats`, and every answer.
    figures : sequence of (name, plotly Figure)
    run : dict, optional
        The ``study`` run that created it (``RunRecord.to_dict()``): its status, times, versions and
        data fingerprint are shown too.
    title, notes, max_bytes
        As in :func:`run_report_html`.
    """
    study = _mapping(study, "study")
    rec = _mapping(run, "run") if run is not None else None
    figs = _named(figures, "figures", _check_figure)
    tabs = _named(tables, "tables", _check_frame)
    extra = _notes(notes)
    max_bytes = _check_max_bytes(max_bytes)
    items = study.get("items") if isinstance(study.get("items"), list) else []
    kinds = [it.get("kind") for it in items if isinstance(it, Mapping)]
    doc = _Doc(title or f"Blinded perception study {study.get('name') or '?'}", "perception study", max_bytes)
    summary = {"Study": study.get("name"), "Study id": study.get("id"), "Seed (item order)": study.get("seed"),
               "Items": study.get("n_items", len(items)), "Clean items": kinds.count("clean"),
               "Adversarial items": kinds.count("adversarial"), "Created (UTC)": study.get("created_at")}
    doc.add(_kv_table(summary), "Summary", required=True)
    cfg = study.get("config") if isinstance(study.get("config"), Mapping) else {}
    doc.section("Configuration")
    doc.add(_kv_table(cfg), "Configuration")
    if rec is not None:
        doc.section("The run that created it")
        doc.add(f"<p>{_status(rec.get('status'))}</p>" + _kv_table(_run_summary(rec)) + _error_block(rec)
                + '<div class="grid">' + f"<div><h3>Parameters</h3>{_kv_table(rec.get('params'))}</div>"
                f"<div><h3>Versions</h3>{_kv_table(rec.get('versions'))}</div></div>", "Run")
    _tables(doc, tabs, "Results")
    _figures(doc, figs)
    return doc.render(extra)
