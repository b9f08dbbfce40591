"""What every long action of a page shows: an estimate before it starts, then a Cancel button, a
progress bar with the time left, a compute slot, and a notice after a cancel.

* :func:`eta_note` — before the action (next to its button): "About 12 s on this machine (40,000
  model evaluations)" from the selected model's measured throughput (:mod:`tsviz.ui.eta`), for an
  action that mixes forward passes and forward + backward passes.
* :func:`long_action` — ``with long_action("atk_run", "Running PGD…") as bar:`` draws a *Cancel*
  button and a :class:`~tsviz.ui.progress.ProgressBar` where it is called (inside the results tab
  whose button started it, when that tab is an ``st.fragment``), holds one of the server's compute
  slots (:func:`tsviz.ui.compute.compute_slot`) and marks the action as running in
  ``st.session_state`` until it ends.
* :func:`notice_cancelled` — at the action's place, on the next run: "… cancelled; previous results
  kept." when the last run of the action was stopped before it ended.

How a cancel works: any button pressed while a script runs (the *Cancel* button, or any other
widget) makes Streamlit stop the script at its next ``st`` call (every progress update is one)
with a control exception (a ``BaseException``, not an ``Exception``) and rerun it. The mark set by
:func:`long_action` is removed only when the block ends normally or with an ordinary error, so
after a stop it is still there and :func:`notice_cancelled` reports it. Results are stored by the
page only after the library call returns, so a stopped run stores nothing and the previous results
stay.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from tsviz.ui.compute import compute_slot
from tsviz.ui.progress import ProgressBar, format_seconds

__all__ = ["PENDING", "eta_seconds_mixed", "eta_note", "long_action", "notice_cancelled", "cancelled_text"]

#: ``session_state`` key: dict action -> label of the runs started and not yet ended.
PENDING = "tsviz_pending_actions"


def eta_seconds_mixed(forward: int, backward: int, stem: str, device: str, channels: int, length: int) -> float | None:
    """Seconds for ``forward`` forward passes and ``backward`` forward + input-gradient passes of one
    series each through the model ``stem`` on this machine; ``None`` when the probe fails."""
    from tsviz.ui.eta import eta_seconds, seconds_per_evaluation

    try:
        total = 0.0
        if forward:
            total += eta_seconds(forward, seconds_per_evaluation(stem, device, channels, length, backward=False))
        if backward:
            total += eta_seconds(backward, seconds_per_evaluation(stem, device, channels, length, backward=True))
    except Exception:  # noqa: BLE001 - an estimate must never break the page
        return None
    return total


def eta_note(forward: int, backward: int, stem: str | None, device: str, channels: int, length: int, *,
             count: bool = True, at_most: bool = False) -> str:
    """``"About 12 s on this machine (40,000 model evaluations)"`` (without the count when ``count`` is
    false; ``"Up to"`` when ``at_most``, for runs that stop early); empty without a model or when the
    probe fails (the run itself reports any problem)."""
    if not stem:
        return ""
    seconds = eta_seconds_mixed(int(forward), int(backward), str(stem), device, channels, length)
    if seconds is None:
        return ""
    text = f"{'Up to' if at_most else 'About'} {format_seconds(seconds)} on this machine"
    return text + (f" ({int(forward) + int(backward):,} model evaluations)" if count else "")


def cancelled_text(label: str) -> str:
    """The notice shown after a cancelled run of ``label``."""
    return f"{label}: cancelled; previous results kept."


def notice_cancelled(action: str) -> bool:
    """Show :func:`cancelled_text` when the last run of ``action`` was stopped before it ended (its
    mark is still set); clear the mark. Returns whether it was shown."""
    pending = st.session_state.get(PENDING)
    label = pending.pop(action, None) if isinstance(pending, dict) else None
    if label is None:
        return False
    st.info(cancelled_text(label), icon=":material/cancel:")
    return True


@contextmanager
def long_action(action: str, label: str, *, cancel_label: str = "Cancel") -> Iterator[ProgressBar]:
    """Run the block as the long action ``action``: a *Cancel* button and a progress bar (yielded,
    to hand to the cached library call as its progress) drawn here, a compute slot held, the mark of
    a running action set until the block ends normally or with an ordinary error.

    Parameters
    ----------
    action : str
        A name unique on the page (the key of the Cancel button is ``f"{action}_cancel"``).
    label : str
        What runs ("Running PGD…"); the bar's first text and the cancel notice's subject.
    cancel_label : str
        The Cancel button's label.
    """
    ss = st.session_state
    pending = ss.get(PENDING)
    if not isinstance(pending, dict):
        pending = ss[PENDING] = {}
    pending[action] = label.rstrip("…. ")
    button = st.empty()
    button.button(cancel_label, key=f"{action}_cancel", icon=":material/stop_circle:",
                  help="Stop this run; the results shown before it stay")
    bar = ProgressBar(label)
    try:
        with compute_slot(on_wait=lambda waiting: bar(0.0, f"Waiting for a free compute slot ({waiting} "
                                                            "run(s) waiting)…")):
            yield bar
    except Exception:
        pending.pop(action, None)  # an ordinary error: the page shows it (st.error), not a cancel
        raise
    else:
        pending.pop(action, None)
    finally:  # also after a stop: the widgets go; the mark stays for notice_cancelled
        bar.empty()
        button.empty()
