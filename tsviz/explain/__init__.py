"""Explanations: NeuroMask (dissertation ch. 5), Captum attributions, faithfulness, backdoor demo.

The explanation family's contract
---------------------------------
Call shape
    ``attribute(model, x, method, *, target=None, baseline="zero", ..., generator=None, seed=None,
    progress=None) -> Tensor (n, C, T)`` (float32, detached, on ``x``'s device) for every method in
    :data:`ATTRIBUTIONS`; ``neuromask(model, x, *, target=None, steps, ..., generator=None,
    seed=None, progress=None) -> MaskResult`` (mask ``(n, T)`` in ``[0, 1]``). ``target`` is None
    (the model's prediction), one int or ``n`` ints in ``[0, K)``; floats are refused, never
    truncated. :func:`explain_methods` runs several and scores them with the deletion/insertion
    curves of :func:`deletion_insertion`.
Registration
    Each Captum-based method is its own module in :mod:`tsviz.explain.methods`, described by an
    :class:`~tsviz.explain.methods.AttributionMethod` and registered in one place,
    :data:`ATTRIBUTIONS` (name -> method); ``attribute`` dispatches by name. NeuroMask is its own
    module (:mod:`tsviz.explain.neuromask`). :data:`METHODS` lists the names
    :func:`explain_methods` accepts (``"neuromask"`` and every attribution).
Randomness
    Stochastic entry points (SmoothGrad through ``attribute``, NeuroMask's initial weights,
    :func:`explain_methods`, :func:`backdoor_demo`) take keyword-only ``generator`` and ``seed``,
    resolved by :func:`tsviz.core.resolve_generator` (:func:`tsviz.explain.inputs.explain_generator`):
    the generator as given, else a fresh one seeded ``seed`` (0 when None); both given is an
    :class:`ExplainError`. Same seed, same result; the global RNG is never touched.
Device
    The model's device (:func:`tsviz.core.model_device`); ``attribute`` returns on ``x``'s device,
    the dataclass results hold numpy arrays.
Progress
    Every long entry point takes ``progress: Callable[[float, str], None] | None``, called with a
    fraction in ``[0, 1]`` and a message, ending at 1.0.
Errors
    Every error for bad input is an :class:`ExplainError` (a :class:`tsviz.core.TsvizError`, a
    ``ValueError``) naming the parameter, including a call over :func:`tsviz.core.max_cost`.
Results
    Frozen dataclasses of numpy arrays with a ``summary()`` dict: :class:`MaskResult`,
    :class:`FaithfulnessResult`, :class:`ExplainComparison`, :class:`BackdoorDemo`;
    ``attribute`` returns the tensor of the DESIGN contract.
Cost
    Every entry point states its cost in model evaluations before it runs: :func:`attribution_cost`
    (and each method's ``*_cost``), NeuroMask ``series x steps``, :func:`method_costs` and
    :func:`comparison_cost` for :func:`explain_methods` (the factors held to
    :func:`tsviz.core.max_cost`).
Caps
    :data:`CAPS` (parameter -> largest value, :mod:`tsviz.explain.caps`) is the one place the
    library, the CLI and the app read their limits from.
Model state
    Models are left exactly as found (:func:`tsviz.core.guard_model`).

Heavy imports (captum, pandas) happen inside the functions that need them.
"""
from tsviz.explain.attribution import ATTRIBUTION_METHODS, attribute, attribution_cost
from tsviz.explain.backdoor import BackdoorDemo, backdoor_demo, mask_mass_in_window, trigger_from_card
from tsviz.explain.baselines import BASELINES, make_baseline
from tsviz.explain.caps import CAPS, MAX_NEUROMASK_SAMPLES, MAX_NEUROMASK_STEPS
from tsviz.explain.compare import METHODS, ExplainComparison, comparison_cost, explain_methods, method_costs
from tsviz.explain.errors import ExplainError
from tsviz.explain.faithfulness import FaithfulnessResult, compare_faithfulness, deletion_insertion
from tsviz.explain.methods import ATTRIBUTIONS, AttributionMethod
from tsviz.explain.neuromask import NEUROMASK_DEFAULTS, MaskResult, neuromask
from tsviz.explain.relevance import relevance_per_step

__all__ = ["ExplainError", "neuromask", "MaskResult", "NEUROMASK_DEFAULTS", "MAX_NEUROMASK_STEPS",
           "MAX_NEUROMASK_SAMPLES", "CAPS", "attribute", "attribution_cost", "relevance_per_step",
           "ATTRIBUTION_METHODS", "ATTRIBUTIONS", "AttributionMethod", "METHODS", "BASELINES", "make_baseline",
           "deletion_insertion", "compare_faithfulness", "FaithfulnessResult",
           "explain_methods", "ExplainComparison", "method_costs", "comparison_cost",
           "backdoor_demo", "BackdoorDemo", "mask_mass_in_window",
           "trigger_from_card"]
