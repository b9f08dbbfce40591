"""Blinded perception studies: which items a study shows, in which order each reviewer sees them.

A study asks human reviewers (clinicians) to label ECG series and to say whether each one was
manipulated, without telling them which series are clean and which are adversarial. It follows
the human study of Alzantot (2019), *Secure and Private Machine Learning for Smart Devices*
(PhD dissertation, UCLA), chapter 3, section 3.5.2 and Table 3.1: participants labelled adversarial
examples without being told their source or target labels, and the answers were broken down into
"labelled as source", "labelled as target" and "labelled as other". tsviz adds clean items to the
mix (so that a "was this manipulated?" question has a false-alarm rate to compare with) and the
question itself.

This module is pure logic (numpy, hashlib); the statistics are in :mod:`tsviz.review.study_stats`,
the persistence in the run store (:mod:`tsviz.runs`, ``create_study`` / ``save_answer``), the
screens in :mod:`tsviz.ui.study_panels`.

* :func:`build_study` — choose ``n_items`` items from an attack's clean and adversarial series and
  shuffle them with ``np.random.default_rng(seed)``; returns the item records (kept for the
  statistics, never shown) and the signals ``(n_items, C, T)`` float32.
* :func:`reviewer_order` — a fixed order of the items per reviewer (a stable hash of the study's
  seed and the reviewer's name, never Python's salted ``hash()``).
* :func:`next_item` — where a reviewer resumes: the first item of their order not yet answered.
* :func:`blind_view` — everything a reviewer's screen may use about an item: its number, the
  total and its signal. Nothing else (kind, labels, series index, run) reaches the screen.
* :func:`clean_text`, :func:`check_name`, :func:`check_comment`, :func:`match_reviewer` — input
  caps and sanitising of names and comments.

Blinding
--------
Clean and adversarial items are stored the same way (float32, same shape), drawn the same way,
and shuffled together. By default a source series appears at most once in a study (either clean
or attacked, ``allow_pairs=False``), so a reviewer never sees the two versions of one beat and
cannot find the perturbation by comparing them.
"""
from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from tsviz.core.validation import check_bool, check_int, check_probability, check_seed
from tsviz.review.errors import ReviewError

__all__ = ["StudyError", "KINDS", "MANIPULATED", "ITEM_FIELDS", "MAX_ITEMS", "MAX_NAME", "MAX_COMMENT",
           "MAX_SOURCE_SERIES", "build_study", "reviewer_order", "next_item", "blind_view", "clean_text",
           "check_name", "check_comment", "match_reviewer", "attack_succeeded"]

#: Item kinds.
KINDS = ("clean", "adversarial")
#: Answers to "Was this signal manipulated?".
MANIPULATED = ("yes", "no", "unsure")
#: The fields of every item record (the run store's ``study_items``); only the statistics read them.
ITEM_FIELDS = ("kind", "true_label", "source_label", "target_label", "model_label", "run_id", "series_index")
#: Most items in one study (a reviewer answers every one of them).
MAX_ITEMS = 200
#: Longest study or reviewer name, in characters (after sanitising).
MAX_NAME = 80
#: Longest comment, in characters (after sanitising).
MAX_COMMENT = 2000
#: Most source series :func:`build_study` accepts (an attack run's size is capped far below).
MAX_SOURCE_SERIES = 1_000_000
#: Largest magnitude of a signal value (float32's range, with room for the figure's arithmetic).
_MAX_ABS = 1e30


class StudyError(ReviewError):
    """Bad input for a perception study (names, item counts, answers, arrays); a
    :class:`tsviz.review.errors.ReviewError`."""


# --------------------------------------------------------------------------- text


