"""The lessons in the app: a step's card on the Lessons page and the lesson guide in the sidebar.

A step is set up by a button's ``on_click`` callback (:func:`set_up`): callbacks run before the
script, so the sidebar's and the target page's widget values can still be written (a widget's value
cannot be set once the widget is drawn in a run). The callback also notes the page to open, and
``app.py`` opens it (:func:`follow`, ``st.switch_page``) before the page runs. While a step is in
progress, ``app.py`` draws :func:`lesson_guide` at the top of the sidebar on every page: the step,
what to press, the result in two sentences, and buttons to the next step, back to the lesson, or to
end it.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from tsviz.ui import lessons

__all__ = ["PENDING", "LESSONS_PAGE", "set_up", "finish", "follow", "step_card", "lesson_guide", "settings_markdown"]

#: session_state key of the page a callback asked to open (followed by :func:`follow`).
PENDING = "tsviz_lesson_open"
#: The Lessons page (``st.switch_page`` path).
LESSONS_PAGE = "pages/8_Lessons.py"


def set_up(lesson_key: str, index: int) -> None:
    """Callback: write the step's values into ``st.session_state`` (:func:`tsviz.ui.lessons.apply_step`)."""
    from tsviz.ui.sidebar import BUILTINS

    step = lessons.apply_step(st.session_state, lesson_key, index, dataset_labels=BUILTINS)
    st.session_state[PENDING] = step.page


def finish() -> None:
    """Callback: end the lesson and go back to the Lessons page."""
    lessons.end_lesson(st.session_state)
    st.session_state[PENDING] = LESSONS_PAGE


def follow() -> None:
    """Open the page a callback asked for (call after ``st.navigation`` and before the page runs)."""
    page = st.session_state.pop(PENDING, None)
    if page:
        st.switch_page(page)


def settings_markdown(step: lessons.Step) -> str:
    """The controls a step sets, as a markdown list (``key`` = value)."""
    model = step.model or "the current model"
    rows = [f"- sidebar: dataset `{step.dataset}`, model `{model}`"]
    rows += [f"- `{key}` = {value!r}" for key, value in step.settings]
    return "\n".join(rows)


def step_card(item: lessons.Lesson, index: int, *, current: bool) -> None:
    """One step on the Lessons page: title, what to do, the result explained, a button that sets the
    page up and opens it, and the speaker notes."""
    step, n = item.steps[index], len(item.steps)
    page = lessons.PAGES.get(step.page, step.page)
    with st.container(border=True):
        here = " · **← in progress**" if current else ""
        st.markdown(f"**Step {index + 1} of {n} · {step.title}** ({page} page){here}")
        st.markdown(f"*Do:* {lessons.instruction(step)}")
        st.write(step.explanation)
        st.button(f"Set up and open {page}", key=f"lesson_{item.key}_{index}", type="primary" if current else
                  "secondary", on_click=set_up, args=(item.key, index))
        with st.expander("Speaker notes"):
            st.markdown(step.notes)
            st.markdown("**Controls this step sets**\n\n" + settings_markdown(step))


def lesson_guide(current_page: str | None = None, *, lessons_page: Any = LESSONS_PAGE) -> None:
    """The step in progress, at the top of the sidebar (nothing when no lesson runs or on the Lessons
    page itself, ``current_page == "Lessons"``); ``lessons_page`` is the Lessons page for the link
    back (its path, or the ``st.Page`` that ``app.py`` declares)."""
    active = lessons.active_step(st.session_state)
    if active is None or current_page == "Lessons":
        return
    item, index = active
    step, n = item.steps[index], len(item.steps)
    with st.sidebar.container(border=True, key="lesson_guide"):
        st.markdown(f"**Lesson · step {index + 1} of {n}**  \n{item.title}")
        st.markdown(f"**{step.title}**  \n{lessons.instruction(step)}")
        st.caption(step.explanation)
        c = st.columns(2)
        if index + 1 < n:
            c[0].button("Next step", key="lesson_guide_next", type="primary", help=item.steps[index + 1].title,
                        on_click=set_up, args=(item.key, index + 1))
        else:
            c[0].button("Finish", key="lesson_guide_finish", type="primary", on_click=finish)
        c[1].button("End lesson", key="lesson_guide_end", on_click=lessons.end_lesson, args=(st.session_state,))
        st.page_link(lessons_page, label="Back to the lesson", icon=":material/school:")
