"""Named settings ("presets") of a method: one rule for every family.

A method with a paper setting that differs from tsviz's default takes ``preset: str | None = None``
(``"paper"``: the paper's setting). :func:`with_presets` decorates the function (or ``__init__``)
and fills the preset's values into every argument the caller did **not** pass; an argument the
caller did pass must agree with the preset, else the family's error names both values (so
``preset="paper"`` never silently means something else than the paper). ``preset=None`` changes
nothing. Run lengths and budgets (steps, epochs, queries, ``eps``) stay the caller's: a preset
fixes how the method works, not how long it runs.

:func:`matching_preset` tells, for a set of values, which preset they are (the pages use it to say
which setting is in use).

A preset is a mapping ``name -> values`` where ``values`` is a dict ``parameter -> value`` or a
callable ``(arguments) -> dict`` (``arguments``: every argument of the call, defaults applied, the
``**kwargs`` ones flattened in), for a preset whose values depend on another argument (the
augmentation's magnitude depends on which augmentation is used).
"""
from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Mapping
from typing import Any

from tsviz.core.errors import TsvizError

__all__ = ["with_presets", "preset_values", "matching_preset", "Presets"]

#: ``name -> values``: a dict of parameter values, or a callable of the call's arguments giving one.
Presets = Mapping[str, "Mapping[str, Any] | Callable[[dict[str, Any]], Mapping[str, Any]]"]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b or (type(a) is type(b) and a == b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0)
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - arrays, tensors: not comparable as one truth value
        return a is b


def preset_values(name: Any, presets: Presets, arguments: Mapping[str, Any] | None = None, *,
                  what: str = "preset", error: type[TsvizError] = TsvizError) -> dict[str, Any]:
    """The values of preset ``name``.

    Parameters
    ----------
    name : str
        A key of ``presets``.
    presets : mapping
        ``name -> dict`` or ``name -> callable(arguments) -> dict``.
    arguments : mapping, optional
        The call's arguments (for a callable preset).
    what : str
        The parameter's name in messages (``"preset"``).
    error : type
        The family's error class.

    Raises
    ------
    error
        ``name`` is not one of the presets (the message lists them).
    """
    if not isinstance(name, str) or name not in presets:
        raise error(f"{what} must be None or one of {', '.join(repr(k) for k in presets)}; got {name!r}")
    values = presets[name]
    return dict(values(dict(arguments or {})) if callable(values) else values)


def with_presets(presets: Presets, *, error: type[TsvizError], source: Mapping[str, str] | None = None,
                 param: str = "preset") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: resolve the ``preset`` argument of a function or ``__init__`` (module docstring).

    Parameters
    ----------
    presets : mapping
        ``name -> values`` (see :data:`Presets`).
    error : type
        The family's error class, raised for an unknown preset or an argument that contradicts it.
    source : mapping, optional
        ``name -> where the values come from`` (paper, section), quoted in the messages.
    param : str
        The name of the preset argument (default ``"preset"``).

    Returns
    -------
    callable
        The decorator; the decorated function keeps its signature (``inspect.signature`` follows
        ``__wrapped__``) and receives the preset's values as keyword arguments.
    """
    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(fn)
        if param not in sig.parameters:
            raise TypeError(f"{fn.__qualname__} has no parameter {param!r}")
        var_kw = next((p.name for p in sig.parameters.values() if p.kind is p.VAR_KEYWORD), None)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                bound = sig.bind(*args, **kwargs)
            except TypeError:
                return fn(*args, **kwargs)  # let the function raise its own TypeError
            given: dict[str, Any] = {}
            for key, value in bound.arguments.items():
                if key == var_kw:
                    given.update(value)
                else:
                    given[key] = value
            name = given.get(param)
            if name is None:
                return fn(*args, **kwargs)
            bound.apply_defaults()
            full = {k: v for k, v in bound.arguments.items() if k != var_kw}
            full.update(bound.arguments.get(var_kw, {}) if var_kw else {})
            values = preset_values(name, presets, full, what=param, error=error)
            where = f" ({source[name]})" if source and name in source else ""
            for key, value in values.items():
                if key in given and not _same(given[key], value):
                    raise error(f"{param}={name!r} sets {key}={value!r}{where}; got {key}={given[key]!r}: drop "
                                f"{key} or the preset")
                if key not in sig.parameters and var_kw is None:
                    raise TypeError(f"preset {name!r} sets {key!r}, which {fn.__qualname__} does not take")
            extra = {k: v for k, v in values.items() if k not in given}
            return fn(*args, **kwargs, **extra)

        return wrapper

    return decorate


def matching_preset(values: Mapping[str, Any], presets: Presets, arguments: Mapping[str, Any] | None = None
                    ) -> str | None:
    """The first preset whose every value equals the one in ``values`` (a missing key does not
    match), else ``None``: which named setting ``values`` are.

    Parameters
    ----------
    values : mapping
        Parameter values in use (e.g. a page's widget values).
    presets : mapping
        ``name -> values`` (see :data:`Presets`); a callable preset gets ``arguments`` (default
        ``values``).
    arguments : mapping, optional
        The call's arguments for callable presets.
    """
    for name, spec in presets.items():
        want = spec(dict(arguments if arguments is not None else values)) if callable(spec) else spec
        if all(k in values and _same(values[k], v) for k, v in want.items()):
            return name
    return None
