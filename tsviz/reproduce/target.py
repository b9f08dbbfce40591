"""A reproduction target (one paper's table or figure) and the result of running it."""
from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tsviz.reproduce.errors import ReproduceError
from tsviz.reproduce.verdict import Verdict, compare

__all__ = ["PaperRef", "Target", "TargetResult", "MODES", "json_safe"]

MODES = ("tiny", "quick", "full")


@dataclass(frozen=True)
class PaperRef:
    """Which paper, and where in it (``where``: ``"Table I"``, ``"Fig. 8/9"``, ``"ch. 5.5.4"``)."""

    title: str
    authors: str
    year: int
    where: str

    def cite(self) -> str:
        return f"{self.authors} ({self.year}), \u201c{self.title}\u201d, {self.where}"


def json_safe(obj: Any) -> Any:
    """``obj`` with NaN/inf floats as None, numpy scalars/arrays as Python values, tuples as lists."""
    if isinstance(obj, Mapping):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if hasattr(obj, "tolist") and callable(obj.tolist):  # numpy array / scalar, torch tensor
        return json_safe(obj.tolist())
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    return str(obj)


@dataclass
class TargetResult:
    """The measured table of one run of a target, and its verdict.

    Attributes
    ----------
    target, mode : str
        The target's key and the configuration's name (``"tiny"``, ``"quick"``, ``"full"``).
    config : dict
        The exact configuration that ran (overrides applied).
    seed : int
    measured_table : list of dict
        Rows with the target's key and value columns (extra columns allowed).
    verdict : Verdict
    seconds : float
        Wall time of the run.
    notes : list of str
        What ran, what was skipped (missing data) and why.
    figures : dict
        ``name -> plotly figure as a dict`` (``fig.to_dict()``), optional.
    extra : dict
        Anything else worth keeping (e.g. the certified-radius bound a table is read against).
    """

    target: str
    mode: str
    config: dict
    seed: int
    measured_table: list[dict]
    verdict: Verdict
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    figures: dict[str, dict] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """A JSON-safe dict (NaN and inf as None)."""
        return json_safe({
            "target": self.target, "mode": self.mode, "config": self.config, "seed": self.seed,
            "measured_table": self.measured_table, "verdict": self.verdict.to_json(),
            "seconds": self.seconds, "notes": self.notes, "figures": self.figures, "extra": self.extra,
        })

    @classmethod
    def from_json(cls, obj: Mapping) -> TargetResult:
        """The inverse of :meth:`to_json` (values that were NaN come back as None)."""
        if not isinstance(obj, Mapping) or "target" not in obj:
            raise ReproduceError("a reproduction result must be a JSON object with a 'target' field")
        return cls(target=str(obj["target"]), mode=str(obj.get("mode", "")), config=dict(obj.get("config") or {}),
                   seed=int(obj.get("seed") or 0), measured_table=[dict(r) for r in obj.get("measured_table") or []],
                   verdict=Verdict.from_json(obj.get("verdict") or {}), seconds=float(obj.get("seconds") or 0.0),
                   notes=[str(n) for n in obj.get("notes") or []], figures=dict(obj.get("figures") or {}),
                   extra=dict(obj.get("extra") or {}))


@dataclass(frozen=True)
class Target:
    """One paper's table or figure, how to measure it, and its three configurations.

    Attributes
    ----------
    key : str
        ``"augmentation-table1"``, ``"selfensemble-table3"``, ...
    title : str
    paper : PaperRef
    run : callable
        ``run(config, *, data_root, seed, progress) -> TargetResult``.
    configs : dict
        ``"tiny"`` (tests, seconds), ``"quick"`` (minutes on 2 CPU cores), ``"full"`` (the paper's).
    paper_table : tuple of dict
        The paper's numbers as rows.
    key_columns, value_columns : tuple of str
        Columns identifying a row, numeric columns compared.
    known_differences : tuple of str
        The known reasons a measurement may differ from the paper.
    needs_data : tuple of str
        Real-data folders, relative to ``data_root``, without which the target cannot run.
    description : str
    direction : tuple of (row_a, row_b, column, op)
        The paper's claims checked when values are outside tolerance (see :func:`compare`).
    abs_tol, rel_tol : float
        Tolerances of :func:`compare` for this target.
    """

    key: str
    title: str
    paper: PaperRef
    run: Callable[..., TargetResult]
    configs: dict[str, dict]
    paper_table: tuple[dict, ...]
    key_columns: tuple[str, ...]
    value_columns: tuple[str, ...]
    known_differences: tuple[str, ...]
    needs_data: tuple[str, ...] = ()
    description: str = ""
    direction: tuple[tuple, ...] = ()
    abs_tol: float = 0.02
    rel_tol: float = 0.1

    def config(self, mode: str, overrides: Mapping | None = None) -> dict:
        """A deep copy of configuration ``mode`` with ``overrides`` applied (known keys only)."""
        if mode not in self.configs:
            raise ReproduceError(f"mode must be one of {sorted(self.configs)} for target {self.key!r}, got {mode!r}")
        cfg = copy.deepcopy(self.configs[mode])
        for k, v in (overrides or {}).items():
            if k not in cfg:
                raise ReproduceError(f"override {k!r} is not a setting of {self.key!r} (settings: {sorted(cfg)})")
            cfg[k] = v
        return cfg

    def verdict(self, measured_table: list[dict]) -> Verdict:
        """Compare ``measured_table`` with the paper's table (this target's tolerances and claims)."""
        return compare(self.paper_table, measured_table, key_columns=self.key_columns,
                       value_columns=self.value_columns, abs_tol=self.abs_tol, rel_tol=self.rel_tol,
                       direction=list(self.direction) or None)

    def result(self, config: dict, measured_table: list[dict], *, seed: int, mode: str = "",
               notes: list[str] | None = None, figures: dict | None = None, extra: dict | None = None,
               seconds: float = 0.0) -> TargetResult:
        """A :class:`TargetResult` for this target, its verdict computed from ``measured_table``."""
        return TargetResult(target=self.key, mode=mode, config=dict(config), seed=int(seed),
                            measured_table=[dict(r) for r in measured_table], verdict=self.verdict(measured_table),
                            seconds=float(seconds), notes=list(notes or []), figures=dict(figures or {}),
                            extra=dict(extra or {}))

    def summary(self) -> dict:
        """A JSON-safe description (no run function, no paper table)."""
        return {"key": self.key, "title": self.title, "paper": self.paper.cite(),
                "modes": [m for m in MODES if m in self.configs],
                "needs_data": list(self.needs_data), "key_columns": list(self.key_columns),
                "value_columns": list(self.value_columns), "description": self.description}