def clean_text(text: Any, *, name: str, max_chars: int, multiline: bool = False) -> str:
    """``text`` sanitised: Unicode NFKC, control and format characters removed (newlines and tabs
    kept when ``multiline``, as spaces otherwise), runs of spaces collapsed, ends stripped.

    Parameters
    ----------
    text : str
        What the user typed.
    name : str
        The field's name for messages ("reviewer name").
    max_chars : int
        Most characters after sanitising.
    multiline : bool
        Keep line breaks (comments) instead of folding everything into one line (names).

    Raises
    ------
    StudyError
        ``text`` is not a string or is longer than ``max_chars`` after sanitising.
    """
    if not isinstance(text, str):
        raise StudyError(f"{name} must be text, got {type(text).__name__}")
    if len(text) > 4 * max_chars + 64:  # refuse absurd input before normalising it
        raise StudyError(f"{name} is too long ({len(text)} characters; at most {max_chars})")
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for ch in text:
        if ch == "\n" and multiline:
            out.append("\n")
        elif ch in "\t\n":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            continue
        else:
            out.append(" " if ch.isspace() else ch)
    joined = "".join(out)
    if multiline:
        lines = [" ".join(line.split()) for line in joined.split("\n")]
        while lines and not lines[-1]:
            lines.pop()
        while lines and not lines[0]:
            lines.pop(0)
        cleaned = "\n".join(lines)
    else:
        cleaned = " ".join(joined.split())
    if len(cleaned) > max_chars:
        raise StudyError(f"{name} is too long ({len(cleaned)} characters; at most {max_chars})")
    return cleaned


def check_name(text: Any, *, name: str = "name") -> str:
    """A study or reviewer name: :func:`clean_text`, one line, 1 to :data:`MAX_NAME` characters.

    Raises
    ------
    StudyError
        Empty (after sanitising), not text, or too long.
    """
    cleaned = clean_text(text, name=name, max_chars=MAX_NAME)
    if not cleaned:
        raise StudyError(f"{name} is empty; enter a name or an id (at most {MAX_NAME} characters)")
    return cleaned


def check_comment(text: Any) -> str:
    """An optional comment: :func:`clean_text` with line breaks, at most :data:`MAX_COMMENT` characters
    (``None`` -> ``""``)."""
    if text is None:
        return ""
    return clean_text(text, name="comment", max_chars=MAX_COMMENT, multiline=True)


def match_reviewer(name: str, existing: Iterable[str]) -> str:
    """The reviewer id to use for ``name`` (already checked): an existing reviewer of the study whose
    name equals it ignoring case (so "Dr Smith" resumes as "dr smith"), else ``name`` itself."""
    key = name.casefold()
    for other in existing:
        if other.casefold() == key:
            return other
    return name


# --------------------------------------------------------------------------- building


