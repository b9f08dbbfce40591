"""Per-user workspaces under TSVIZ_HOME: isolation between sessions and users, no silent overwrite,
atomic publishing, and nothing written into the repository."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from apptest_helpers import REPO
from apptest_helpers import app as _app
from apptest_helpers import no_errors as _no_errors
from streamlit.testing.v1 import AppTest

from tsviz.ui import state, workspace

SESSION_KEY = workspace.SESSION_KEY


@pytest.fixture(autouse=True)
def _home(app_home):
    return app_home


def _ws_root(home: Path, at: AppTest) -> Path:
    return home.resolve() / "workspaces" / at.session_state[SESSION_KEY]


# ----------------------------------------------------------------------------- pure functions
def test_workspace_module_imports_without_streamlit():
    code = "import sys, tsviz.ui.workspace as w; w.tsviz_home(); assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_tsviz_home_default_and_expansion(monkeypatch, tmp_path):
    monkeypatch.delenv("TSVIZ_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "someone"))
    assert workspace.tsviz_home() == (tmp_path / "someone" / ".tsviz").resolve()
    monkeypatch.setenv("TSVIZ_HOME", "~/elsewhere")
    assert workspace.tsviz_home() == (tmp_path / "someone" / "elsewhere").resolve()
    monkeypatch.setenv("TSVIZ_HOME", "~nosuchuser-tsviz/x")
    with pytest.raises(workspace.WorkspaceError, match="TSVIZ_HOME"):
        workspace.tsviz_home()


def test_workspace_ids_are_safe_folder_names():
    a = workspace.user_workspace_id("Alice@Example.org")
    assert a == workspace.user_workspace_id(" alice@example.org ")  # case and spaces do not matter
    assert a != workspace.user_workspace_id("bob@example.org")
    assert a.startswith("u-") and len(a) == 34 and workspace.is_workspace_id(a)
    assert "alice" not in a
    s1, s2 = workspace.new_session_id(), workspace.new_session_id()
    assert s1 != s2 and s1.startswith("s-") and workspace.is_workspace_id(s1)
    for bad in ("../x", "s-../../etc", "u-" + "g" * 32, "", None, "s-" + "a" * 31):
        assert not workspace.is_workspace_id(bad)
        with pytest.raises(workspace.WorkspaceError):
            workspace.Workspace.open(bad)  # type: ignore[arg-type]


def test_checkpoint_slot_never_overwrites_unless_asked(tmp_path):
    folder = tmp_path / "models"

    def write(slot, text):
        for s in (".safetensors", ".json"):
            slot.staging.with_name(slot.name + s).write_text(text)

    with workspace.checkpoint_slot(folder, "m") as a:
        write(a, "first")
    with workspace.checkpoint_slot(folder, "m") as b:
        write(b, "second")
    assert (a.name, a.renamed, b.name, b.renamed) == ("m", False, "m-2", True)
    assert (folder / "m.json").read_text() == "first" and (folder / "m-2.json").read_text() == "second"
    # two reservations at once (two sessions saving at the same moment) get two names
    with workspace.checkpoint_slot(folder, "m") as c, workspace.checkpoint_slot(folder, "m") as d:
        write(c, "c")
        write(d, "d")
    assert {c.name, d.name} == {"m-3", "m-4"}
    # an explicit replace overwrites that name only
    with workspace.checkpoint_slot(folder, "m", replace=True) as e:
        write(e, "replaced")
    assert e.name == "m" and (folder / "m.json").read_text() == "replaced"
    # a failure inside the block publishes nothing and leaves no lock or staging folder behind
    with pytest.raises(RuntimeError):
        with workspace.checkpoint_slot(folder, "m") as f:
            write(f, "half")
            raise RuntimeError("disk full")
    # a block that writes nothing publishes nothing
    with pytest.raises(workspace.WorkspaceError, match="nothing written"):
        with workspace.checkpoint_slot(folder, "empty"):
            pass
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{n}{s}" for n in ("m", "m-2", "m-3", "m-4") for s in (".json", ".safetensors"))
    # names are made safe
    with workspace.checkpoint_slot(folder, "../../evil name") as g:
        write(g, "g")
    assert g.name == "evil-name" and (folder / "evil-name.json").exists()


def test_atomic_write_bytes_leaves_no_temporary_file(tmp_path):
    p = tmp_path / "a" / "x.csv"
    workspace.atomic_write_bytes(p, b"1,2\n")
    workspace.atomic_write_bytes(p, b"3,4\n")
    assert p.read_bytes() == b"3,4\n" and [q.name for q in p.parent.iterdir()] == ["x.csv"]


# ----------------------------------------------------------------------------- app sessions
def _listed(at: AppTest) -> list[str]:
    """The sidebar's model labels, without the accuracy."""
    return sorted(o.split(" · acc")[0] for o in at.sidebar.selectbox(key="sb_model").options)


