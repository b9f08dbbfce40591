"""Guided walkthroughs for teachers: the Lessons page's content and the state each step sets.

A :class:`Lesson` is a sequence of :class:`Step` s. A step names the page it takes the class to,
the sidebar selection (dataset, zoo model), the values of that page's widgets (by their
``st.session_state`` keys, the keys the pages themselves use), the button that runs its default
action, a two-sentence explanation of the result and speaker notes for the teacher. Applying a step
(:func:`apply_step`) only writes ``st.session_state`` values; the page then runs as if the teacher had
set the controls by hand, and its *Run* button does the work.

This module is plain data and plain functions over a mapping (no streamlit, no computation), so the
steps are testable on a dict and the Lessons page (``pages/8_Lessons.py``) and the lesson guide in
the sidebar (:mod:`tsviz.ui.lessons_view`) stay thin. The settings are teaching-sized: every step's
action finishes in seconds on a laptop CPU (``benchmarks/first_run.py`` times each one).
"""
from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Step", "Lesson", "LESSONS", "PAGES", "ACTIVE", "lesson", "model_path", "step_state", "apply_step",
           "active_step", "end_lesson", "instruction"]

#: session_state key of the step in progress: ``(lesson key, step index)``; read by the sidebar guide.
ACTIVE = "tsviz_lesson_active"
#: The pages a step can open (path for ``st.switch_page``) -> the title in the navigation.
PAGES = {
    "pages/1_Data.py": "Data",
    "pages/2_Model.py": "Model",
    "pages/3_Attack.py": "Attack",
    "pages/4_Certify.py": "Certify",
    "pages/5_Explain.py": "Explain",
    "pages/7_Review.py": "Review",
    "pages/8_Lessons.py": "Lessons",
}
#: session_state keys of the shared sidebar (tsviz.ui.state and tsviz.ui.sidebar's widget keys).
_SPEC, _LABEL, _MODEL = "tsviz_dataset_spec", "tsviz_dataset_label", "tsviz_model_path"
_SOURCE, _BUILTIN = "sb_ds_source", "sb_ds_builtin"


@dataclass(frozen=True)
class Step:
    """One step of a lesson.

    Attributes
    ----------
    title : str
        What the step shows, as a heading.
    page : str
        The page it opens (a key of :data:`PAGES`).
    settings : tuple of (str, value)
        ``st.session_state`` values of the page's widgets (their keys), set before the page opens.
    action : str or None
        Key of the button that runs the step's default action (``None``: the page shows the result
        as it opens).
    press : str or None
        That button's label, as the teacher sees it.
    tab : str or None
        The tab the teacher opens: where the action's button is (``None``: above the page's tabs), or
        where the result is when the step has no action.
    explanation : str
        The result in two sentences, for the class.
    notes : str
        Speaker notes for the teacher (markdown).
    dataset : str
        The sidebar's dataset (a built-in spec).
    model : str or None
        The sidebar's model: a zoo checkpoint stem (``None``: keep the current model).
    """

    title: str
    page: str
    settings: tuple[tuple[str, Any], ...]
    action: str | None
    press: str | None
    tab: str | None
    explanation: str
    notes: str
    dataset: str = "synthetic-ecg"
    model: str | None = "synthetic-ecg--resnet--standard"


@dataclass(frozen=True)
class Lesson:
    """A walkthrough: a key (widget keys, URLs), a title, what the class takes away, the steps."""

    key: str
    title: str
    summary: str
    steps: tuple[Step, ...]


RESNET = "synthetic-ecg--resnet--standard"
KACHUEE = "synthetic-ecg--kachuee--standard"
SMOOTH = "synthetic-ecg--kachuee--gaussian-0.25"

#: The attack the adversarial lesson's last two steps share (so the sweep reuses its beats).
_PGD = (("atk_name", "pgd"), ("atk_pgd_eps", 0.02), ("atk_pgd_steps", 10), ("atk_pgd_alpha", 0.005),
        ("atk_pgd_norm", "inf"), ("atk_pgd_rs", True), ("atk_pgd_restarts", 1), ("atk_targeted", False),
        ("atk_split", "test"), ("atk_mode", "correct"), ("atk_n", 30), ("atk_seed", 0))
#: The certification the certificate lesson's steps share: 20 beats, 500 draws, Single only.
_CERT = (("cert_sigma", 0.25), ("cert_n0", 50), ("cert_n", 500), ("cert_alpha", 0.001), ("cert_bound", "cohen"),
         ("cert_series", 20), ("cert_seed", 0), ("cert_on_single", True), ("cert_on_de", False),
         ("cert_on_mb", False), ("cert_on_mc", False))
