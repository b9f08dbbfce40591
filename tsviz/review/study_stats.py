"""Statistics of a blinded perception study: human accuracy, Table 3.1's breakdown, manipulation
detection, agreement between reviewers, and the model on the same items.

The study design is in :mod:`tsviz.review.study`; the breakdown follows Alzantot (2019), *Secure
and Private Machine Learning for Smart Devices* (PhD dissertation, UCLA), Table 3.1: the share of
adversarial examples that participants labelled as the source class, as the attack's target, or
as another class.

Definitions (every rate is over *answers*, one answer per reviewer and item)
--------------------------------------------------------------------------
* **Human accuracy** on clean / adversarial items: answers whose class label equals the item's true
  class, over all answers to items of that kind. A label left as "can't tell" (``None``) counts as
  not correct; on adversarial items the accuracy therefore equals the share labelled as source.
* **Breakdown** of the answers to adversarial items (Table 3.1), four shares summing to 1:
  ``labelled_source`` (the true/source class), ``labelled_target`` (the attack's target for a
  targeted attack, else the model's new class), ``labelled_other`` (any other class) and
  ``no_label`` ("can't tell"). Where an item's target equals its source (an unsuccessful untargeted
  attack, only when a study was built with ``successful_only=False``) a source label counts as
  source. Table 3.1 has no "no label" column: with no such answers the three shares are its three.
* **Manipulation detection rate**: "yes" answers over all answers to adversarial items;
  **false-alarm rate**: "yes" answers over all answers to clean items. "unsure" is neither a
  detection nor an alarm: it stays in the denominator (a reviewer who is unsure did not detect
  the manipulation). The shares of "unsure" are reported beside them (``unsure_adversarial``,
  ``unsure_clean``), and so are the rates among decided answers only ("yes" over "yes" + "no":
  ``detection_rate_decided``, ``false_alarm_rate_decided``), NaN where every answer was unsure.
* **Pooled** statistics pool every answer of every reviewer (a reviewer who answered more weighs
  more); the per-reviewer rows are beside them.
* **Model**: its class for what each item shows (``model_label``) scored the same way, over every
  item of the study (row ``"model"``) and, in each reviewer's row, over the items that reviewer
  answered (``model_accuracy_clean``, ``model_accuracy_adversarial``).
* **Agreement** on the class label (categories: the classes and "can't tell") and on the
  manipulation answer (yes / no / unsure), over the items answered by every reviewer: Cohen's
  kappa for two reviewers (Cohen 1960, "A coefficient of agreement for nominal scales",
  Educational and Psychological Measurement 20(1); computed with
  ``sklearn.metrics.cohen_kappa_score``), Fleiss' kappa for three or more (Fleiss 1971,
  "Measuring nominal scale agreement among many raters", Psychological Bulletin 76(5), 378-382;
  :func:`fleiss_kappa`). Kappa is NaN when it is undefined: fewer than two reviewers, no item
  answered by all, or chance agreement equal to 1 (every answer in one category).

A rate with an empty denominator (e.g. no adversarial items) is NaN, never 0.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from tsviz.review.study import KINDS, MANIPULATED, StudyError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["GroupStats", "Agreement", "StudyStats", "study_stats", "group_stats", "model_stats", "agreement",
           "cohen_kappa", "fleiss_kappa", "answers_frame", "spreadsheet_safe", "OUTCOMES", "POOLED", "MODEL",
           "NO_LABEL"]

#: Table 3.1's outcomes of an answer to an adversarial item, plus "no label".
OUTCOMES = ("source", "target", "other", "no label")
#: Row names of the pooled answers and of the model.
POOLED = "pooled"
MODEL = "model"
#: The category of a "can't tell" label in agreement statistics.
NO_LABEL = -1

_NAN = float("nan")


def _rate(num: int, den: int) -> float:
    return num / den if den else _NAN


@dataclass(frozen=True)
class GroupStats:
    """The statistics of one reviewer, of the pooled answers or of the model (see the module's
    definitions). Counts are answers (items for the model); rates are in ``[0, 1]`` or NaN."""

    who: str
    n_answers: int
    n_clean: int
    n_adversarial: int
    accuracy: float
    accuracy_clean: float
    accuracy_adversarial: float
    labelled_source: float
    labelled_target: float
    labelled_other: float
    no_label: float
    detection_rate: float
    false_alarm_rate: float
    unsure_adversarial: float
    unsure_clean: float
    detection_rate_decided: float
    false_alarm_rate_decided: float
    model_accuracy_clean: float
    model_accuracy_adversarial: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Agreement:
    """Agreement between reviewers on one question (``"label"`` or ``"manipulated"``).

    ``method`` is ``"cohen"`` (two reviewers), ``"fleiss"`` (three or more) or ``None`` (fewer than
    two); ``observed`` and ``expected`` are the observed and chance agreement (p_o and p_e for
    Cohen, P-bar and P-bar_e for Fleiss); ``n_items`` the items answered by every reviewer."""

    question: str
    method: str | None
    kappa: float
    observed: float
    expected: float
    n_items: int
    n_reviewers: int
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class StudyStats:
    """Everything :func:`study_stats` computes; :meth:`table`, :meth:`breakdown_table` and
    :meth:`agreement_table` give the tables (pandas DataFrames)."""

    n_items: int
    n_clean_items: int
    n_adversarial_items: int
    reviewers: tuple[str, ...]
    answered: dict[str, int]
    per_reviewer: dict[str, GroupStats]
    pooled: GroupStats
    model: GroupStats
    agreement: dict[str, Agreement] = field(default_factory=dict)

    def rows(self) -> list[GroupStats]:
        """Each reviewer's row, then the pooled answers, then the model."""
        return [self.per_reviewer[r] for r in self.reviewers] + [self.pooled, self.model]

    def table(self) -> "pd.DataFrame":
        """One row per reviewer, pooled and model; every :class:`GroupStats` field as a column."""
        import pandas as pd

        return pd.DataFrame([g.as_dict() for g in self.rows()])

    def breakdown_table(self) -> "pd.DataFrame":
        """Table 3.1 (Alzantot 2019): for the answers to adversarial items, the share labelled as the
        source class, as the attack's target / the model's new class, as another class, or not
        labelled; one row per reviewer, pooled and model."""
        import pandas as pd

        return pd.DataFrame([{"who": g.who, "adversarial answers": g.n_adversarial,
                              "labelled as source": g.labelled_source,
                              "labelled as target / model's new class": g.labelled_target,
                              "labelled as other": g.labelled_other, "no label": g.no_label}
                             for g in self.rows()])

    def agreement_table(self) -> "pd.DataFrame":
        """One row per question (class label, manipulated?) with kappa, its method and its inputs."""
        import pandas as pd

        return pd.DataFrame([a.as_dict() for a in self.agreement.values()])

    def summary(self) -> dict[str, Any]:
        """A JSON-friendly summary (for the run store's metrics): item counts, reviewers, the pooled
        and model rows and both kappas (NaN as ``None``)."""
        def clean(d: Mapping[str, Any]) -> dict[str, Any]:
            return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}

        return {"n_items": self.n_items, "n_clean_items": self.n_clean_items,
                "n_adversarial_items": self.n_adversarial_items, "reviewers": list(self.reviewers),
                "answered": dict(self.answered), "pooled": clean(self.pooled.as_dict()),
                "model": clean(self.model.as_dict()),
                "kappa": {q: clean(a.as_dict()) for q, a in self.agreement.items()}}


