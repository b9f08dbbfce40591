"""Study statistics (tsviz.review.study_stats) on a hand-made answer set, every value computed by
hand in the comments; the degenerate cases; Fleiss' kappa against the textbook example."""
from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from tsviz.review.study import StudyError
from tsviz.review.study_stats import (
    MODEL,
    POOLED,
    answers_frame,
    cohen_kappa,
    fleiss_kappa,
    spreadsheet_safe,
    study_stats,
)

CLASSES = ["N", "S", "V"]

# Six items, three classes. Adversarial items: source -> target, and the model says the target.
ITEMS = [
    {"kind": "clean", "true_label": 0, "source_label": 0, "target_label": None, "model_label": 0},  # 0
    {"kind": "clean", "true_label": 1, "source_label": 1, "target_label": None, "model_label": 1},  # 1
    {"kind": "clean", "true_label": 2, "source_label": 2, "target_label": None, "model_label": 0},  # 2 model wrong
    {"kind": "adversarial", "true_label": 0, "source_label": 0, "target_label": 1, "model_label": 1},  # 3
    {"kind": "adversarial", "true_label": 1, "source_label": 1, "target_label": 2, "model_label": 2},  # 4
    {"kind": "adversarial", "true_label": 2, "source_label": 2, "target_label": 0, "model_label": 0},  # 5
]
# (label, manipulated) of each reviewer for items 0..5 (None: "can't tell")
A = [(0, "no"), (1, "no"), (2, "unsure"), (0, "yes"), (2, "no"), (2, "unsure")]
B = [(0, "no"), (0, "yes"), (2, "no"), (1, "yes"), (None, "unsure"), (1, "yes")]
C = [(0, "no"), (1, "no"), (2, "no"), (0, "no"), (1, "no"), (2, "no")]


def _answers(**reviewers):
    t = datetime(2025, 1, 1, tzinfo=UTC)
    return [{"reviewer": who, "item": i, "label": lab, "manipulated": m, "comment": "", "answered_at": t}
            for who, rows in reviewers.items() for i, (lab, m) in enumerate(rows)]


def close(a, b):
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def check(group, **expected):
    for key, value in expected.items():
        assert close(getattr(group, key), value), (group.who, key, getattr(group, key), value)