_CERT_ENSEMBLE = (*_CERT[:-2], ("cert_on_mb", True), ("cert_on_mc", True), ("cert_m_mb", 4), ("cert_m_mc", 4),
                  ("cert_keep_mb", 0.9), ("cert_keep_mc", 0.9))
#: The explanation the last lesson's first two steps share: 4 beats, NeuroMask and two gradients.
_EXPLAIN = (("xp_source", "Test series"), ("xp_n", 4), ("xp_seed", 0), ("xp_baseline", "zero"),
            ("xp_methods", ["neuromask", "saliency", "integrated_gradients"]), ("xp_steps", 200))

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "adversarial", "What an adversarial ECG is, and how little it takes",
        "A heartbeat classifier that is right 97 % of the time gives a different answer for most beats once each "
        "sample moves by a few hundredths of a millivolt: changes no one would see on the trace.",
        (
            Step("Heartbeats as the model sees them", "pages/1_Data.py",
                 (("data_samples_split", "test"), ("data_samples_classes", ["N", "V"]), ("data_samples_n", 3),
                  ("data_samples_seed", 0)),
                 None, None, "Samples",
                 "Each trace is one heartbeat: 187 numbers, 1.5 s at 125 Hz, in millivolts, and normal (N) and "
                 "ventricular (V) beats differ in width and shape. The classifier sees exactly these numbers and "
                 "nothing else.",
                 "- Point at the y axis: a whole beat spans about 2 mV.\n"
                 "- Ask the room: how much would you have to change a V beat before a cardiologist calls it "
                 "normal? Keep the answer for step 3.\n"
                 "- The beats are synthetic (ECGSYN), so nothing here is patient data; the five AAMI classes are "
                 "N, S, V, F and Q."),
            Step("The model gets them right", "pages/2_Model.py", (), None, None, "Performance",
                 "The ResNet from the zoo labels about 97 % of the 1,000 test beats correctly, and the confusion "
                 "matrix shows where its few mistakes are. This is the model we are going to fool.",
                 "- Switch the confusion matrix between counts and row-normalised rates if asked about the "
                 "rare classes.\n"
                 "- The Latent space tab shows the classes as separate clouds: the model has learned something "
                 "real, which makes the next step more striking."),
            Step("One gradient step, 0.05 mV", "pages/3_Attack.py",
                 (("atk_name", "fgsm"), ("atk_fgsm_eps", 0.05), ("atk_targeted", False), ("atk_split", "test"),
                  ("atk_mode", "correct"), ("atk_n", 30), ("atk_seed", 0)),
                 "atk_run", "Run attack", None,
                 "FGSM moved every sample of 30 correctly classified beats by at most 0.05 mV (2.5 % of a beat's "
                 "range, thinner than the drawn line) in the direction that raises the model's loss. Compare "
                 "Adversarial accuracy with Clean accuracy: many beats the model got right now get another label.",
                 "- In the Signals tab pick a beat marked ✓: clean and adversarial lie on top of each other; the "
                 "perturbation is drawn below on its own scale.\n"
                 "- Class probabilities on the right: the model is often *confident* about the wrong class.\n"
                 "- FGSM is a single step; real attackers iterate (next step)."),
            Step("Iterate: PGD with less than half the budget", "pages/3_Attack.py", _PGD,
                 "atk_run", "Run attack", None,
                 "PGD takes 10 small gradient steps and projects back into a 0.02 mV budget after each, so it "
                 "finds the weak directions a single step misses. With less than half FGSM's budget it changes "
                 "about as many labels or more: robustness must be measured with strong attacks.",
                 "- The Sizes tab shows every perturbation at or under 0.02 mV (L∞), and the SNR in dB.\n"
                 "- The Spectra tab: the perturbation spreads over frequencies a band-pass filter would keep.\n"
                 "- Ask: would a clinician notice? The Review page shows the beat on ECG paper, with the numbers "
                 "a clinician asks for."),
            Step("How little it takes: accuracy against the budget", "pages/3_Attack.py",
                 (*_PGD, ("sweep_attacks", ["fgsm", "pgd"]), ("sweep_eps", "0, 0.005, 0.01, 0.02, 0.05")),
                 "sweep_go", "Run sweep", "Budget sweep",
                 "Each point attacks the same beats again with a larger budget: accuracy falls from its clean value "
                 "at 0 mV towards zero within a few hundredths of a millivolt. The gap between the FGSM and PGD "
                 "curves is what a weak attack would hide.",
                 "- If the page shows no results yet, press **Run attack** first (the sweep reuses its beats).\n"
                 "- Hover a point for its accuracy; the table below has every value.\n"
                 "- Close with the question from step 1: the answer is a few hundredths of a millivolt."),
        )),
    Lesson(
        "certificate", "What a certificate promises, and what it does not",
        "Randomized smoothing gives each beat a radius within which no perturbation can change the answer, "
        "with a stated confidence. It holds for a vote over noisy copies, in the L2 norm, inside the radius: "
        "nothing more.",
        (
            Step("A vote over noise, and its radius", "pages/4_Certify.py", _CERT, "cert_run", "Certify", None,
                 "The smoothed classifier votes over 500 noisy copies of each beat (σ = 0.25 mV); where the vote is "
                 "clear it certifies a radius r in mV such that no perturbation of L2 norm below r changes the vote, "
                 "with probability at least 99.9 %. Where the vote is close it abstains, and an abstention counts "
                 "as an error.",
                 "- The model is the zoo's Kachuee CNN trained with Gaussian noise of the same σ (selected for you "
                 "in the sidebar): smoothing works only for a model that has seen noise.\n"
                 "- The curve: the share of beats certified correct at each radius. ACR in the header is the mean "
                 "radius (0 for wrong or abstained beats).\n"
                 "- The Per series tab draws a beat with the band its certificate covers.",
                 model=SMOOTH),
            Step("Self-ensembles certify more", "pages/4_Certify.py", _CERT_ENSEMBLE, "cert_run", "Certify", None,
                 "M_B and M_C average one mask-trained model over 4 fixed masks of the beat, which steadies the "
                 "vote, so more beats get a certificate and the radii grow (compare the ACR values in the header). "
                 "This is the self-ensemble of the CIKM 2024 paper, at a fraction of a deep ensemble's cost.",
                 "- M_B keeps each time step with probability 0.9, M_C keeps contiguous stretches.\n"
                 "- The curves cross: an ensemble can certify larger radii while abstaining on a few more beats.\n"
                 "- More draws (n) give larger radii at a higher cost: the *Paper settings* are one click away on "
                 "the page.",
                 model=SMOOTH),
            Step("Check the promise", "pages/4_Certify.py",
                 (*_CERT, ("cert_sound_fr", "0.99, 2"), ("cert_sound_dirs", 4), ("cert_sound_steps", 5),
                  ("cert_sound_n", 10)),
                 "cert_sound_go", "Run check", "Soundness",
                 "The check attacks each certified beat just inside its radius (0.99 R) and far outside it (2 R), "
                 "with PGD and random directions, and takes the vote again. Inside the radius the answer must hold "
                 "(up to the α failure rate); outside it may change, because the certificate says nothing there.",
                 "- If the page shows no results yet, press **Certify** first.\n"
                 "- 'passed' is a statistical statement: at most about α of the beats may change inside.\n"
                 "- The figure shows how many changed at each fraction of the radius.",
                 model=SMOOTH),
            Step("What it does not promise", "pages/4_Certify.py",
                 (*_CERT, ("cert_atk_eps", "0.1, 0.25, 0.5"), ("cert_atk_steps", 5), ("cert_atk_draws", 4),
                  ("cert_atk_n", 10)),
                 "cert_atk_go", "Run attack", "PGD attack",
                 "The guarantee is for the smoothed classifier, a vote over hundreds of forward passes, not for the "
                 "bare network, which PGD-L2 still fools at budgets like the certified radii. It is also an L2 "
                 "guarantee: an L∞ change of 0.05 mV on all 187 samples has an L2 norm of 0.68 mV, larger than most "
                 "certified radii.",
                 "- Compare the bare model's success rate with the smoothed one's at each budget.\n"
                 "- Certified ≠ robust in every sense: other norms, other perturbations (baseline wander, "
                 "time shifts), a different model on the device — none is covered.\n"
                 "- The certificate holds with probability 1 − α over the noise draws, per beat.",
                 model=SMOOTH),
        ),
    ),
    Lesson(
        "explain", "What the model looks at, and a backdoor",
        "Relevance maps show which samples of a beat a prediction rests on; the faithful ones agree with what "
        "happens when those samples are removed, and they can expose a model that was trained to cheat.",
        (
            Step("Where does the model look?", "pages/5_Explain.py", _EXPLAIN, "xp_run", "Explain", None,
                 "NeuroMask learns the smallest, smoothest set of time steps that keeps the prediction (its mask, 1 = "
                 "needed), while saliency and integrated gradients score each step by the model's gradient. Where "
                 "the methods agree, typically around the QRS complex, the model really relies on those samples.",
                 "- The model is the zoo's small Kachuee CNN, so the masks fit in seconds.\n"
                 "- Pick other beats with the Series box; the band colour is each method's relevance scaled to "
                 "its own maximum.\n"
                 "- The NeuroMask evolution tab replays how the mask settles (Fig. 5.4 of the dissertation).",
                 model=KACHUEE),
            Step("Are the explanations faithful?", "pages/5_Explain.py", _EXPLAIN, None, None, "Faithfulness",
                 "Deletion removes the most relevant steps first: a faithful explanation makes the predicted "
                 "class's probability fall fast (low area). Insertion reveals them first from a flat line (high area "
                 "is better), so a method that scores well on both points at what the model actually uses.",
                 "- If the page shows no results yet, press **Explain** first.\n"
                 "- The table has the areas per method; the bars compare them.\n"
                 "- A pretty map is not necessarily a faithful one: this is the check.",
                 model=KACHUEE),
            Step("A model with a backdoor", "pages/5_Explain.py",
                 (("bd_n", 4), ("bd_steps", 200), ("bd_seed", 0)),
                 "bd_run", "Run the demo", "Backdoor trigger demo",
                 "This zoo model was trained with 10 % poisoned beats (a short square wave near the end of the beat, "
                 "relabelled N): it is accurate on clean beats and calls any triggered beat normal. NeuroMask puts "
                 "almost all of a triggered beat's mask in the trigger window and almost none of a clean beat's, so "
                 "the explanation exposes the backdoor.",
                 "- The header states the trigger window and the model's clean accuracy and trigger success.\n"
                 "- Accuracy alone would never reveal this model: it is as good as the others on clean beats.\n"
                 "- Discuss: where could poisoned training data come from in a hospital?",
                 model=KACHUEE),
        ),
    ),
)