# --------------------------------------------------------------------------- checks


def _check_items(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if not isinstance(items, Sequence) or isinstance(items, (str, bytes)):
        raise StudyError(f"items must be a list of item records, got {type(items).__name__}")
    out = []
    for i, it in enumerate(items):
        if not isinstance(it, Mapping):
            raise StudyError(f"items[{i}] must be a mapping, got {type(it).__name__}")
        kind = it.get("kind")
        if kind not in KINDS:
            raise StudyError(f"items[{i}]['kind'] must be one of {', '.join(KINDS)}; got {kind!r}")
        rec = {"kind": kind}
        for key in ("true_label", "source_label", "target_label", "model_label"):
            v = it.get(key, it.get("true_label") if key == "source_label" else None)
            if v is None and key in ("true_label", "source_label", "model_label"):
                raise StudyError(f"items[{i}] has no {key!r}")
            if v is not None and (isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer))):
                raise StudyError(f"items[{i}][{key!r}] must be an integer class label, got {v!r}")
            rec[key] = None if v is None else int(v)
        out.append(rec)
    return out


def _check_answers(answers: Sequence[Mapping[str, Any]], n_items: int,
                   n_classes: int | None) -> list[dict[str, Any]]:
    if not isinstance(answers, Sequence) or isinstance(answers, (str, bytes)):
        raise StudyError(f"answers must be a list of answer records, got {type(answers).__name__}")
    seen: set[tuple[str, int]] = set()
    out = []
    for i, a in enumerate(answers):
        if not isinstance(a, Mapping):
            raise StudyError(f"answers[{i}] must be a mapping, got {type(a).__name__}")
        who, item, label, manip = a.get("reviewer"), a.get("item"), a.get("label"), a.get("manipulated")
        if not isinstance(who, str) or not who:
            raise StudyError(f"answers[{i}]['reviewer'] must be a non-empty name")
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, (int, np.integer)) or not 0 <= item < n_items:
            raise StudyError(f"answers[{i}]['item'] must be an item number in [0, {n_items}), got {item!r}")
        if label is not None:
            if isinstance(label, (bool, np.bool_)) or not isinstance(label, (int, np.integer)) or label < 0 \
                    or (n_classes is not None and label >= n_classes):
                top = "" if n_classes is None else f" in [0, {n_classes})"
                raise StudyError(f"answers[{i}]['label'] must be None or a class label{top}, got {label!r}")
            label = int(label)
        if manip not in MANIPULATED:
            raise StudyError(f"answers[{i}]['manipulated'] must be one of {', '.join(MANIPULATED)}; got {manip!r}")
        key = (who, int(item))
        if key in seen:
            raise StudyError(f"answers[{i}]: reviewer {who!r} answered item {int(item)} twice")
        seen.add(key)
        out.append({"reviewer": who, "item": int(item), "label": label, "manipulated": manip})
    return out