def test_per_reviewer_pooled_and_model_by_hand():
    s = study_stats(ITEMS, _answers(A=A, B=B, C=C), class_names=CLASSES)
    assert s.reviewers == ("A", "B", "C") and s.n_items == 6 and s.n_clean_items == s.n_adversarial_items == 3
    assert s.answered == {"A": 6, "B": 6, "C": 6}
    # A: clean 0,1,2 all right -> 1; adversarial: item3 source, item4 target (2), item5 source -> 2/3.
    # Manipulated: adversarial yes/no/unsure = 1/1/1 -> detection 1/3, unsure 1/3, decided 1/(1+1) = 1/2;
    # clean no/no/unsure -> false alarm 0/3, unsure 1/3, decided 0/2 = 0.
    # Model on the same items: clean 2/3 (item 2), adversarial 0/3.
    check(s.per_reviewer["A"], n_answers=6, n_clean=3, n_adversarial=3, accuracy=5 / 6, accuracy_clean=1.0,
          accuracy_adversarial=2 / 3, labelled_source=2 / 3, labelled_target=1 / 3, labelled_other=0.0,
          no_label=0.0, detection_rate=1 / 3, false_alarm_rate=0.0, unsure_adversarial=1 / 3,
          unsure_clean=1 / 3, detection_rate_decided=0.5, false_alarm_rate_decided=0.0,
          model_accuracy_clean=2 / 3, model_accuracy_adversarial=0.0)
    # B: clean right on items 0 and 2 -> 2/3; adversarial: item3 target, item4 no label, item5 other (1 is
    # neither source 2 nor target 0) -> 0/3. Adversarial yes/no/unsure = 2/0/1 -> detection 2/3, decided 2/2;
    # clean yes on item 1 -> false alarm 1/3, decided 1/3, unsure 0.
    check(s.per_reviewer["B"], accuracy=2 / 6, accuracy_clean=2 / 3, accuracy_adversarial=0.0,
          labelled_source=0.0, labelled_target=1 / 3, labelled_other=1 / 3, no_label=1 / 3,
          detection_rate=2 / 3, false_alarm_rate=1 / 3, unsure_adversarial=1 / 3, unsure_clean=0.0,
          detection_rate_decided=1.0, false_alarm_rate_decided=1 / 3)
    # C: every label right, every answer "no".
    check(s.per_reviewer["C"], accuracy=1.0, labelled_source=1.0, detection_rate=0.0, false_alarm_rate=0.0,
          detection_rate_decided=0.0, false_alarm_rate_decided=0.0)
    # Pooled, 18 answers (9 clean, 9 adversarial): clean right 3+2+3 = 8/9, adversarial 2+0+3 = 5/9;
    # source 5/9, target 2/9 (A item4, B item3), other 1/9 (B item5), no label 1/9 (B item4).
    # Adversarial yes 1+2+0 = 3/9, no 1+0+3 = 4 -> decided 3/7, unsure 2/9;
    # clean yes 0+1+0 = 1/9, no 2+2+3 = 7 -> decided 1/8, unsure 1/9.
    check(s.pooled, who=POOLED, n_answers=18, accuracy=13 / 18, accuracy_clean=8 / 9, accuracy_adversarial=5 / 9,
          labelled_source=5 / 9, labelled_target=2 / 9, labelled_other=1 / 9, no_label=1 / 9,
          detection_rate=1 / 3, false_alarm_rate=1 / 9, unsure_adversarial=2 / 9, unsure_clean=1 / 9,
          detection_rate_decided=3 / 7, false_alarm_rate_decided=1 / 8,
          model_accuracy_clean=2 / 3, model_accuracy_adversarial=0.0)
    # Model over the 6 items: clean 2/3, adversarial 0/3, all labelled as target; not asked "manipulated?".
    check(s.model, who=MODEL, n_answers=6, accuracy=2 / 6, accuracy_clean=2 / 3, accuracy_adversarial=0.0,
          labelled_source=0.0, labelled_target=1.0, labelled_other=0.0, detection_rate=float("nan"),
          false_alarm_rate=float("nan"))
    # Table 3.1 rows: shares sum to 1 for every row
    t = s.breakdown_table()
    assert list(t["who"]) == ["A", "B", "C", POOLED, MODEL]
    shares = t[["labelled as source", "labelled as target / model's new class", "labelled as other", "no label"]]
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert list(s.table()["who"]) == ["A", "B", "C", POOLED, MODEL]


def test_fleiss_kappa_three_reviewers_by_hand():
    s = study_stats(ITEMS, _answers(A=A, B=B, C=C), class_names=CLASSES)
    lab, man = s.agreement["label"], s.agreement["manipulated"]
    assert lab.method == man.method == "fleiss" and lab.n_items == 6 and lab.n_reviewers == 3
    # Labels (categories 0, 1, 2, can't tell), n = 3 raters: P_i = (sum_j n_ij^2 - 3) / 6
    #   item0 {0:3} -> 1; item1 {1:2, 0:1} -> 1/3; item2 {2:3} -> 1; item3 {0:2, 1:1} -> 1/3;
    #   item4 {2, none, 1} -> 0; item5 {2:2, 1:1} -> 1/3.  P_bar = 3/6 = 1/2.
    #   Totals over 18 ratings: 0:6, 1:5, 2:6, none:1 -> P_e = (36 + 25 + 36 + 1) / 324 = 49/162.
    #   kappa = (1/2 - 49/162) / (1 - 49/162) = 32/113.
    assert close(lab.observed, 0.5) and close(lab.expected, 49 / 162) and close(lab.kappa, 32 / 113)
    # Manipulated: item0 no x3 -> 1; items 1-4 two alike -> 1/3 each; item5 all differ -> 0. P_bar = 7/18.
    #   Totals: yes 4, unsure 3, no 11 -> P_e = (16 + 9 + 121) / 324 = 73/162.
    #   kappa = (7/18 - 73/162) / (1 - 73/162) = (63 - 73) / 89 = -10/89.
    assert close(man.observed, 7 / 18) and close(man.expected, 73 / 162) and close(man.kappa, -10 / 89)
    assert list(s.agreement_table()["question"]) == ["label", "manipulated"]