def _train(at: AppTest) -> None:
    at.selectbox(key="train_arch").set_value("mlp")
    at.number_input(key="train_epochs").set_value(1)
    at.button(key="train_go").click().run()  # the default name: "<dataset>-model"


def _tiny_session(tiny_npz) -> AppTest:
    at = _app("pages/2_Model.py")
    at.session_state[state.DATASET_SPEC] = f"npz:{tiny_npz}"
    at.session_state[state.DATASET_LABEL] = "tiny.npz"
    return at.run()


def test_two_sessions_training_the_default_name_keep_both(tiny_npz, _home):
    a, b = _tiny_session(tiny_npz), _tiny_session(tiny_npz)
    _no_errors(a)
    _no_errors(b)
    assert a.session_state[SESSION_KEY] != b.session_state[SESSION_KEY]
    assert a.text_input(key="train_name").value == b.text_input(key="train_name").value == "tiny-model"
    _train(a)
    _train(b)
    _no_errors(a)
    _no_errors(b)
    wa, wb = _ws_root(_home, a), _ws_root(_home, b)
    pa, pb = a.session_state[state.MODEL_PATH], b.session_state[state.MODEL_PATH]
    assert pa == str(wa / "models" / "tiny-model") and pb == str(wb / "models" / "tiny-model")
    # each session lists only its own model (no zoo model fits this dataset)
    a.run()
    b.run()
    assert _listed(a) == _listed(b) == ["mlp · standard · yours · tiny-model"]
    # training again with the same name in one session: a new name, reported; the first is kept
    first = Path(pa + ".safetensors").read_bytes()
    _train(a)
    assert not a.exception
    assert a.session_state[state.MODEL_PATH] == str(wa / "models" / "tiny-model-2")
    assert any("tiny-model-2" in m.value and "already have a model named tiny-model" in m.value for m in a.info)
    assert Path(pa + ".safetensors").read_bytes() == first
    assert sorted(p.name for p in (wa / "models").iterdir()) == [
        "tiny-model-2.json", "tiny-model-2.safetensors", "tiny-model.json", "tiny-model.safetensors"]
    a.run()
    b.run()
    assert _listed(a) == ["mlp · standard · yours · tiny-model", "mlp · standard · yours · tiny-model-2"]
    assert _listed(b) == ["mlp · standard · yours · tiny-model"]


def _checkpoint_files(tmp_path, name="mine"):
    from tsviz.models import build, save
    from tsviz.models.checkpoint import checkpoint_paths

    m = build("mlp", 1, 5, 187, seed=3)
    save(m, tmp_path / "src" / name, {"dataset": "synthetic-ecg", "recipe": "standard"})
    w, c = checkpoint_paths(tmp_path / "src" / name)
    return [(f"{name}.safetensors", w.read_bytes(), "application/octet-stream"),
            (f"{name}.json", c.read_bytes(), "application/json")]


def _upload_model(at: AppTest, files) -> None:
    up = [u for u in at.sidebar.get("file_uploader") if "safetensors" in u.label][0]
    up.set_value(files).run()
    at.sidebar.button(key="sb_model_add").click().run()


def test_same_name_upload_twice_gives_two_models_or_an_explicit_replace(tmp_path, _home):
    files = _checkpoint_files(tmp_path)
    at = _app("pages/2_Model.py").run()
    _upload_model(at, files)
    _no_errors(at)
    folder = _ws_root(_home, at) / "models" / "uploaded"
    assert at.session_state[state.MODEL_PATH] == str(folder / "mine")
    _upload_model(at, files)
    _no_errors(at)
    assert at.session_state[state.MODEL_PATH] == str(folder / "mine-2")
    assert any("mine-2 (you already have a model named mine)" in s.value for s in at.success)
    # explicit replace: the same name, no third model
    before = (folder / "mine.safetensors").stat().st_mtime_ns
    time.sleep(0.01)
    at.sidebar.checkbox(key="sb_model_replace").check()
    _upload_model(at, files)
    _no_errors(at)
    assert at.session_state[state.MODEL_PATH] == str(folder / "mine")
    assert (folder / "mine.safetensors").stat().st_mtime_ns != before
    assert sorted(p.name for p in folder.iterdir()) == [
        "mine-2.json", "mine-2.safetensors", "mine.json", "mine.safetensors"]
    # a rejected checkpoint publishes nothing
    bad = [("bad.safetensors", b"nope", "application/octet-stream"), ("bad.json", files[1][1], "application/json")]
    _upload_model(at, bad)
    assert not at.exception and any("Checkpoint rejected" in e.value for e in at.error)
    assert not list(folder.glob("bad*"))