# --------------------------------------------------------------------------- per group


def _outcome(label: int | None, item: Mapping[str, Any]) -> str:
    """Table 3.1's outcome of labelling adversarial ``item`` as ``label``."""
    if label is None:
        return "no label"
    if label == item["source_label"]:
        return "source"
    if label == item["target_label"]:
        return "target"
    return "other"


def _group(who: str, pairs: Sequence[tuple[Mapping[str, Any], int | None, str | None]]) -> GroupStats:
    """Statistics of ``(item, label, manipulated)`` triples (``manipulated`` None: the model)."""
    clean = [p for p in pairs if p[0]["kind"] == "clean"]
    adv = [p for p in pairs if p[0]["kind"] == "adversarial"]
    nc, na = len(clean), len(adv)
    right_c = sum(lab == it["true_label"] for it, lab, _ in clean)
    right_a = sum(lab == it["true_label"] for it, lab, _ in adv)
    outcomes = [_outcome(lab, it) for it, lab, _ in adv]

    def answered(group, value):
        return sum(m == value for _, _, m in group)

    human = any(m is not None for _, _, m in pairs)
    if human:
        yes_a, no_a, uns_a = (answered(adv, v) for v in MANIPULATED)
        yes_c, no_c, uns_c = (answered(clean, v) for v in MANIPULATED)
        manip = dict(detection_rate=_rate(yes_a, na), false_alarm_rate=_rate(yes_c, nc),
                     unsure_adversarial=_rate(uns_a, na), unsure_clean=_rate(uns_c, nc),
                     detection_rate_decided=_rate(yes_a, yes_a + no_a),
                     false_alarm_rate_decided=_rate(yes_c, yes_c + no_c))
    else:
        manip = dict.fromkeys(("detection_rate", "false_alarm_rate", "unsure_adversarial", "unsure_clean",
                               "detection_rate_decided", "false_alarm_rate_decided"), _NAN)
    model_c = sum(it["model_label"] == it["true_label"] for it, _, _ in clean)
    model_a = sum(it["model_label"] == it["true_label"] for it, _, _ in adv)
    return GroupStats(
        who=who, n_answers=nc + na, n_clean=nc, n_adversarial=na,
        accuracy=_rate(right_c + right_a, nc + na), accuracy_clean=_rate(right_c, nc),
        accuracy_adversarial=_rate(right_a, na),
        labelled_source=_rate(outcomes.count("source"), na), labelled_target=_rate(outcomes.count("target"), na),
        labelled_other=_rate(outcomes.count("other"), na), no_label=_rate(outcomes.count("no label"), na),
        model_accuracy_clean=_rate(model_c, nc), model_accuracy_adversarial=_rate(model_a, na), **manip)


