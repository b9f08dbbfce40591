"""Package hygiene: light imports, public API names, no print/global seeding in the library."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_import_tsviz_is_light():
    code = ("import sys, tsviz, tsviz.data, tsviz.models, tsviz.training, tsviz.cli; "
            "bad = [m for m in ('streamlit', 'plotly', 'captum') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


@pytest.mark.parametrize("module, names", [
    ("tsviz.data", ["load", "Dataset", "DataError"]),
    ("tsviz.models", ["build", "save", "load", "pretrained", "list_pretrained"]),
    ("tsviz.training", ["fit"]),
])
def test_contract_names(module, names):
    import importlib

    mod = importlib.import_module(module)
    for n in names:
        assert hasattr(mod, n) and n in mod.__all__


def _library_sources():
    return [p for p in (REPO / "tsviz").rglob("*.py") if "ui" not in p.relative_to(REPO / "tsviz").parts]


def test_library_rules():
    offenders = []
    for p in _library_sources():
        text = p.read_text()
        rel = p.relative_to(REPO)
        if re.search(r"^\s*(import streamlit|from streamlit)", text, re.M):
            offenders.append(f"{rel}: imports streamlit")
        if p.name not in ("cli.py", "__main__.py") and re.search(r"\bprint\(", text):
            offenders.append(f"{rel}: print()")
        for m in re.finditer(r"torch\.load\(([^)]*)\)", text):
            if "weights_only=True" not in m.group(1):
                offenders.append(f"{rel}: torch.load without weights_only=True")
        if re.search(r"torch\.manual_seed\(|np\.random\.seed\(", text):
            offenders.append(f"{rel}: global seeding")
    assert not offenders, offenders
