"""Plotly figures built from tsviz results: pure functions, no computation, no streamlit.

The family contract for *figures* (CONTRIBUTING.md, "Adding a figure", says how to add one):

Call shape
    ``<subject>_figure(result_or_arrays, *, labels/units..., title=None) -> plotly.graph_objects.Figure``:
    a pure function of a result dataclass (``AttackReport``, ``CertResult``, ``ClassPSD`` ...) or
    of plain numpy arrays, DataFrames and dicts. It draws; it computes nothing a result does not
    already hold (no model call, no attack, no statistics beyond a mean or a display
    normalisation), and never mutates its inputs.
Labels
    Every axis has a title with its unit (``"Time (s)"``, ``"Amplitude (mV)"``,
    ``"PSD (mV^2/Hz)"``, ``"Probability (0–1)"``); traces have names a reader understands (the
    legend), so tests find them by name (``tests/helpers.trace_by_name``), never by position.
    Layout through :func:`tsviz.viz.style.apply_layout` (template, title, margins, ``uirevision``
    so zoom survives a Streamlit rerun); class colours through :func:`class_colors`.
Imports
    plotly (and pandas where a figure reads a DataFrame) is imported inside each function, so
    ``import tsviz.viz`` stays light; figures never import a capability family (import-linter's
    "viz imports no capability" contract), only result types under ``TYPE_CHECKING``.
Errors
    ``ValueError`` naming the parameter for inputs of the wrong shape, non-finite values or
    unknown options (checks in :mod:`tsviz.viz.checks`).
Size
    Long series are decimated for drawing (:func:`tsviz.viz.style.decimate_minmax`, at most
    :data:`tsviz.viz.style.MAX_POINTS_PER_TRACE` points per trace), never the data behind them.

Modules by subject: data and model figures, attack, certification, augmentation, ECG paper (the Review
page, :mod:`tsviz.viz.ecg_paper`); the Explain page's
figures are split into relevance, method comparison, NeuroMask, faithfulness and backdoor modules
(all re-exported by :mod:`tsviz.viz.explain_figures`). Downloads through :mod:`tsviz.viz.export`.
"""
from tsviz.viz.attack_figures import (
    adversarial_confusion_figure,
    fitness_figure,
    latent_shift_figure,
    overlay_figure,
    perturbation_size_figure,
    probabilities_figure,
    spectra_figure,
    sweep_figure,
    sweep_figures,
)
from tsviz.viz.augment_figures import (
    accuracy_eps_figure,
    augmented_examples_figure,
    derivative_figure,
    latent_pca_grid_figure,
    robustness_table_figure,
    training_compare_figure,
)
from tsviz.viz.certify_figures import (
    ablation_figure,
    accuracy_radius_figure,
    attack_success_figure,
    certified_signal_figure,
    margin_figure,
    pa_histogram_figure,
    radius_pa_figure,
    soundness_figure,
)
from tsviz.viz.data_figures import (
    class_balance_figure,
    class_profile_figure,
    pca_figure,
    psd_figure,
    samples_figure,
)
from tsviz.viz.ecg_paper import ecg_paper_figure
from tsviz.viz.explain_figures import (
    faithfulness_auc_figure,
    faithfulness_figure,
    loss_history_figure,
    mask_evolution_figure,
    method_grid_figure,
    relevance_figure,
    relevance_from_attribution,
    relevance_pair_figure,
    trigger_mass_figure,
    trigger_overlay_figure,
)
from tsviz.viz.export import figure_html, figure_png, frame_csv, png_export_available
from tsviz.viz.model_figures import (
    confusion_matrix_figure,
    entropy_figure,
    latent_figure,
    per_class_metrics_figure,
    training_curves_figure,
)
from tsviz.viz.runs_figures import curves_overlay_figure, metrics_bar_figure
from tsviz.viz.style import apply_layout, class_color, class_colors

__all__ = [
    "curves_overlay_figure", "metrics_bar_figure",
    "samples_figure", "class_balance_figure", "class_profile_figure", "psd_figure", "pca_figure",
    "confusion_matrix_figure", "latent_figure", "entropy_figure", "training_curves_figure",
    "per_class_metrics_figure",
    "figure_html", "figure_png", "frame_csv", "png_export_available",
    "apply_layout", "class_color", "class_colors",
    "overlay_figure", "probabilities_figure", "spectra_figure", "latent_shift_figure",
    "sweep_figure", "sweep_figures", "adversarial_confusion_figure", "fitness_figure",
    "perturbation_size_figure",
    "accuracy_radius_figure", "radius_pa_figure", "certified_signal_figure", "pa_histogram_figure",
    "margin_figure", "ablation_figure", "attack_success_figure", "soundness_figure",
    "relevance_figure", "relevance_pair_figure", "method_grid_figure", "mask_evolution_figure",
    "loss_history_figure", "faithfulness_figure", "faithfulness_auc_figure", "trigger_mass_figure",
    "trigger_overlay_figure", "relevance_from_attribution",
    "derivative_figure", "augmented_examples_figure", "robustness_table_figure", "accuracy_eps_figure",
    "latent_pca_grid_figure", "training_compare_figure",
    "ecg_paper_figure",
]
