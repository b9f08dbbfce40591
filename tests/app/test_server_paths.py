"""Server paths only inside TSVIZ_DATA_ROOTS, one message for every refusal, no file content or
folder listing in what the app shows, and the app bound to localhost by default."""
from __future__ import annotations

import os
import tomllib
from pathlib import Path

import numpy as np
import pytest
from apptest_helpers import REPO, app
from streamlit.testing.v1 import AppTest

from tsviz.ui import state, workspace
from tsviz.ui.errors import error_text

REFUSED = ("Could not load that path: This path is outside the folders this server allows; ask the operator "
           "(TSVIZ_DATA_ROOTS)")


pytestmark = pytest.mark.usefixtures("app_home")


@pytest.fixture
def root(tmp_path):
    """An allowed root holding a small, learnable CSV (20 steps, 2 classes, label last)."""
    r = tmp_path / "data-root"
    r.mkdir()
    rng = np.random.default_rng(0)
    rows = [[*np.round(rng.normal(size=20) + (i % 2), 3), i % 2] for i in range(40)]
    (r / "beats.csv").write_text("\n".join(",".join(str(v) for v in row) for row in rows) + "\n")
    return r.resolve()


# ----------------------------------------------------------------------------- pure checks
def test_resolve_allowed_inside_and_outside(root, tmp_path):
    roots = [root]
    assert workspace.resolve_allowed(str(root / "beats.csv"), roots) == root / "beats.csv"
    assert workspace.resolve_allowed("beats.csv", roots) == root / "beats.csv"  # relative: from the first root
    assert workspace.resolve_allowed(str(root), roots) == root
    # whether the path exists is not looked at
    assert workspace.resolve_allowed(str(root / "not-yet.csv"), roots) == root / "not-yet.csv"
    sibling = tmp_path / (root.name + "-other")  # a prefix of the root's name is not inside it
    sibling.mkdir()
    (root / "escape").symlink_to("/etc")
    outside = ["/etc/passwd", "/definitely/not/here", "/etc", "../../etc/passwd", str(root / ".." / "x"),
               str(sibling / "x.csv"), str(root / "escape" / "passwd"), "~nosuchuser-tsviz/x", "a\0b", "  ", "~"]
    messages = set()
    for text in outside:
        with pytest.raises(workspace.PathNotAllowed) as info:
            workspace.resolve_allowed(text, roots)
        messages.add(str(info.value))
    assert messages == {workspace.OUTSIDE_ROOTS}
    with pytest.raises(workspace.PathNotAllowed):
        workspace.resolve_allowed(str(root / "beats.csv"), [])  # no roots: nothing allowed


