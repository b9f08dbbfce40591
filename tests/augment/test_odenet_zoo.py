"""Shipped ODENets (tsviz.augment.zoo, issue 18): the synthetic-ecg one is there, its card says how it
was fitted and how well it fits the test split (and is right about it), it loads with the library's
loader; TSVIZ_ZOO_DIR moves the zoo; an unreadable card is skipped; the build writes the same card."""
from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from tsviz.augment import (
    ODENET_ZOO,
    ODENet,
    derivative,
    list_shipped_odenets,
    load_odenet,
    odenet_quality,
    shipped_odenet_path,
)
from tsviz.augment.zoo import BUILD_COMMAND, OdeZooEntry, odenet_stem, odenet_zoo_dir

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "assets" / "models" / "odenets" / "synthetic-ecg--odenet"

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(autouse=True)
def _repo_zoo(monkeypatch):
    monkeypatch.delenv("TSVIZ_ZOO_DIR", raising=False)


@pytest.fixture(scope="module")
def card() -> dict:
    return json.loads(SHIPPED.with_suffix(".json").read_text())


@pytest.fixture(scope="module")
def ecg():
    from tsviz.data import load

    return load("synthetic-ecg")


def _copy_shipped(folder: Path) -> None:
    (folder / "odenets").mkdir(parents=True, exist_ok=True)
    for suffix in (".json", ".safetensors"):
        shutil.copy(SHIPPED.with_suffix(suffix), folder / "odenets" / f"synthetic-ecg--odenet{suffix}")


def test_the_synthetic_ecg_odenet_is_shipped():
    path = shipped_odenet_path("synthetic-ecg")
    assert path is not None and path == SHIPPED and path.parent == odenet_zoo_dir()
    assert path.with_suffix(".json").is_file() and path.with_suffix(".safetensors").is_file()
    assert [e.dataset for e in ODENET_ZOO] == ["synthetic-ecg"] and odenet_stem("synthetic-ecg") == path.name


def test_its_card_states_the_data_the_fit_and_the_quality(card, ecg):
    entry = next(e for e in ODENET_ZOO if e.dataset == "synthetic-ecg")
    assert card["arch"] == "odenet" and card["name"] == "synthetic-ecg--odenet" and card["build"] == BUILD_COMMAND
    assert card["dataset"] == "synthetic-ecg" and card["dataset_fingerprint"] == ecg.fingerprint()
    assert card["unit"] == ecg.unit
    fit = card["fit"]
    assert card["epochs"] == fit["epochs"] == entry.epochs
    assert (fit["seed"], fit["batch_size"], fit["max_pairs"], fit["method"]) == \
        (entry.seed, entry.batch_size, entry.max_pairs, entry.method)
    assert fit["n_pairs"] == min(entry.max_pairs, ecg.X_train.shape[0] * (ecg.length - 1))
    q = card["quality"]
    assert q["split"] == "test" and q["n_series"] == len(ecg.y_test)
    assert q["n_pairs"] == len(ecg.y_test) * (ecg.length - 1)
    assert all(math.isfinite(q[k]) and q[k] > 0 for k in ("loss_ratio", "relative_rmse"))
    hist = card["history"]
    assert len(hist) == card["epochs"] and hist[-1] == pytest.approx(card["final_loss"])
    assert all(math.isfinite(v) for v in hist) and hist[-1] < hist[0] < 1.0  # better than "no change"


def test_it_loads_and_its_card_is_right_about_its_quality(card, ecg):
    net = load_odenet(shipped_odenet_path("synthetic-ecg"))
    assert isinstance(net, ODENet) and not net.training and net.card["arch"] == "odenet"
    assert sum(p.numel() for p in net.parameters()) == card["n_parameters"]
    d = derivative(net, ecg.X_test[:3])
    assert d.shape == (3, 1, ecg.length) and bool(np.isfinite(d.numpy()).all())
    q = odenet_quality(net, ecg.X_test)  # the numbers the page shows are measured, not made up
    assert q.loss_ratio == pytest.approx(card["quality"]["loss_ratio"], rel=1e-4)
    assert q.relative_rmse == pytest.approx(card["quality"]["relative_rmse"], rel=1e-4)


def test_no_shipped_odenet_for_another_dataset():
    assert shipped_odenet_path("cbf") is None
    assert shipped_odenet_path("csv:/somewhere/else.csv") is None
    assert [c["dataset"] for c in list_shipped_odenets()] == ["synthetic-ecg"]


def test_tsviz_zoo_dir_moves_the_shipped_odenets(monkeypatch, tmp_path):
    monkeypatch.setenv("TSVIZ_ZOO_DIR", str(tmp_path / "zoo"))
    assert odenet_zoo_dir() == tmp_path / "zoo" / "odenets"
    assert shipped_odenet_path("synthetic-ecg") is None and list_shipped_odenets() == []
    _copy_shipped(tmp_path / "zoo")
    assert shipped_odenet_path("synthetic-ecg") == tmp_path / "zoo" / "odenets" / "synthetic-ecg--odenet"
    (listed,) = list_shipped_odenets()
    assert listed["path"] == str(tmp_path / "zoo" / "odenets" / "synthetic-ecg--odenet")
    # both files are needed
    (tmp_path / "zoo" / "odenets" / "synthetic-ecg--odenet.safetensors").unlink()
    assert shipped_odenet_path("synthetic-ecg") is None


def test_an_unreadable_card_is_skipped(monkeypatch, tmp_path):
    monkeypatch.setenv("TSVIZ_ZOO_DIR", str(tmp_path))
    _copy_shipped(tmp_path)
    folder = tmp_path / "odenets"
    (folder / "broken--odenet.json").write_text('{"arch": "odenet", ')
    (folder / "latin1--odenet.json").write_bytes(b'{"arch": "odenet", "name": "\xe9"}')
    (folder / "deep--odenet.json").write_text("[" * 500 + "]" * 500)
    (folder / "list--odenet.json").write_text('["odenet"]')
    (folder / "resnet--odenet.json").write_text('{"arch": "resnet"}')
    (folder / "folder--odenet.json").mkdir()
    assert [c["name"] for c in list_shipped_odenets()] == ["synthetic-ecg--odenet"]


def test_the_build_writes_the_card_the_page_reads(monkeypatch, tmp_path):
    """``python -m tsviz train --zoo --only odenet`` fits each ODENET_ZOO entry with
    fit_zoo_odenet; here a 1-epoch entry on CBF into a temporary zoo."""
    from tsviz.training.zoo_build import fit_zoo_odenet, select_odenets, select_zoo

    assert select_odenets(["odenet"]) == list(ODENET_ZOO) and select_zoo(["odenet"]) == []
    fit_zoo_odenet(OdeZooEntry("cbf", epochs=1, max_pairs=2000), tmp_path)
    monkeypatch.setenv("TSVIZ_ZOO_DIR", str(tmp_path))
    stem = shipped_odenet_path("cbf")
    assert stem == tmp_path / "odenets" / "cbf--odenet"
    card = json.loads(stem.with_suffix(".json").read_text())
    assert card["arch"] == "odenet" and card["epochs"] == 1 and len(card["history"]) == 1
    assert card["quality"]["split"] == "test" and card["build"] == BUILD_COMMAND
    assert card["fit"]["n_pairs"] == 2000 and isinstance(card["dataset_fingerprint"], str)
    assert load_odenet(stem).card["dataset"] == "cbf"