def _series(value: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise StudyError(f"{name} is not an array of numbers ({type(exc).__name__})") from None
    if arr.ndim != 3:
        raise StudyError(f"{name} must have shape (n_series, n_channels, n_timepoints), got {arr.ndim} dimensions")
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise StudyError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if min(arr.shape) < 1:
        raise StudyError(f"{name} is empty (shape {arr.shape})")
    if arr.shape[0] > MAX_SOURCE_SERIES:
        raise StudyError(f"{name} has {arr.shape[0]} series; at most {MAX_SOURCE_SERIES}")
    a64 = arr.astype(np.float64, copy=False)
    if not np.isfinite(a64).all():
        raise StudyError(f"{name} contains NaN or infinite values")
    if np.abs(a64).max() > _MAX_ABS:
        raise StudyError(f"{name} has values beyond {_MAX_ABS:g}; check its units")
    return arr


def _labels(value: Any, n: int, name: str, *, allow_negative: bool = False) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype == bool or arr.dtype.kind not in "iu":
        raise StudyError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    arr = arr.reshape(-1).astype(np.int64)
    if arr.shape[0] != n:
        raise StudyError(f"{name} has {arr.shape[0]} labels for {n} series")
    if not allow_negative and n and arr.min() < 0:
        raise StudyError(f"{name}[{int(np.argmin(arr))}] = {int(arr.min())} is not a class label (negative)")
    return arr


def attack_succeeded(true_labels: np.ndarray, adv_pred: np.ndarray, target: np.ndarray | None) -> np.ndarray:
    """Per series: the attack reached its goal — the target class for a targeted attack (where
    ``target >= 0``), any class but the true one otherwise. Bool ``(n,)``."""
    y, p = np.asarray(true_labels), np.asarray(adv_pred)
    if target is None:
        return p != y
    t = np.asarray(target)
    return np.where(t >= 0, p == t, p != y)


def build_study(clean: Any, adversarial: Any, true_labels: Any, clean_pred: Any, adv_pred: Any, *,
                n_items: int, seed: int, target: Any = None, adversarial_share: float = 0.5,
                successful_only: bool = True, allow_pairs: bool = False, run_id: str | None = None,
                series_index: Any = None) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Choose and shuffle the items of a blinded perception study.

    ``round(n_items * adversarial_share)`` attacked series and the rest clean series are drawn
    without replacement with ``np.random.default_rng(seed)``, then shuffled together, so neither
    the item numbers nor the stored order say which item is which.

    Parameters
    ----------
    clean, adversarial : array-like, shape ``(n, C, T)``
        The attacked series before and after the attack, in the signal's units (mV for ECG);
        real and finite, the same shape.
    true_labels : array-like of int, shape ``(n,)``
        The true class of each series: the *source* class of Table 3.1 (Alzantot 2019).
    clean_pred, adv_pred : array-like of int, shape ``(n,)``
        The model's class for the clean and the adversarial series.
    n_items : int
        Items in the study, ``1 <= n_items <= MAX_ITEMS``.
    seed : int
        Seed of the draw and the shuffle (same seed and inputs -> same study).
    target : array-like of int, shape ``(n,)``, optional
        The attack's target class per series (``-1`` or ``None``: untargeted). An adversarial
        item's ``target_label`` is the target where there is one, else the model's new class.
    adversarial_share : float
        Fraction of adversarial items in ``[0, 1]``.
    successful_only : bool
        Draw adversarial items only among successful attacks (:func:`attack_succeeded`), as the
        dissertation's study did ("successful adversarial audio clips").
    allow_pairs : bool
        Allow a series to appear both clean and attacked. ``False`` (default): each series at most
        once, so no reviewer can compare the two versions of one beat.
    run_id : str, optional
        The attack run the items come from (stored with each item).
    series_index : array-like of int, shape ``(n,)``, optional
        Each series' index in its dataset split (default ``0..n-1``), stored with each item.

    Returns
    -------
    items : list of dict
        ``n_items`` records with :data:`ITEM_FIELDS`: ``kind`` (``"clean"``/``"adversarial"``),
        ``true_label``, ``source_label`` (= ``true_label``), ``target_label`` (``None`` for clean
        items), ``model_label`` (the model's class for what is shown), ``run_id``, ``series_index``.
        For the statistics only; a reviewer's screen uses :func:`blind_view`.
    signals : ndarray, shape ``(n_items, C, T)``, float32
        What each item shows, in the items' order.

    Raises
    ------
    StudyError
        Bad arrays or parameters, or too few series to draw from (the message says how many qualify).
    """
    n_items = check_int("n_items", n_items, 1, MAX_ITEMS, error=StudyError)
    seed = check_seed(seed, error=StudyError)
    share = check_probability("adversarial_share", adversarial_share, error=StudyError)
    successful_only = check_bool("successful_only", successful_only, error=StudyError)
    allow_pairs = check_bool("allow_pairs", allow_pairs, error=StudyError)
    if run_id is not None and not isinstance(run_id, str):
        raise StudyError(f"run_id must be text or None, got {type(run_id).__name__}")
    x = _series(clean, "clean")
    x_adv = _series(adversarial, "adversarial")
    if x.shape != x_adv.shape:
        raise StudyError(f"clean {x.shape} and adversarial {x_adv.shape} series must have the same shape")
    n = x.shape[0]
    y = _labels(true_labels, n, "true_labels")
    p_clean = _labels(clean_pred, n, "clean_pred")
    p_adv = _labels(adv_pred, n, "adv_pred")
    tgt = None if target is None else _labels(target, n, "target", allow_negative=True)
    idx = np.arange(n, dtype=np.int64) if series_index is None else _labels(series_index, n, "series_index")

    n_adv = int(np.floor(n_items * share + 0.5))
    n_clean = n_items - n_adv
    rng = np.random.default_rng(seed)
    candidates = np.flatnonzero(attack_succeeded(y, p_adv, tgt)) if successful_only else np.arange(n)
    if n_adv > candidates.size:
        what = "successful attacks" if successful_only else "attacked series"
        raise StudyError(f"{n_adv} adversarial items asked for, but only {candidates.size} of the {n} series are "
                         f"{what}; lower the number of items or the adversarial share, or attack more series")
    adv_rows = rng.choice(candidates, size=n_adv, replace=False) if n_adv else np.empty(0, np.int64)
    pool = np.arange(n) if allow_pairs else np.setdiff1d(np.arange(n), adv_rows)
    if n_clean > pool.size:
        raise StudyError(f"{n_clean} clean items asked for, but only {pool.size} series are left after the "
                         f"{n_adv} adversarial ones (each series appears once); lower the number of items or "
                         "attack more series")
    clean_rows = rng.choice(pool, size=n_clean, replace=False) if n_clean else np.empty(0, np.int64)

    items: list[dict[str, Any]] = []
    shown: list[np.ndarray] = []
    for i in adv_rows.tolist():
        has_target = tgt is not None and tgt[i] >= 0
        items.append({"kind": "adversarial", "true_label": int(y[i]), "source_label": int(y[i]),
                      "target_label": int(tgt[i]) if has_target else int(p_adv[i]),
                      "model_label": int(p_adv[i]), "run_id": run_id, "series_index": int(idx[i])})
        shown.append(x_adv[i])
    for i in clean_rows.tolist():
        items.append({"kind": "clean", "true_label": int(y[i]), "source_label": int(y[i]), "target_label": None,
                      "model_label": int(p_clean[i]), "run_id": run_id, "series_index": int(idx[i])})
        shown.append(x[i])
    perm = rng.permutation(n_items)
    items = [items[k] for k in perm.tolist()]
    signals = np.ascontiguousarray(np.stack([shown[k] for k in perm.tolist()]).astype(np.float32))
    return items, signals


# --------------------------------------------------------------------------- reviewing


def _order_seed(study_seed: int, reviewer: str) -> int:
    """A 64-bit seed from the study's seed and the reviewer's name (SHA-256: the same in every
    process and Python version, unlike the salted built-in ``hash``)."""
    key = f"tsviz-study-order\x1f{int(study_seed)}\x1f{reviewer.casefold()}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big")


def reviewer_order(study_seed: int, reviewer: str, n_items: int) -> list[int]:
    """The order in which ``reviewer`` sees the study's items: a permutation of ``range(n_items)``.

    Fixed for a study and a reviewer (resuming on another day shows the same order), different
    between reviewers (order effects average out). The reviewer's name is compared ignoring case.

    Parameters
    ----------
    study_seed : int
        The study's seed.
    reviewer : str
        The reviewer's name or id (as checked by :func:`check_name`).
    n_items : int
        Items in the study, ``0 <= n_items <= MAX_ITEMS``.

    Returns
    -------
    list of int
        Item indices, each once.
    """
    study_seed = check_seed(study_seed, name="study_seed", error=StudyError)
    if not isinstance(reviewer, str) or not reviewer:
        raise StudyError("reviewer must be a non-empty name")
    n_items = check_int("n_items", n_items, 0, MAX_ITEMS, error=StudyError)
    return np.random.default_rng(_order_seed(study_seed, reviewer)).permutation(n_items).tolist()


def next_item(order: Sequence[int], answered: Iterable[int]) -> int | None:
    """Where a reviewer resumes: the position in ``order`` of the first item not in ``answered``
    (``order[pos]`` is the item; "item ``pos + 1`` of ``len(order)``"), or ``None`` when every item
    has an answer."""
    done = {int(a) for a in answered}
    for pos, item in enumerate(order):
        if int(item) not in done:
            return pos
    return None


def blind_view(signals: np.ndarray, order: Sequence[int], position: int) -> dict[str, Any]:
    """What a reviewer's screen gets for the item at ``position`` of their ``order``: its number
    (1-based), the number of items and its signal ``(C, T)`` float32 (read-only). Nothing else — not
    the item's kind, labels, series index or run — so the screen cannot give a hint."""
    n = len(order)
    if n == 0:
        raise StudyError("the study has no items")
    position = check_int("position", position, 0, n - 1, error=StudyError)
    item = int(order[position])
    sig = np.asarray(signals)
    if sig.ndim != 3 or not 0 <= item < sig.shape[0]:
        raise StudyError(f"item {item} is not in the study's signals (shape {sig.shape})")
    view = np.array(sig[item], dtype=np.float32)
    view.setflags(write=False)
    return {"number": position + 1, "total": n, "signal": view}