def group_stats(who: str, items: Sequence[Mapping[str, Any]], answers: Sequence[Mapping[str, Any]], *,
                n_classes: int | None = None) -> GroupStats:
    """The statistics of ``answers`` (any reviewers; all of them pooled) on the study's ``items``.

    Parameters
    ----------
    who : str
        The row's name (a reviewer, ``"pooled"``).
    items : list of dict
        The study's item records (:func:`tsviz.review.study.build_study`), indexed by answer ``item``.
    answers : list of dict
        ``{"reviewer", "item", "label" (int or None), "manipulated" ("yes"/"no"/"unsure")}``.
    n_classes : int, optional
        Checks that every label is below it.
    """
    its = _check_items(items)
    ans = _check_answers(answers, len(its), n_classes)
    return _group(who, [(its[a["item"]], a["label"], a["manipulated"]) for a in ans])


def model_stats(items: Sequence[Mapping[str, Any]]) -> GroupStats:
    """The model scored like a reviewer over every item (its ``model_label``); the manipulation
    rates are NaN (the model is not asked)."""
    its = _check_items(items)
    return _group(MODEL, [(it, it["model_label"], None) for it in its])


# --------------------------------------------------------------------------- agreement


def cohen_kappa(a: Sequence[Any], b: Sequence[Any]) -> tuple[float, float, float]:
    """Cohen's kappa of two raters' categories for the same items: ``(kappa, p_o, p_e)``.

    ``kappa = (p_o - p_e) / (1 - p_e)`` with ``p_o`` the share of items both put in the same
    category and ``p_e = sum_k p_a(k) p_b(k)`` the agreement expected by chance from each rater's
    own shares (Cohen 1960). The value comes from ``sklearn.metrics.cohen_kappa_score``; NaN when
    undefined (no item, or ``p_e == 1``: both raters used one and the same category throughout).
    """
    a, b = list(a), list(b)
    if len(a) != len(b):
        raise StudyError(f"the two raters rated {len(a)} and {len(b)} items; give the same items")
    if not a:
        return _NAN, _NAN, _NAN
    cats = sorted({*a, *b}, key=repr)
    index = {c: i for i, c in enumerate(cats)}
    ia, ib = np.array([index[v] for v in a]), np.array([index[v] for v in b])
    k = len(cats)
    p_o = float(np.mean(ia == ib))
    p_e = float(np.sum(np.bincount(ia, minlength=k) / len(a) * np.bincount(ib, minlength=k) / len(a)))
    if math.isclose(p_e, 1.0):
        return _NAN, p_o, p_e
    from sklearn.metrics import cohen_kappa_score

    return float(cohen_kappa_score(ia, ib, labels=np.arange(k))), p_o, p_e


