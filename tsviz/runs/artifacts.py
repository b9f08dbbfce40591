"""Artifact files of runs and studies under the artifacts root (NPZ, JSON, copied files).

Layout: ``<root>/<run id>/<name>.npz`` / ``.json`` / ``<name><suffix of the copied file>``;
studies keep their signals in ``<root>/studies/<study id>/signals.npz``. Names are checked, not
repaired: letters, digits, ``.``, ``_`` and ``-``, at most ``CAPS['artifact_name']`` characters, not
starting with a dot (so no ``..``, no ``/``, no hidden file). Files are written to a temporary file
in the same folder and moved into place with :func:`os.replace` (a reader never sees half a file).
Every path read back from a row is resolved and checked to lie inside the root. NPZ files are
written by :func:`numpy.savez_compressed` (object arrays refused) and read with
``allow_pickle=False`` after their uncompressed size is checked against ``CAPS['artifact_bytes']``.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import zipfile
from pathlib import Path
from typing import Any

from tsviz.runs.constants import CAPS
from tsviz.runs.errors import RunStoreError
from tsviz.runs.jsonsafe import to_json

__all__ = ["check_name", "check_id", "run_dir", "inside", "write_npz", "write_json", "copy_file", "read_npz",
           "read_json", "sha256_file", "remove_tree"]

_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")
_ID = re.compile(r"^[0-9a-f]{32}$")
_ARRAY_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,79}$")


def check_name(name: Any, what: str = "artifact name") -> str:
    """``name`` if it is a safe artifact name, else :class:`RunStoreError` (shows at most 40 characters)."""
    if not isinstance(name, str):
        raise RunStoreError(f"{what} must be text, got {type(name).__name__}")
    if not name or len(name) > CAPS["artifact_name"] or not _NAME.match(name) or ".." in name:
        raise RunStoreError(f"{what} {name[:40]!r}{'...' if len(name) > 40 else ''} ({len(name)} characters) must be "
                            f"1-{CAPS['artifact_name']} letters, digits, '.', '_' or '-', not starting with '.' "
                            "and without '..' or '/'")
    return name


def check_id(value: Any, what: str = "run id") -> str:
    """A 32-hex-digit id (lower case), else :class:`RunStoreError`."""
    if not isinstance(value, str) or not _ID.match(value.strip().lower()):
        shown = value[:40] if isinstance(value, str) else type(value).__name__
        raise RunStoreError(f"{what} must be 32 hexadecimal digits, got {shown!r}")
    return value.strip().lower()


def inside(root: Path, rel: str) -> Path:
    """``root / rel`` resolved, refused unless it lies inside ``root`` (a tampered row, a symlink out)."""
    root_r = Path(root).resolve()
    path = (root_r / rel).resolve()
    if path != root_r and root_r not in path.parents:
        raise RunStoreError(f"artifact path {str(rel)[:80]!r} lies outside the artifacts root {root_r}")
    return path


def run_dir(root: Path, owner: str) -> Path:
    """``<root>/<owner>`` (``owner``: a run id or ``studies/<id>``), created (mode 0700 when new)."""
    path = inside(root, owner)
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise RunStoreError(f"artifacts folder {path} cannot be created: {exc.strerror or exc}") from None
    return path


def _atomic(dest: Path, write) -> int:
    tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(tmp, "xb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        size = tmp.stat().st_size
        if size > CAPS["artifact_bytes"]:
            raise RunStoreError(f"artifact {dest.name} is {size:,} bytes, over the cap of {CAPS['artifact_bytes']:,}")
        os.replace(tmp, dest)
        return size
    except OSError as exc:
        raise RunStoreError(f"artifact {dest} cannot be written: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_npz(folder: Path, name: str, arrays: dict[str, Any]) -> Path:
    """``<folder>/<name>.npz`` from ``arrays`` (numeric, bool or text arrays; no objects, nothing pickled).

    Raises
    ------
    RunStoreError
        No arrays; a key that is not an identifier; an object array or a value numpy cannot make
        a plain array of; a total size over ``CAPS['artifact_bytes']``.
    """
    import numpy as np

    check_name(name)
    if not arrays:
        raise RunStoreError(f"artifact {name!r}: give at least one array (save_arrays(name, x=...))")
    clean: dict[str, np.ndarray] = {}
    total = 0
    for key, value in arrays.items():
        if not isinstance(key, str) or not _ARRAY_KEY.match(key):
            raise RunStoreError(f"artifact {name!r}: array key {str(key)[:40]!r} must be an identifier")
        try:
            arr = np.asarray(value.detach().cpu().numpy() if hasattr(value, "detach") else value)
        except Exception as exc:  # noqa: BLE001 - ragged lists, odd objects: one clear message
            raise RunStoreError(f"artifact {name!r}: {key} is not an array ({type(exc).__name__})") from None
        if arr.dtype.kind not in "biufcUS":
            raise RunStoreError(f"artifact {name!r}: {key} has dtype {arr.dtype}; only numeric, bool and text arrays "
                                "are stored (nothing is pickled)")
        total += arr.nbytes
        if total > CAPS["artifact_bytes"]:
            raise RunStoreError(f"artifact {name!r} holds over {CAPS['artifact_bytes']:,} bytes of arrays (the cap)")
        clean[key] = arr
    dest = folder / f"{name}.npz"
    _atomic(dest, lambda f: np.savez_compressed(f, allow_pickle=False, **clean))
    return dest


def write_json(folder: Path, name: str, obj: Any) -> Path:
    """``<folder>/<name>.json`` (non-finite numbers become ``null``; see :mod:`tsviz.runs.jsonsafe`)."""
    check_name(name)
    text = json.dumps(to_json(obj, f"artifact {name!r}", nonfinite="null"), allow_nan=False, ensure_ascii=False)
    data = text.encode("utf-8")
    if len(data) > CAPS["artifact_bytes"]:
        raise RunStoreError(f"artifact {name!r} is {len(data):,} bytes of JSON, over the cap of "
                            f"{CAPS['artifact_bytes']:,}")
    dest = folder / f"{name}.json"
    _atomic(dest, lambda f: f.write(data))
    return dest


def copy_file(folder: Path, name: str, src: Any) -> Path:
    """A copy of the regular file ``src`` as ``<folder>/<name><suffix of src>`` (size-capped)."""
    check_name(name)
    if not isinstance(src, (str, os.PathLike)) or "\x00" in str(src):
        raise RunStoreError(f"artifact {name!r}: src must be a file path, got {type(src).__name__}")
    path = Path(src)
    try:
        if not path.is_file():
            raise RunStoreError(f"artifact {name!r}: {str(path)[:200]} is not a regular file")
        size = path.stat().st_size
    except OSError as exc:
        raise RunStoreError(f"artifact {name!r}: {str(path)[:200]} cannot be read: {exc.strerror or exc}") from None
    if size > CAPS["artifact_bytes"]:
        raise RunStoreError(f"artifact {name!r}: {path.name} is {size:,} bytes, over the cap of "
                            f"{CAPS['artifact_bytes']:,}")
    suffix = path.suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,12}", path.suffix) else ""
    dest = folder / (name if name.endswith(suffix) else f"{name}{suffix}")

    def write(f: Any) -> None:
        with open(path, "rb") as s:
            shutil.copyfileobj(s, f, 1 << 20)

    _atomic(dest, write)
    return dest


def read_npz(path: Path) -> dict[str, Any]:
    """The arrays of an NPZ artifact (``allow_pickle=False``; uncompressed size checked first)."""
    import numpy as np

    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(i.file_size for i in zf.infolist())
        if total > CAPS["artifact_bytes"]:
            raise RunStoreError(f"artifact {path.name} holds {total:,} bytes uncompressed, over the cap of "
                                f"{CAPS['artifact_bytes']:,}")
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except RunStoreError:
        raise
    except FileNotFoundError:
        raise RunStoreError(f"artifact file {path} is missing (deleted by hand?)") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise RunStoreError(f"artifact file {path} cannot be read as NPZ ({type(exc).__name__})") from None


def read_json(path: Path) -> Any:
    """The value of a JSON artifact (size-capped)."""
    try:
        if path.stat().st_size > CAPS["artifact_bytes"]:
            raise RunStoreError(f"artifact file {path} is over the cap of {CAPS['artifact_bytes']:,} bytes")
        return json.loads(path.read_text(encoding="utf-8"))
    except RunStoreError:
        raise
    except FileNotFoundError:
        raise RunStoreError(f"artifact file {path} is missing (deleted by hand?)") from None
    except (OSError, ValueError) as exc:
        raise RunStoreError(f"artifact file {path} cannot be read as JSON ({type(exc).__name__})") from None


def remove_tree(root: Path, owner: str) -> None:
    """Remove ``<root>/<owner>`` if it exists (checked to lie inside the root)."""
    path = inside(root, owner)
    if path == Path(root).resolve():
        raise RunStoreError("refusing to remove the artifacts root itself")
    shutil.rmtree(path, ignore_errors=True)