def test_logged_in_users_get_their_own_workspace(tmp_path, _home):
    from tsviz.models import build, save

    alice = workspace.user_workspace_id("alice@example.org")
    save(build("mlp", 1, 5, 187, seed=1), _home / "workspaces" / alice / "models" / "alices-model",
         {"dataset": "synthetic-ecg", "recipe": "standard"})

    def session(user):
        at = _app("app.py")
        at.user = user
        return at.run()

    a1 = session({"is_logged_in": True, "email": "alice@example.org", "name": "Alice"})
    a2 = session({"is_logged_in": True, "email": "Alice@Example.org"})
    bob = session({"is_logged_in": True, "email": "bob@example.org"})
    anon = session({"email": "test@example.com"})  # no login configured: a per-session workspace
    for at in (a1, a2, bob, anon):
        _no_errors(at)
    assert any("Signed in as **alice@example.org**" in c.value for c in a1.sidebar.caption)
    mine = "mlp · standard · yours · alices-model"
    assert mine in _listed(a1) and mine in _listed(a2)  # every session of that user
    assert mine not in _listed(bob) and mine not in _listed(anon)
    assert not any("yours" in label for label in _listed(bob) + _listed(anon))
    assert (_home / "workspaces" / workspace.user_workspace_id("bob@example.org")).is_dir()
    assert anon.session_state[SESSION_KEY].startswith("s-")
    # login configured but not logged in: only the login button, no workspace, no data
    out = session({"is_logged_in": False})
    _no_errors(out)
    assert [b.label for b in out.button] == ["Log in"]
    assert not out.sidebar.selectbox and SESSION_KEY not in out.session_state


def test_odenet_fitted_on_augment_page_lands_in_the_workspace(_home):
    at = _app("pages/6_Augment.py").run()
    at.sidebar.selectbox(key="sb_ds_builtin").set_value("cbf").run()
    at.number_input(key="ode_epochs").set_value(1)
    at.button(key="ode_fit").click().run()
    _no_errors(at)
    odenets = _ws_root(_home, at) / "odenets"
    first = Path(at.session_state[state.AUG_ODENET]["path"])
    assert first.parent == odenets and (odenets / f"{first.name}.safetensors").is_file()
    at.button(key="ode_fit").click().run()  # same settings, same name: a second file, reported
    _no_errors(at)
    second = Path(at.session_state[state.AUG_ODENET]["path"])
    assert second.name == f"{first.name}-2" and (odenets / f"{first.name}.safetensors").is_file()
    assert any("already exists" in s.value for s in at.success)


WRITTEN = {".safetensors", ".json", ".npz", ".csv", ".tsv", ".lock", ".tmp"}


def _recent_data_files(root: Path, since: float) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in (".git", "__pycache__", "test-artifacts")]
        for f in filenames:
            p = Path(dirpath) / f
            if p.suffix in WRITTEN and p.stat().st_mtime >= since:
                out.append(p)
    return out


def test_everything_lands_under_tsviz_home_and_nothing_in_the_repo(tiny_npz, _home):
    start = time.time() - 1
    at = _app("pages/2_Model.py").run()
    at.sidebar.radio(key="sb_ds_source").set_value("Upload").run()
    at.sidebar.get("file_uploader")[0].set_value(("up.npz", tiny_npz.read_bytes(), "application/octet-stream")).run()
    at.sidebar.button(key="sb_ds_upload_load").click().run()
    _no_errors(at)
    spec = at.session_state[state.DATASET_SPEC]
    ws = _ws_root(_home, at)
    assert spec.startswith(f"npz:{ws / 'uploads'}") and spec.endswith("up.npz")
    at.text_input(key="train_name").input("up-model")
    _train(at)
    _no_errors(at)
    assert at.session_state[state.MODEL_PATH] == str(ws / "models" / "up-model")
    assert not _recent_data_files(REPO, start), "the app wrote into the repository"
    runs = _home.resolve() / "artifacts"  # the run store's artifacts: the app records every run (issue 14)
    recent = _recent_data_files(_home, start)
    written = {p.relative_to(ws).as_posix().split("/")[0] for p in recent if runs not in p.resolve().parents}
    assert written == {"uploads", "models"}
    assert any(runs in p.resolve().parents for p in recent)  # the training run, under TSVIZ_HOME too
    assert not (REPO / "user_models").exists() or not _recent_data_files(REPO / "user_models", start)
    card = json.loads((ws / "models" / "up-model.json").read_text())
    assert card["name"] == "up-model"