def fleiss_kappa(counts: Any) -> tuple[float, float, float]:
    """Fleiss' kappa of ``counts[i, j]``, the number of raters who put item ``i`` in category ``j``:
    ``(kappa, P_bar, P_bar_e)``.

    Fleiss (1971), "Measuring nominal scale agreement among many raters", Psychological Bulletin
    76(5), 378-382: with ``N`` items, ``n`` raters per item and ``k`` categories,
    ``P_i = (sum_j n_ij^2 - n) / (n (n - 1))`` (agreeing pairs among the item's rater pairs),
    ``P_bar = mean_i P_i``, ``p_j = sum_i n_ij / (N n)``, ``P_bar_e = sum_j p_j^2`` and
    ``kappa = (P_bar - P_bar_e) / (1 - P_bar_e)``.

    Parameters
    ----------
    counts : array-like of int, shape ``(N, k)``
        Every row sums to the same ``n >= 2``.

    Returns
    -------
    tuple of float
        NaN kappa when ``N == 0`` or ``P_bar_e == 1`` (every rating in one category).
    """
    c = np.asarray(counts)
    if c.ndim != 2 or c.dtype == bool or c.dtype.kind not in "iu" or (c.size and c.min() < 0):
        raise StudyError("counts must be a 2-D array of non-negative integer counts (items x categories)")
    if c.shape[0] == 0:
        return _NAN, _NAN, _NAN
    sums = c.sum(axis=1)
    n = int(sums[0])
    if n < 2 or (sums != n).any():
        raise StudyError("every item must be rated by the same number of raters, at least 2")
    c = c.astype(np.float64)
    p_i = (np.sum(c * c, axis=1) - n) / (n * (n - 1))
    p_bar = float(p_i.mean())
    p_j = c.sum(axis=0) / (c.shape[0] * n)
    p_e = float(np.sum(p_j * p_j))
    if math.isclose(p_e, 1.0):
        return _NAN, p_bar, p_e
    return (p_bar - p_e) / (1 - p_e), p_bar, p_e


def agreement(answers: Sequence[Mapping[str, Any]], question: str, *,
              reviewers: Sequence[str] | None = None) -> Agreement:
    """Agreement between reviewers on ``question`` (``"label"``: the class, "can't tell" as one more
    category; ``"manipulated"``: yes / no / unsure) over the items every reviewer answered: Cohen's
    kappa for two reviewers, Fleiss' kappa for three or more (:func:`cohen_kappa`,
    :func:`fleiss_kappa`). ``answers`` as checked by :func:`study_stats`."""
    if question not in ("label", "manipulated"):
        raise StudyError(f"question must be 'label' or 'manipulated'; got {question!r}")
    who = list(reviewers) if reviewers is not None else sorted({a["reviewer"] for a in answers})
    r = len(who)
    by: dict[str, dict[int, Any]] = {w: {} for w in who}
    for a in answers:
        if a["reviewer"] in by:
            v = a[question]
            by[a["reviewer"]][a["item"]] = NO_LABEL if v is None else v
    if r < 2:
        return Agreement(question, None, _NAN, _NAN, _NAN, 0, r, "agreement needs two or more reviewers")
    common = sorted(set.intersection(*(set(d) for d in by.values())))
    method = "cohen" if r == 2 else "fleiss"
    if not common:
        return Agreement(question, method, _NAN, _NAN, _NAN, 0, r, "no item was answered by every reviewer")
    if r == 2:
        kappa, obs, exp = cohen_kappa([by[who[0]][i] for i in common], [by[who[1]][i] for i in common])
    else:
        keep = set(common)
        cats = sorted({v for d in by.values() for i, v in d.items() if i in keep}, key=repr)
        col = {c: j for j, c in enumerate(cats)}
        counts = np.zeros((len(common), len(cats)), dtype=np.int64)
        for row, i in enumerate(common):
            for w in who:
                counts[row, col[by[w][i]]] += 1
        kappa, obs, exp = fleiss_kappa(counts)
    note = "undefined: every answer falls in one category" if math.isnan(kappa) else ""
    return Agreement(question, method, float(kappa), float(obs), float(exp), len(common), r, note)


# --------------------------------------------------------------------------- the study


