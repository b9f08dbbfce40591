"""The package's import structure (issue 13): no private name imported from another module, no
import cycle between subpackages, streamlit only inside tsviz/ui, pages only through tsviz.ui.

The import graph is read from the source with :mod:`ast` (every ``import``/``from ... import`` in a
module, lazy ones inside functions included), so the checks need nothing installed.
"""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PKG = REPO / "tsviz"


def _modules() -> dict[str, Path]:
    out = {}
    for f in sorted(PKG.rglob("*.py")):
        parts = f.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = f
    return out


def _imports(path: Path) -> list[tuple[str, str | None, int]]:
    """``(module, name or None, line)`` of every tsviz import in ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names if a.name.split(".")[0] == "tsviz"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and \
                node.module.split(".")[0] == "tsviz":
            out += [(node.module, a.name, node.lineno) for a in node.names]
    return out


def _subpackage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_private_name_is_imported_from_another_module():
    bad = []
    for name, path in _modules().items():
        for module, imported, line in _imports(path):
            if module != name and imported is not None and imported.startswith("_") and imported != "__version__":
                bad.append(f"{path.relative_to(REPO)}:{line} imports {imported} from {module}")
            if any(part.startswith("_") and part != "__init__" for part in module.split(".")[1:]):
                bad.append(f"{path.relative_to(REPO)}:{line} imports the private module {module}")
    assert not bad, "\n".join(bad)


def test_no_import_cycle_between_subpackages():
    graph: dict[str, set[str]] = {}
    for name, path in _modules().items():
        src = _subpackage(name)
        if not src:
            continue
        for module, imported, _ in _imports(path):
            dst = _subpackage(module) or (imported or "")
            if dst and dst != src and ((PKG / dst).is_dir() or (PKG / f"{dst}.py").is_file()):
                graph.setdefault(src, set()).add(dst)
    cycles = _cycles(graph)
    assert not cycles, "import cycles between tsviz subpackages:\n" + "\n".join(cycles)


def test_no_import_cycle_between_modules():
    """Every import counts, lazy ones inside functions too (a lazy import hides a cycle, it does not
    remove it); importing a package's ``__init__`` from inside that package is not counted (the
    ``__init__`` re-exports its modules)."""
    mods = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in mods else node.module
                           for a in node.names]
            for t in targets:
                if t in mods and t != name and not name.startswith(t + "."):
                    graph.setdefault(name, set()).add(t)
    cycles = _cycles(graph)
    assert not cycles, "import cycles between tsviz modules:\n" + "\n".join(cycles)


def _cycles(graph: dict[str, set[str]]) -> list[str]:
    cycles: list[str] = []

    def visit(node: str, stack: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in stack:
                cycle = stack[stack.index(nxt):] + [nxt]
                key = " -> ".join(cycle)
                if key not in cycles:
                    cycles.append(key)
            elif len(stack) < 20:
                visit(nxt, stack + [nxt])

    for start in sorted(graph):
        visit(start, [start])
    return cycles


def test_streamlit_only_in_ui_and_pages():
    bad = []
    for name, path in _modules().items():
        if name.startswith("tsviz.ui"):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            mods = ([a.name for a in node.names] if isinstance(node, ast.Import)
                    else [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            bad += [f"{path.relative_to(REPO)}:{node.lineno}" for m in mods if m.split(".")[0] == "streamlit"]
    assert not bad, f"streamlit imported outside tsviz/ui: {bad}"