def test_data_roots_default_listed_and_off(monkeypatch, tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    default = workspace.data_roots(ws)
    assert default[-1] == ws.resolve()
    assert default[:-1] == ([workspace.repo_data_dir().resolve()] if workspace.repo_data_dir().is_dir() else [])
    a, b = tmp_path / "a", tmp_path / "b"
    monkeypatch.setenv("TSVIZ_DATA_ROOTS", f"{a}{os.pathsep}{os.pathsep}{b}{os.pathsep}")
    assert workspace.data_roots(ws) == [a.resolve(), b.resolve(), ws.resolve()]
    monkeypatch.setenv("TSVIZ_DATA_ROOTS", "")
    assert workspace.data_roots(ws) == []
    monkeypatch.setenv("TSVIZ_DATA_ROOTS", f"  {os.pathsep} ")
    assert workspace.data_roots(ws) == []


def test_error_text_never_quotes_what_a_file_held():
    from tsviz.core import TsvizError

    leaky = ValueError("could not convert string to float: 'alice'")
    assert "alice" not in error_text(leaky, "Could not load dataset", reading=True)
    assert error_text(leaky, "Could not load dataset", reading=True) == (
        "Could not load dataset: the file could not be read (ValueError); nothing was changed.")
    assert "alice" not in error_text(RuntimeError("row 'alice'"), "Training")
    assert "alice" not in error_text(UnicodeDecodeError("utf-8", b"alice\xff", 5, 6, "bad"), "Load", reading=True)
    # library errors are written for users and shown, clipped
    assert error_text(TsvizError("x.csv: row 2, column 1 is not a number"), "Load", reading=True) == (
        "Load: x.csv: row 2, column 1 is not a number")
    assert len(error_text(TsvizError("y" * 10_000), "Load")) <= 600
    # a page's own ValueError for a setting the user typed keeps its message
    assert "abc" in error_text(ValueError("could not convert string to float: 'abc'"), "Attack failed")


def test_config_binds_localhost_and_keeps_the_upload_cap():
    cfg = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert cfg["server"]["address"] == "localhost"
    assert cfg["server"]["maxUploadSize"] == state.MAX_UPLOAD_MB == 200
    assert cfg["client"]["showErrorDetails"] in ("type", "none")


# ----------------------------------------------------------------------------- the sidebar
def _app() -> AppTest:
    return app("pages/1_Data.py")


def _load_path(at: AppTest, text: str, kind: str = "csv") -> list[str]:
    if at.sidebar.radio(key="sb_ds_source").value != "Path":
        at.sidebar.radio(key="sb_ds_source").set_value("Path").run()
    at.sidebar.selectbox(key="sb_ds_kind").set_value(kind)
    at.sidebar.text_input(key="sb_ds_path").input(text).run()
    at.sidebar.button(key="sb_ds_load").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return [e.value for e in at.error]


def test_paths_outside_the_roots_get_one_message_whether_or_not_they_exist(root, monkeypatch):
    monkeypatch.setenv("TSVIZ_DATA_ROOTS", str(root))
    at = _app().run()
    existing = _load_path(at, "/etc/passwd")
    missing = _load_path(at, "/definitely/not/here.csv")
    assert existing == missing == [REFUSED]
    assert _load_path(at, "/etc", kind="ucr") == [REFUSED]  # ucr:/etc: refused, nothing listed
    assert _load_path(at, f"{root}/../../../etc/hostname") == [REFUSED]
    assert at.session_state[state.DATASET_SPEC] == "synthetic-ecg"
    shown = " ".join(str(e.value) for kind in ("markdown", "caption", "error", "warning", "info", "success",
                                               "code", "json", "exception") for e in at.get(kind))
    for secret in ("root:", "passwd", "hosts", "hostname", "adduser"):
        assert secret not in shown
    # no placeholder or help points at ../shared
    box = at.sidebar.text_input(key="sb_ds_path")
    assert "shared" not in (box.placeholder or "") and "shared" not in (box.help or "")


def test_a_path_inside_an_allowed_root_loads(root, monkeypatch):
    monkeypatch.setenv("TSVIZ_DATA_ROOTS", str(root))
    at = _app().run()
    assert _load_path(at, str(root / "beats.csv")) == []
    assert at.session_state[state.DATASET_SPEC] == f"csv:{root / 'beats.csv'}"
    assert at.session_state[state.DATASET_LABEL] == "beats.csv (csv)"
    # a relative path starts in the first root; a missing file inside a root is a normal error
    at = _app().run()
    assert _load_path(at, "beats.csv") == []
    errors = _load_path(at, "nothing-here.csv")
    assert len(errors) == 1 and "Could not load dataset" in errors[0] and errors[0] != REFUSED


def test_a_bad_file_inside_a_root_does_not_echo_its_content(root, monkeypatch):
    (root / "secret.csv").write_text("1,2,3,0\nalice,2,3,1\n1,2,3,1\n4,5,6,0\n")
    monkeypatch.setenv("TSVIZ_DATA_ROOTS", str(root))
    at = _app().run()
    errors = _load_path(at, "secret.csv")
    assert len(errors) == 1 and "secret.csv" in errors[0] and "alice" not in errors[0]


def test_the_workspace_is_a_default_root(root):
    at = _app().run()  # TSVIZ_DATA_ROOTS unset: <repo>/data (if any) and the session's workspace
    assert _load_path(at, str(root / "beats.csv")) == [REFUSED]
    ws = Path(os.environ["TSVIZ_HOME"]).resolve() / "workspaces" / at.session_state[workspace.SESSION_KEY]
    (ws / "uploads").mkdir(parents=True, exist_ok=True)
    (ws / "uploads" / "mine.csv").write_bytes((root / "beats.csv").read_bytes())
    assert _load_path(at, str(ws / "uploads" / "mine.csv")) == []
    # another session's workspace is not a root of this one
    other = _app().run()
    assert _load_path(other, str(ws / "uploads" / "mine.csv")) == [REFUSED]


def test_no_roots_turns_the_path_source_off(monkeypatch):
    monkeypatch.setenv("TSVIZ_DATA_ROOTS", "")
    at = _app().run()
    at.sidebar.radio(key="sb_ds_source").set_value("Path").run()
    assert not at.exception and not at.error
    assert not [t for t in at.sidebar.text_input if t.key == "sb_ds_path"]
    assert any("turned off" in i.value for i in at.sidebar.info)


def test_shared_ucr_folder_loads_when_it_is_a_root(monkeypatch):
    from apptest_helpers import SHARED_DATA

    ecg200 = SHARED_DATA / "ucr" / "ECG200"
    if not ecg200.is_dir():
        pytest.skip(f"real data not available: {ecg200} is absent (set TSVIZ_TEST_DATA)")
    monkeypatch.setenv("TSVIZ_DATA_ROOTS", str(ecg200.parent.parent))
    at = _app().run()
    assert _load_path(at, str(ecg200), kind="ucr") == []
    assert at.session_state[state.DATASET_SPEC] == f"ucr:{ecg200.resolve()}"