def test_cohen_kappa_two_reviewers_by_hand():
    s = study_stats(ITEMS, _answers(A=A, B=B))
    lab, man = s.agreement["label"], s.agreement["manipulated"]
    assert lab.method == man.method == "cohen" and lab.n_items == 6
    # Labels A = [0,1,2,0,2,2], B = [0,0,2,1,none,1]: agree on items 0 and 2 -> p_o = 1/3.
    #   A's counts 0:2 1:1 2:3, B's 0:2 1:2 2:1 none:1 -> p_e = (2*2 + 1*2 + 3*1) / 36 = 1/4.
    #   kappa = (1/3 - 1/4) / (3/4) = 1/9.
    assert close(lab.observed, 1 / 3) and close(lab.expected, 0.25) and close(lab.kappa, 1 / 9)
    # Manipulated A = [no,no,uns,yes,no,uns], B = [no,yes,no,yes,uns,yes]: agree on items 0, 3 -> 1/3.
    #   A yes 1 no 3 uns 2, B yes 3 no 2 uns 1 -> p_e = (3 + 6 + 2) / 36 = 11/36.
    #   kappa = (12/36 - 11/36) / (25/36) = 1/25.
    assert close(man.observed, 1 / 3) and close(man.expected, 11 / 36) and close(man.kappa, 0.04)
    # the same through the function, on the raw categories
    k, _, _ = cohen_kappa(["no", "no", "unsure", "yes", "no", "unsure"], ["no", "yes", "no", "yes", "unsure", "yes"])
    assert close(k, 0.04)


