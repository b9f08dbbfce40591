"""The attribution methods of :func:`tsviz.explain.attribute`, one module each, registered here.

:data:`ATTRIBUTIONS` maps a method's name to its :class:`~tsviz.explain.methods.base.AttributionMethod`
(contract in :mod:`tsviz.explain.methods.base`). It is the one place methods are registered: adding a
method means a new module in this package and one line below. Captum is imported inside each
method's function, never at import.
"""
from tsviz.explain.methods.base import AttributionMethod, AttributionSettings, Chunks, chunks
from tsviz.explain.methods.feature_ablation import FEATURE_ABLATION
from tsviz.explain.methods.integrated_gradients import INTEGRATED_GRADIENTS
from tsviz.explain.methods.occlusion import OCCLUSION
from tsviz.explain.methods.saliency import SALIENCY
from tsviz.explain.methods.smoothgrad import SMOOTHGRAD, SMOOTHGRAD_NOISE_LEVEL

#: Method name -> AttributionMethod, in the order the app and the CLI list them.
ATTRIBUTIONS: dict[str, AttributionMethod] = {
    m.name: m for m in (SALIENCY, INTEGRATED_GRADIENTS, SMOOTHGRAD, OCCLUSION, FEATURE_ABLATION)
}

__all__ = ["ATTRIBUTIONS", "AttributionMethod", "AttributionSettings", "Chunks", "chunks", "SMOOTHGRAD_NOISE_LEVEL"]