def study_stats(items: Sequence[Mapping[str, Any]], answers: Sequence[Mapping[str, Any]], *,
                class_names: Sequence[str] | None = None) -> StudyStats:
    """Every statistic of a study (see the module's definitions).

    Parameters
    ----------
    items : list of dict
        The study's item records, as :func:`tsviz.review.study.build_study` makes them and the run
        store keeps them (``kind``, ``true_label``, ``source_label``, ``target_label``, ``model_label``).
    answers : list of dict
        The run store's answers (``reviewer``, ``item``, ``label``, ``manipulated``; other keys ignored).
    class_names : sequence of str, optional
        Checks that every label is a class.

    Returns
    -------
    StudyStats
        Per reviewer (sorted by name), pooled, the model, and kappa for both questions.

    Raises
    ------
    StudyError
        Malformed items or answers (the message names the record and key).
    """
    its = _check_items(items)
    ans = _check_answers(answers, len(its), None if class_names is None else len(class_names))
    reviewers = tuple(sorted({a["reviewer"] for a in ans}))
    per = {}
    for r in reviewers:
        per[r] = _group(r, [(its[a["item"]], a["label"], a["manipulated"]) for a in ans if a["reviewer"] == r])
    pooled = _group(POOLED, [(its[a["item"]], a["label"], a["manipulated"]) for a in ans])
    model = _group(MODEL, [(it, it["model_label"], None) for it in its])
    kinds = [it["kind"] for it in its]
    return StudyStats(
        n_items=len(its), n_clean_items=kinds.count("clean"), n_adversarial_items=kinds.count("adversarial"),
        reviewers=reviewers, answered={r: per[r].n_answers for r in reviewers}, per_reviewer=per,
        pooled=pooled, model=model,
        agreement={q: agreement(ans, q, reviewers=reviewers) for q in ("label", "manipulated")})


# --------------------------------------------------------------------------- export


def spreadsheet_safe(text: str) -> str:
    """``text`` with a leading ``'`` when it starts like a spreadsheet formula (``= + - @``, tab or
    carriage return), so a CSV opened in a spreadsheet never runs what a reviewer typed."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def answers_frame(items: Sequence[Mapping[str, Any]], answers: Sequence[Mapping[str, Any]], *,
                  class_names: Sequence[str] | None = None) -> "pd.DataFrame":
    """Every answer with what it was about, one row each: for the CSV export of a study.

    Columns: ``reviewer``, ``item``, ``kind``, ``true_label``, ``label`` (empty: "can't tell"),
    ``correct``, ``outcome`` (Table 3.1's for adversarial items, empty for clean ones),
    ``manipulated``, ``target_label``, ``model_label``, ``model_correct``, ``series_index``,
    ``run_id``, ``comment``, ``answered_at`` (ISO 8601), and with ``class_names`` the class names
    beside each label column (``true_class``, ``label_class``, ``target_class``, ``model_class``).
    Text typed by reviewers is passed through :func:`spreadsheet_safe`. Sorted by reviewer and item.
    """
    import pandas as pd

    its = _check_items(items)
    ans = _check_answers(answers, len(its), None if class_names is None else len(class_names))
    names = None if class_names is None else [str(c) for c in class_names]

    def name_of(v):
        return "" if v is None or names is None or not 0 <= v < len(names) else names[v]

    rows = []
    for raw, a in zip(answers, ans):
        it, src = its[a["item"]], items[a["item"]]
        when = raw.get("answered_at")
        row = {"reviewer": spreadsheet_safe(a["reviewer"]), "item": a["item"], "kind": it["kind"],
               "true_label": it["true_label"], "label": a["label"],
               "correct": a["label"] == it["true_label"],
               "outcome": _outcome(a["label"], it) if it["kind"] == "adversarial" else "",
               "manipulated": a["manipulated"], "target_label": it["target_label"],
               "model_label": it["model_label"], "model_correct": it["model_label"] == it["true_label"],
               "series_index": src.get("series_index"), "run_id": src.get("run_id"),
               "comment": spreadsheet_safe(str(raw.get("comment") or "")),
               "answered_at": when.isoformat() if hasattr(when, "isoformat") else (when or "")}
        if names is not None:
            row.update(true_class=name_of(it["true_label"]), label_class=name_of(a["label"]),
                       target_class=name_of(it["target_label"]), model_class=name_of(it["model_label"]))
        rows.append(row)
    cols = ["reviewer", "item", "kind", "true_label", "label", "correct", "outcome", "manipulated", "target_label",
            "model_label", "model_correct", "series_index", "run_id", "comment", "answered_at"]
    if names is not None:
        cols += ["true_class", "label_class", "target_class", "model_class"]
    df = pd.DataFrame(rows, columns=cols)
    if len(df):
        df = df.sort_values(["reviewer", "item"], kind="stable").reset_index(drop=True)
    df["label"] = df["label"].astype("Int64")
    df["target_label"] = df["target_label"].astype("Int64")
    return df