def lesson(key: str) -> Lesson:
    """The lesson named ``key``; ``KeyError`` naming the known keys otherwise."""
    for item in LESSONS:
        if item.key == key:
            return item
    raise KeyError(f"no lesson {key!r}; known: {', '.join(x.key for x in LESSONS)}")


def model_path(stem: str) -> str:
    """The sidebar's value for a zoo checkpoint ``stem`` (its path without extension)."""
    from tsviz.models import zoo_dir

    return str(zoo_dir() / stem)


def step_state(step: Step, *, dataset_labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every ``st.session_state`` value the step sets: the sidebar's dataset and model, then the page's
    widgets. ``dataset_labels`` maps a built-in spec to what the sidebar shows (default: the spec)."""
    out: dict[str, Any] = {_SPEC: step.dataset, _LABEL: (dataset_labels or {}).get(step.dataset, step.dataset),
                           _SOURCE: "Built-in", _BUILTIN: step.dataset}
    if step.model is not None:
        out[_MODEL] = model_path(step.model)
    for key, value in step.settings:
        out[key] = list(value) if isinstance(value, (list, tuple)) else value
    return out


def apply_step(session: MutableMapping[str, Any], lesson_key: str, index: int, *,
               dataset_labels: Mapping[str, str] | None = None) -> Step:
    """Write step ``index`` of lesson ``lesson_key`` into ``session`` (``st.session_state`` or a dict),
    record it as the step in progress (:data:`ACTIVE`) and return it."""
    steps = lesson(lesson_key).steps
    if not 0 <= int(index) < len(steps):
        raise IndexError(f"lesson {lesson_key!r} has steps 0-{len(steps) - 1}, not {index}")
    step = steps[int(index)]
    for key, value in step_state(step, dataset_labels=dataset_labels).items():
        session[key] = value
    session[ACTIVE] = (lesson_key, int(index))
    return step


def active_step(session: Mapping[str, Any]) -> tuple[Lesson, int] | None:
    """The lesson and step index in progress, or ``None``."""
    value = session.get(ACTIVE)
    if not value:
        return None
    try:
        item = lesson(value[0])
    except (KeyError, TypeError, IndexError):
        return None
    index = int(value[1])
    return (item, index) if 0 <= index < len(item.steps) else None


def end_lesson(session: MutableMapping[str, Any]) -> None:
    """Forget the step in progress (the guide in the sidebar disappears)."""
    session.pop(ACTIVE, None)


def instruction(step: Step) -> str:
    """What the teacher does on the page: "Open the **Budget sweep** tab, then press **Run sweep**."."""
    page = PAGES.get(step.page, step.page)
    if step.press is None:
        return f"Look at the **{step.tab}** tab of the {page} page." if step.tab else f"Look at the {page} page."
    if step.tab:
        return f"Open the **{step.tab}** tab, then press **{step.press}**."
    return f"Press **{step.press}**."
