"""The only streamlit code inside tsviz: sidebar, cached wrappers, panels, progress, errors, downloads.

Pages stay thin: widgets -> one cached library call -> figures (CONTRIBUTING.md, "Adding a page").

* Every page: :mod:`~tsviz.ui.page` (sidebar, notices, title; a row of metrics),
  :mod:`~tsviz.ui.sidebar`, :mod:`~tsviz.ui.state` (session keys, app-only caps),
  :mod:`~tsviz.ui.caps` (widget caps read from the families' ``CAPS``),
  :mod:`~tsviz.ui.errors` (``st.error``, never a traceback), :mod:`~tsviz.ui.progress`,
  :mod:`~tsviz.ui.downloads` (figures and tables with downloads), :mod:`~tsviz.ui.workspace`.
* Cached computations: :mod:`~tsviz.ui.cache` (datasets, models, dataset statistics, model report)
  and one module per capability page, each keyed by a hashable request: :mod:`~tsviz.ui.attack_run`,
  :mod:`~tsviz.ui.certify_run`, :mod:`~tsviz.ui.explain_run`, :mod:`~tsviz.ui.augment_run`.
* Panels (workflow pieces): :mod:`~tsviz.ui.training_panel` (train -> save -> select),
  :mod:`~tsviz.ui.export_panel` (NPZ/CSV/JSON downloads through :mod:`tsviz.data.export`), the
  setup forms (:mod:`~tsviz.ui.attack_form`, :mod:`~tsviz.ui.certify_form`,
  :mod:`~tsviz.ui.explain_form`) and results panels (:mod:`~tsviz.ui.certify_panels`,
  :mod:`~tsviz.ui.explain_panels`, :mod:`~tsviz.ui.augment_panels`).
"""

# Import once, with plain import statements, what plotly otherwise loads on first use. Several
# sessions run their first script at once in the server's threads, and plotly finds pandas through
# ``sys.modules.get``, where another thread's half-finished import can sit (AttributeError:
# partially initialized module 'pandas' has no attribute 'Series'; seen in tests/app/test_load.py).
# An import statement waits for a running import to finish. Every page imports tsviz.ui first.
import pandas  # noqa: E402, F401
import plotly.graph_objects  # noqa: E402, F401
import plotly.io as _pio  # noqa: E402

_pio.templates[_pio.templates.default]  # the default template is built lazily, on first access
