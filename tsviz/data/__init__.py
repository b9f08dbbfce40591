"""Datasets: the :class:`Dataset` type, ``load(spec)``, generators and file loaders.

Data layout everywhere: ``(n_cases, n_channels, n_timepoints)`` float32 in the dataset's physical
units (mV for ECG); labels int64 in ``[0, K)`` with ``class_names``.

The family contract (every generator and loader follows it; CONTRIBUTING.md, "Adding a dataset"
says how to add one, ``tests/contracts/test_loader_contract.py`` checks it):

Call shape
    A *generator* is ``name(**options) -> Dataset``; a *file loader* is
    ``load_x(path, **options) -> Dataset``. Users reach both through one entry point,
    ``load(spec, **options)``: ``spec`` is a generator name (``"synthetic-ecg"``, ``"cbf"``,
    ``"synthetic-control"``) or ``"<kind>:<path>"`` (``ucr``, ``mitbih-csv``, ``wfdb``, ``npz``,
    ``csv``); ``load`` stores the spec in ``meta['spec']``.
Result
    A frozen :class:`Dataset`: ``X_train``/``X_test`` float32 ``(n, C, T)``, ``y_train``/``y_test``
    int64 in ``[0, K)``, ``class_names`` (``K`` distinct names), ``fs`` (Hz, finite ``> 0``, or
    ``None``), ``unit``, ``meta`` (provenance); arrays read-only; ``summary()`` and
    ``fingerprint()`` (same data -> same fingerprint). A loader that finds no test set makes one
    by a seeded stratified split and says so in ``meta['split']``.
Randomness
    numpy only: a generator or a splitting loader takes ``seed: int`` (``>= 0``) and draws from
    ``np.random.default_rng`` / ``SeedSequence(seed)``; same seed -> bit-identical arrays. The
    global RNG is never touched.
Device
    None: datasets are numpy arrays on the host; models move batches to their own device.
Errors
    :class:`DataError` (a :class:`tsviz.core.TsvizError`, hence a ``ValueError``) for every bad
    option, path or file content, naming file, row, column or parameter and never quoting file
    content. Scalar options go through :func:`tsviz.data.validation.float_param` /
    ``int_param`` (:mod:`tsviz.core.validation` with ``error=DataError``); files through
    :func:`~tsviz.data.validation.check_file` (regular files only, ``max_mb``); arrays through
    :func:`~tsviz.data.validation.check_series` / ``check_labels`` (via :class:`Dataset`).
Caps
    :data:`CAPS` (name -> largest value): series, time steps, channels, values per array, line
    length, the default ``max_mb``, selection size, embedding points and generator sizes. The app
    and the CLI read them from here.
Registration
    In one place, :mod:`tsviz.data.registry`: :data:`BUILTIN_DATASETS` (generator name ->
    ``(module, function)``) and :data:`FILE_SPECS` (spec prefix -> ``(module, function)``),
    imported lazily by ``load`` (no import side effects).
Progress
    Loaders and generators take no ``progress`` callback: their work is bounded by the caps above
    (a capped file is parsed in seconds) and they report nothing else while running.
"""
from tsviz.data.caps import CAPS
from tsviz.data.dataset import Dataset, stratified_split
from tsviz.data.errors import DataError
from tsviz.data.registry import BUILTIN_DATASETS, FILE_SPECS, load
from tsviz.data.selection import MAX_SELECTED, SELECTION_MODES, select_samples

__all__ = ["Dataset", "DataError", "load", "stratified_split", "BUILTIN_DATASETS", "FILE_SPECS", "select_samples",
           "SELECTION_MODES", "MAX_SELECTED", "CAPS"]
