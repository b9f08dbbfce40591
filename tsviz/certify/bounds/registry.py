"""The registry of certification bounds: name -> bound function (the contract is in
:mod:`tsviz.certify.bounds.base`).

:data:`BOUNDS` is filled here, explicitly, with the bounds tsviz ships; :func:`register_bound`
adds one at run time (a notebook, a plug-in) and :func:`get_bound` is how
:meth:`tsviz.certify.Smoothed.certify` picks one by name, so a new bound never means editing
``Smoothed.certify``.
"""
from __future__ import annotations

from collections.abc import Callable

from tsviz.certify.bounds.base import BoundFunction
from tsviz.certify.bounds.cohen import cohen_bound
from tsviz.certify.bounds.renyi import renyi_bound
from tsviz.certify.errors import CertifyError

__all__ = ["BOUNDS", "register_bound", "get_bound"]

#: Bound name -> bound function ``(counts, top, *, alpha, sigma) -> BoundResult``.
BOUNDS: dict[str, BoundFunction] = {
    "cohen": cohen_bound,  # Cohen et al., ICML 2019
    "renyi": renyi_bound,  # Li et al., NeurIPS 2019; Theorem 4.1 of the self-ensemble paper
}


def register_bound(name: str, fn: BoundFunction | None = None, *, replace: bool = False):
    """Register ``fn`` as the bound called ``name``; usable as a decorator (``@register_bound("x")``).

    Parameters
    ----------
    name : str
        Lower-case name, as given to ``Smoothed.certify(bound=name)``.
    fn : callable ``(counts, top, *, alpha, sigma) -> BoundResult``
        The bound (see :mod:`tsviz.certify.bounds.base`); it must pass
        ``tests/contracts/test_bound_contract.py``.
    replace : bool
        Allow replacing a registered bound of the same name.

    Returns
    -------
    ``fn`` (or, without ``fn``, a decorator that registers and returns its argument).

    Raises
    ------
    CertifyError
        ``name`` is not a non-empty identifier-like string, ``fn`` is not callable, or ``name`` is taken
        and ``replace`` is False.
    """
    if not isinstance(name, str) or not name or not name.replace("_", "").replace("-", "").isalnum() \
            or name != name.lower():
        raise CertifyError(f"a bound name must be a lower-case word (letters, digits, '-', '_'), got {name!r}")

    def add(f: BoundFunction) -> BoundFunction:
        if not callable(f):
            raise CertifyError(f"bound {name!r} must be a callable, got {type(f).__name__}")
        if name in BOUNDS and not replace and BOUNDS[name] is not f:
            raise CertifyError(f"a bound called {name!r} is already registered; pass replace=True to replace it")
        BOUNDS[name] = f
        return f

    return add if fn is None else add(fn)


def get_bound(name: str) -> Callable[..., object]:
    """The bound registered as ``name``; :class:`CertifyError` listing the names for an unknown one."""
    if not isinstance(name, str) or name not in BOUNDS:
        raise CertifyError(f"bound must be one of {', '.join(repr(b) for b in BOUNDS)}, got {name!r}")
    return BOUNDS[name]
