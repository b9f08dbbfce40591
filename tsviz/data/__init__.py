"""Datasets: the :class:`Dataset` type, ``load(spec)``, generators and file loaders.

Data layout everywhere: ``(n_cases, n_channels, n_timepoints)`` float32 in the dataset's physical
units (mV for ECG); labels int64 in ``[0, K)`` with ``class_names``.
"""
from tsviz.data.dataset import Dataset, stratified_split
from tsviz.data.errors import DataError
from tsviz.data.registry import BUILTIN_DATASETS, FILE_SPECS, load
from tsviz.data.selection import MAX_SELECTED, SELECTION_MODES, select_samples

__all__ = ["Dataset", "DataError", "load", "stratified_split", "BUILTIN_DATASETS", "FILE_SPECS", "select_samples",
           "SELECTION_MODES", "MAX_SELECTED"]
