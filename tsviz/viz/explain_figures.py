"""Figures of the Explain page, gathered from their subject modules (import from here or from
:mod:`tsviz.viz`; every name keeps working):

- :mod:`tsviz.viz.relevance_figures` -- relevance over a series, clean vs adversarial relevance,
  :func:`relevance_from_attribution` (signed Captum attributions ``(C, T)`` -> relevance ``(T,)``);
- :mod:`tsviz.viz.method_figures` -- one series explained by several methods;
- :mod:`tsviz.viz.neuromask_figures` -- NeuroMask's mask evolving over its optimisation
  (dissertation ch. 5, Fig. 5.4) and its loss components;
- :mod:`tsviz.viz.faithfulness_figures` -- deletion/insertion curves and AUCs (Petsiuk, Das &
  Saenko 2018, "RISE");
- :mod:`tsviz.viz.backdoor_figures` -- the backdoor-trigger demo;
- :mod:`tsviz.viz.relevance_panels` -- the shared drawing pieces and colours.

Pure functions from plain numpy arrays, pandas DataFrames and dicts (no :mod:`tsviz.explain`
import) to a :class:`plotly.graph_objects.Figure`; plotly is imported inside each function.
"""
from __future__ import annotations

from tsviz.viz.backdoor_figures import MASS_COLORS, TRIGGER_COLOR, trigger_mass_figure, trigger_overlay_figure
from tsviz.viz.faithfulness_figures import (
    BANDS,
    FAITHFULNESS_COLORS,
    KINDS,
    faithfulness_auc_figure,
    faithfulness_figure,
)
from tsviz.viz.method_figures import method_grid_figure
from tsviz.viz.neuromask_figures import LOSS_COLORS, MAX_SNAPSHOTS, loss_history_figure, mask_evolution_figure
from tsviz.viz.relevance_figures import relevance_figure, relevance_from_attribution, relevance_pair_figure
from tsviz.viz.relevance_panels import (
    HIGHLIGHT_COLOR,
    MAX_BAND_CELLS,
    MAX_MARKERS,
    METHOD_COLORS,
    RELEVANCE_COLORSCALE,
    SIGNAL_COLOR,
    STYLES,
)

__all__ = [
    "relevance_figure", "relevance_pair_figure", "method_grid_figure", "mask_evolution_figure",
    "loss_history_figure", "faithfulness_figure", "faithfulness_auc_figure",
    "trigger_mass_figure", "trigger_overlay_figure", "relevance_from_attribution",
    "RELEVANCE_COLORSCALE", "METHOD_COLORS", "SIGNAL_COLOR", "HIGHLIGHT_COLOR", "TRIGGER_COLOR",
    "LOSS_COLORS", "FAITHFULNESS_COLORS", "MASS_COLORS", "STYLES", "KINDS", "BANDS",
    "MAX_BAND_CELLS", "MAX_MARKERS", "MAX_SNAPSHOTS",
]