def test_fleiss_kappa_textbook_example():
    # Fleiss (1971) style example (10 items, 14 raters, 5 categories) as worked on Wikipedia's
    # "Fleiss' kappa" page: P_bar = 0.378, P_e = 0.213, kappa = 0.210.
    counts = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
              [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    k, p_bar, p_e = fleiss_kappa(counts)
    assert round(p_bar, 3) == 0.378 and round(p_e, 3) == 0.213 and round(k, 3) == 0.210
    for bad in ([[1, 2], [3, 1]], [[1, 0]], [[0.5, 1.5]], [1, 2, 3], [[-1, 3]]):
        with pytest.raises(StudyError, match="counts|raters"):
            fleiss_kappa(bad)
    assert math.isnan(fleiss_kappa(np.zeros((0, 3), dtype=int))[0])
    assert math.isnan(fleiss_kappa([[3, 0], [3, 0]])[0])  # one category throughout: undefined


def test_one_reviewer_has_no_agreement():
    s = study_stats(ITEMS, _answers(A=A))
    assert s.reviewers == ("A",)
    for a in s.agreement.values():
        assert a.method is None and math.isnan(a.kappa) and "two or more" in a.note
    check(s.pooled, accuracy_clean=1.0, accuracy_adversarial=2 / 3)  # pooled == A's
    assert s.summary()["kappa"]["label"]["kappa"] is None  # NaN -> None in the JSON summary


def test_all_unsure():
    every = [(None, "unsure")] * 6
    s = study_stats(ITEMS, _answers(A=every, B=every))
    # unsure is neither a detection nor an alarm; the rates among decided answers are undefined
    check(s.pooled, accuracy=0.0, no_label=1.0, detection_rate=0.0, false_alarm_rate=0.0, unsure_adversarial=1.0,
          unsure_clean=1.0, detection_rate_decided=float("nan"), false_alarm_rate_decided=float("nan"))
    for a in s.agreement.values():  # both always "can't tell"/"unsure": p_e = 1, kappa undefined
        assert a.method == "cohen" and a.observed == 1.0 and math.isnan(a.kappa) and "one category" in a.note


def test_no_adversarial_items():
    items = ITEMS[:3]
    s = study_stats(items, _answers(A=A[:3], B=B[:3]))
    assert s.n_adversarial_items == 0
    check(s.pooled, n_adversarial=0, accuracy_clean=5 / 6, accuracy_adversarial=float("nan"),
          labelled_source=float("nan"), detection_rate=float("nan"), false_alarm_rate=1 / 6)
    check(s.model, accuracy_adversarial=float("nan"), accuracy_clean=2 / 3)


def test_no_answers_and_partial_overlap():
    s = study_stats(ITEMS, [])
    assert s.reviewers == () and s.pooled.n_answers == 0 and math.isnan(s.pooled.accuracy)
    # B answered items 0-2 only: agreement over the 3 items both answered
    s = study_stats(ITEMS, _answers(A=A) + _answers(B=B[:3]))
    assert s.agreement["label"].n_items == 3
    s = study_stats(ITEMS, _answers(A=A[:2]) + [{"reviewer": "B", "item": 5, "label": 1, "manipulated": "no"}])
    assert s.agreement["label"].n_items == 0 and "no item" in s.agreement["label"].note


@pytest.mark.parametrize("bad, match", [
    ({"item": 6}, "item"), ({"item": -1}, "item"), ({"item": 1.0}, "item"), ({"label": 3}, "label"),
    ({"label": 1.5}, "label"), ({"label": True}, "label"), ({"manipulated": "maybe"}, "manipulated"),
    ({"reviewer": ""}, "reviewer"),
])
def test_bad_answers(bad, match):
    answers = _answers(A=A)
    answers[2] = {**answers[2], **bad}
    with pytest.raises(StudyError, match=match):
        study_stats(ITEMS, answers, class_names=CLASSES)


def test_bad_items_and_duplicates():
    with pytest.raises(StudyError, match="twice"):
        study_stats(ITEMS, _answers(A=A) + _answers(A=A[:1]))
    with pytest.raises(StudyError, match="kind"):
        study_stats([{**ITEMS[0], "kind": "real"}], [])
    with pytest.raises(StudyError, match="model_label"):
        study_stats([{"kind": "clean", "true_label": 0}], [])
    with pytest.raises(StudyError, match="items must be a list"):
        study_stats("items", [])


def test_answers_frame_for_the_csv():
    answers = _answers(B=B, A=A)
    answers[0]["comment"] = "=HYPERLINK(\"x\")"
    df = answers_frame([{**it, "series_index": 10 + i, "run_id": "r"} for i, it in enumerate(ITEMS)], answers,
                       class_names=CLASSES)
    assert len(df) == 12 and list(df["reviewer"][:6]) == ["A"] * 6 and list(df["item"][:6]) == list(range(6))
    a4 = df[(df.reviewer == "A") & (df.item == 4)].iloc[0]
    assert a4.kind == "adversarial" and a4.outcome == "target" and a4.label_class == "V" and not a4.correct
    assert a4.target_class == "V" and a4.model_class == "V" and a4.series_index == 14 and a4.run_id == "r"
    b4 = df[(df.reviewer == "B") & (df.item == 4)].iloc[0]
    assert b4.outcome == "no label" and b4.label_class == "" and b4.label is pd_na()
    b0 = df[(df.reviewer == "B") & (df.item == 0)].iloc[0]
    assert b0.comment.startswith("'=") and b0.outcome == "" and b0.answered_at.startswith("2025-01-01")
    assert spreadsheet_safe("+1") == "'+1" and spreadsheet_safe("fine") == "fine"
    assert df.to_csv(index=False).count("\n") == 13


def pd_na():
    import pandas as pd

    return pd.NA
