"""Where the app writes (``TSVIZ_HOME``), per-user workspaces, and which server paths a user may read.

Everything the app writes lives under ``TSVIZ_HOME`` (default ``~/.tsviz``)::

    TSVIZ_HOME/workspaces/<id>/models/       models trained in the app (uploads in models/uploaded/)
                              /odenets/      ODENets fitted on the Augment page
                              /uploads/      uploaded data files (content-addressed folders)
                              /results/      reserved for results kept on disk (run store)

``<id>`` is ``u-<hash>`` for a user logged in through Streamlit's authentication (``st.login``; a
hash of the e-mail, or of the ``sub`` claim when there is none) and ``s-<random>`` for a browser
session otherwise, so nothing one user writes is listed for, or overwritten by, another.

Checkpoints are published through :func:`checkpoint_slot`: a name that exists gets a suffix
(``name-2``, ``name-3``, ...) unless replacing is asked for explicitly, and files are written in a
staging folder and moved into place with :func:`os.replace`, so a reader never sees half a file.

Server paths (the sidebar's *Path* source) are allowed only inside :func:`data_roots`; a path is
resolved (symlinks followed) and checked against the resolved roots *before* anything looks at
whether it exists, and every refusal has the same wording.

The functions here, except :func:`current`, do not import streamlit.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tsviz.core.errors import TsvizError

log = logging.getLogger(__name__)

__all__ = ["HOME_ENV", "ROOTS_ENV", "DEFAULT_HOME", "OUTSIDE_ROOTS", "PathNotAllowed", "WorkspaceError",
           "Workspace", "CheckpointSlot", "tsviz_home", "user_workspace_id", "new_session_id",
           "is_workspace_id", "repo_data_dir", "data_roots", "operator_roots", "resolve_allowed",
           "safe_name", "atomic_write_bytes", "checkpoint_slot", "current"]

HOME_ENV = "TSVIZ_HOME"
ROOTS_ENV = "TSVIZ_DATA_ROOTS"
DEFAULT_HOME = "~/.tsviz"
#: The one message for every refused server path (whether or not it exists).
OUTSIDE_ROOTS = ("This path is outside the folders this server allows; ask the operator "
                 f"({ROOTS_ENV})")
#: session_state key of the per-session workspace id.
SESSION_KEY = "tsviz_workspace_session_id"
#: Checkpoint files: weights and card.
CHECKPOINT_SUFFIXES = (".safetensors", ".json")
#: How many ``name-k`` suffixes are tried before giving up.
MAX_NAME_TRIES = 1000

_ID = re.compile(r"^[us]-[0-9a-f]{32}$")
REPO = Path(__file__).resolve().parents[2]


class WorkspaceError(TsvizError):
    """A workspace or a name in it cannot be used (bad ``TSVIZ_HOME``, a name being written)."""


class PathNotAllowed(TsvizError):
    """A server path outside the allowed roots (message: :data:`OUTSIDE_ROOTS`, never the path)."""

    def __init__(self) -> None:
        super().__init__(OUTSIDE_ROOTS)


# ----------------------------------------------------------------------------- home and ids
def tsviz_home() -> Path:
    """``TSVIZ_HOME`` (default ``~/.tsviz``), user-expanded and absolute; not created here.

    Raises
    ------
    WorkspaceError
        If ``TSVIZ_HOME`` names a home folder that does not exist (``~nosuchuser``).
    """
    raw = os.environ.get(HOME_ENV, "").strip() or DEFAULT_HOME
    try:
        return Path(raw).expanduser().resolve()
    except (RuntimeError, OSError, ValueError) as exc:
        raise WorkspaceError(f"{HOME_ENV}={raw!r} cannot be used as a folder ({type(exc).__name__})") from exc


def user_workspace_id(identity: str) -> str:
    """``u-<32 hex>``: a folder name for a logged-in user (hash of the e-mail or ``sub``, lowercased)."""
    ident = str(identity).strip().lower()
    if not ident:
        raise WorkspaceError("a user identity must not be empty")
    return "u-" + hashlib.sha256(f"tsviz-user:{ident}".encode()).hexdigest()[:32]


def new_session_id() -> str:
    """``s-<32 hex>``: a random folder name for one browser session."""
    return "s-" + secrets.token_hex(16)


def is_workspace_id(value: object) -> bool:
    """Whether ``value`` is a workspace id made by :func:`user_workspace_id` / :func:`new_session_id`."""
    return isinstance(value, str) and bool(_ID.match(value))


@dataclass(frozen=True)
class Workspace:
    """One user's (or session's) folder under ``TSVIZ_HOME/workspaces`` (folders made with mode 0700)."""

    id: str
    root: Path

    @classmethod
    def open(cls, workspace_id: str, home: Path | None = None) -> Workspace:
        """The workspace ``workspace_id`` under ``home`` (default :func:`tsviz_home`), created (mode 0700)."""
        if not is_workspace_id(workspace_id):
            raise WorkspaceError("not a workspace id")
        top = home or tsviz_home()
        base = top / "workspaces"
        root = base / workspace_id
        try:
            top.mkdir(parents=True, exist_ok=True, mode=0o700)
            base.mkdir(exist_ok=True, mode=0o700)
            root.mkdir(exist_ok=True, mode=0o700)
        except OSError as exc:
            raise WorkspaceError(f"cannot create the workspace under {HOME_ENV} ({type(exc).__name__}); "
                                 f"ask the operator") from exc
        return cls(workspace_id, root)

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def odenets(self) -> Path:
        return self.root / "odenets"

    @property
    def uploads(self) -> Path:
        return self.root / "uploads"

    @property
    def results(self) -> Path:
        return self.root / "results"


# ----------------------------------------------------------------------------- allowed server paths
def repo_data_dir() -> Path:
    """``<repo>/data``: the default data root when it exists."""
    return REPO / "data"


def _resolve(text: str | os.PathLike, base: Path | None = None) -> Path:
    p = Path(text).expanduser()
    if not p.is_absolute() and base is not None:
        p = base / p
    return p.resolve(strict=False)


def operator_roots() -> list[Path] | None:
    """Folders listed in ``TSVIZ_DATA_ROOTS`` (``os.pathsep``-separated), resolved; ``None`` when unset.

    An entry that cannot be resolved is skipped with a warning; an empty value gives ``[]``.
    """
    raw = os.environ.get(ROOTS_ENV)
    if raw is None:
        return None
    out = []
    for part in raw.split(os.pathsep):
        if not part.strip():
            continue
        try:
            out.append(_resolve(part.strip()))
        except (RuntimeError, OSError, ValueError):
            log.warning("%s: skipping an entry that cannot be resolved", ROOTS_ENV)
    return out


def data_roots(workspace: Path | None = None) -> list[Path]:
    """The folders the sidebar's *Path* source may read, resolved.

    ``TSVIZ_DATA_ROOTS`` unset: ``<repo>/data`` when it exists, plus ``workspace``. Set: the folders
    it lists, plus ``workspace``. Set to an empty value: none (reading server paths is off).
    """
    listed = operator_roots()
    if listed is not None and not listed:
        return []
    roots = list(listed) if listed is not None else ([repo_data_dir().resolve()] if repo_data_dir().is_dir() else [])
    if workspace is not None:
        roots.append(Path(workspace).resolve())
    return list(dict.fromkeys(roots))


def resolve_allowed(text: str, roots: Sequence[Path]) -> Path:
    """``text`` resolved (``~`` expanded, symlinks followed; relative to the first root) if inside a root.

    The check looks only at the resolved path and the roots, never at whether the path exists, and
    every refusal raises the same :class:`PathNotAllowed` (message :data:`OUTSIDE_ROOTS`).

    Parameters
    ----------
    text : str
        What the user typed.
    roots : sequence of Path
        Allowed folders, already resolved (:func:`data_roots`).

    Returns
    -------
    Path
        The resolved path, inside one of ``roots``.

    Raises
    ------
    PathNotAllowed
        Outside every root, no roots, or not a usable path (NUL byte, ``~nosuchuser``, a symlink loop).
    """
    if not roots or not isinstance(text, str) or not text.strip():
        raise PathNotAllowed()
    try:
        p = _resolve(text.strip(), base=Path(roots[0]))
    except (RuntimeError, OSError, ValueError):
        raise PathNotAllowed() from None
    if not any(p == r or p.is_relative_to(r) for r in roots):
        raise PathNotAllowed()
    return p


# ----------------------------------------------------------------------------- writing
def safe_name(name: str, default: str = "model") -> str:
    """Letters, digits, ``.``, ``_`` and ``-`` only (other runs become ``-``), at most 80 characters."""
    clean = re.sub(r"[^A-Za-z0-9._-]+", "-", str(name)).strip("-.")[:80].strip("-.")
    return clean or default


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and :func:`os.replace`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class CheckpointSlot:
    """A reserved checkpoint name: write ``<staging>.safetensors/.json``; they land at ``final``."""

    name: str
    requested: str
    staging: Path
    final: Path

    @property
    def renamed(self) -> bool:
        """Whether the requested name was taken and a suffix was added."""
        return self.name != self.requested


def _taken(folder: Path, name: str, suffixes: Sequence[str]) -> bool:
    return any((folder / f"{name}{s}").exists() or (folder / f"{name}{s}").is_symlink() for s in suffixes)


def _lock(folder: Path, name: str) -> Path | None:
    lock = folder / f".{name}.lock"
    try:
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return None
    return lock


@contextmanager
def checkpoint_slot(folder: Path, name: str, *, replace: bool = False,
                    suffixes: Sequence[str] = CHECKPOINT_SUFFIXES) -> Iterator[CheckpointSlot]:
    """Reserve ``name`` in ``folder`` (``name-2``, ``name-3``, ... when taken), stage, then publish.

    Inside the ``with`` block write the files at ``slot.staging`` (e.g.
    ``tsviz.models.save(model, slot.staging, {"name": slot.name})``); on a clean exit each file is
    moved to ``folder / slot.name`` with :func:`os.replace` (weights before the card, so a listed
    card always has its weights). On an exception nothing is published. The reservation (an
    exclusive lock file) keeps two sessions from picking the same free name at once.

    Parameters
    ----------
    folder : Path
        Where the checkpoint goes (created).
    name : str
        Requested name (made safe with :func:`safe_name`).
    replace : bool
        Overwrite an existing checkpoint of that name instead of choosing a new name (an explicit
        choice of the user).
    suffixes : sequence of str
        The files of one checkpoint, in publishing order.

    Raises
    ------
    WorkspaceError
        ``replace`` while another session is writing that name, or no free name left.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    base = safe_name(name)
    lock = None
    chosen = base
    if replace:
        lock = _lock(folder, base)
        if lock is None:
            raise WorkspaceError(f"{base} is being saved by another session right now; try again")
    else:
        for k in range(1, MAX_NAME_TRIES + 1):
            chosen = base if k == 1 else f"{base}-{k}"
            if _taken(folder, chosen, suffixes):
                continue
            lock = _lock(folder, chosen)
            if lock is not None and not _taken(folder, chosen, suffixes):
                break
            if lock is not None:
                lock.unlink(missing_ok=True)
                lock = None
        if lock is None:
            raise WorkspaceError(f"no free name like {base}-<k> left in this workspace; choose another name")
    staging_dir = Path(os.path.realpath(folder)) / f".staging-{secrets.token_hex(8)}"
    try:
        staging_dir.mkdir(mode=0o700)
        slot = CheckpointSlot(chosen, base, staging_dir / chosen, folder / chosen)
        yield slot
        missing = [s for s in suffixes if not (staging_dir / f"{chosen}{s}").is_file()]
        if missing:
            raise WorkspaceError(f"{chosen}: nothing written for {missing}")
        for s in suffixes:
            os.replace(staging_dir / f"{chosen}{s}", folder / f"{chosen}{s}")
    finally:
        shutil.rmtree(staging_dir, ignore_errors=True)
        lock.unlink(missing_ok=True)


# ----------------------------------------------------------------------------- the session's workspace
def current() -> Workspace:
    """The workspace of the current Streamlit session (imports streamlit).

    A user logged in through ``st.login`` gets ``u-<hash of e-mail or sub>`` (the same in every
    session of that user); anyone else gets a random ``s-<id>`` kept in ``st.session_state``.
    """
    import streamlit as st

    ident = None
    try:
        user = st.user
        if user.get("is_logged_in") is True:
            ident = user.get("email") or user.get("sub")
    except Exception:  # noqa: BLE001 - no auth configured / no script context: a session workspace
        ident = None
    if ident:
        return Workspace.open(user_workspace_id(str(ident)))
    ss = st.session_state
    if not is_workspace_id(ss.get(SESSION_KEY)) or not str(ss.get(SESSION_KEY)).startswith("s-"):
        ss[SESSION_KEY] = new_session_id()
    return Workspace.open(ss[SESSION_KEY])
