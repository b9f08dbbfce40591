"""The only streamlit code inside tsviz: shared sidebar, cached wrappers, progress, errors, downloads.

Pages stay thin: widgets -> a cached call from :mod:`tsviz.ui.cache` -> figures from
:mod:`tsviz.viz` shown with :func:`tsviz.ui.downloads.show_figure`.
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
