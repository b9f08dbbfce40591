"""Explanations: NeuroMask (dissertation ch. 5), Captum baselines, faithfulness, backdoor demo.

Heavy imports (captum, pandas) happen inside the functions that need them.
"""
from tsviz.explain.attribution import ATTRIBUTION_METHODS, attribute, relevance_per_step
from tsviz.explain.backdoor import BackdoorDemo, backdoor_demo, mask_mass_in_window, trigger_from_card
from tsviz.explain.compare import METHODS, ExplainComparison, explain_methods
from tsviz.explain.baselines import BASELINES, make_baseline
from tsviz.explain.errors import ExplainError
from tsviz.explain.faithfulness import FaithfulnessResult, compare_faithfulness, deletion_insertion
from tsviz.explain.neuromask import (MAX_NEUROMASK_SAMPLES, MAX_NEUROMASK_STEPS, NEUROMASK_DEFAULTS, MaskResult,
                                     neuromask)

__all__ = ["ExplainError", "neuromask", "MaskResult", "NEUROMASK_DEFAULTS", "MAX_NEUROMASK_STEPS", "MAX_NEUROMASK_SAMPLES",
           "attribute", "relevance_per_step", "ATTRIBUTION_METHODS", "METHODS", "BASELINES", "make_baseline",
           "deletion_insertion", "compare_faithfulness", "FaithfulnessResult",
           "explain_methods", "ExplainComparison", "backdoor_demo", "BackdoorDemo", "mask_mass_in_window", "trigger_from_card"]
