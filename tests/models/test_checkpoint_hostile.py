"""Hostile checkpoints (issue 12): every case is refused with a CheckpointError naming the file and
the key, before anything sized by the files is allocated; FIFOs and devices never block."""
from __future__ import annotations

import json
import os
import struct
import threading
from pathlib import Path

import pytest
import torch
from safetensors.torch import save as st_bytes

from tsviz.models import CheckpointError, build, list_pretrained, load, read_card, save
from tsviz.models.card_schema import (
    ARCH_HPARAMS,
    COMMON_HPARAMS,
    MAX_CARD_BYTES,
    MAX_HEADER_BYTES,
    MAX_JSON_DEPTH,
    MAX_PARAMETERS,
)
from tsviz.models.checkpoint import checkpoint_paths

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="os.mkfifo is POSIX only")


@pytest.fixture()
def ckpt(tmp_path):
    """A small valid checkpoint: (stem, weights path, card path, card dict, state dict)."""
    m = build("resnet", 1, 3, 24, seed=0, n_filters=4, kernel_sizes=[3])
    save(m, tmp_path / "m")
    w, c = checkpoint_paths(tmp_path / "m")
    return tmp_path / "m", w, c, json.loads(c.read_text()), {k: v.clone() for k, v in m.state_dict().items()}


def _card(ckpt, **hparams):
    stem, _, c, card, _ = ckpt
    c.write_text(json.dumps({**card, "hparams": {**card["hparams"], **hparams}}))
    return stem


def _refused(path, *words):
    with pytest.raises(CheckpointError) as info:
        load(path)
    msg = str(info.value)
    for w in words:
        assert w in msg, msg
    return msg


def test_valid_checkpoint_loads(ckpt):
    stem, w, c, card, state = ckpt
    m = load(stem)
    assert m.card["arch"] == "resnet" and all(torch.equal(m.state_dict()[k], state[k]) for k in state)
    assert not m.training and all(p.device.type == "cpu" and p.requires_grad for p in m.parameters())


# ------------------------------------------------------------------------------- card: sizes
def test_huge_n_blocks_refused_from_the_card(ckpt):
    stem, _, c, card, _ = ckpt
    c.write_text(json.dumps({**card, "arch": "kachuee",
                             "hparams": {"in_channels": 1, "n_classes": 3, "length": 187, "n_blocks": 10**6}}))
    _refused(stem, "m.json", "n_blocks", "[1, 32]")


def test_n_filters_3000_refused(ckpt):
    _refused(_card(ckpt, n_filters=3000), "m.json", "n_filters")


@pytest.mark.parametrize("value", [1e9, 10**9, 0, -1, 2**64])
def test_in_channels_out_of_range_refused(ckpt, value):
    _refused(_card(ckpt, in_channels=value), "m.json", "in_channels")


def test_parameter_cap_counted_from_the_card(ckpt):
    """Every field in range, the whole too big: counted on the meta device, refused."""
    msg = _refused(_card(ckpt, n_filters=1024, kernel_sizes=[512, 512, 512]), "m.json", "parameters",
                   f"{MAX_PARAMETERS:,}")
    assert "resnet" in msg
    stem, _, c, card, _ = ckpt
    c.write_text(json.dumps({**card, "arch": "mlp", "hparams": {"in_channels": 4096, "n_classes": 3,
                                                                "length": 1_000_000}}))
    _refused(stem, "parameters")


def test_cross_field_rules_refused(ckpt):
    stem, _, c, card, _ = ckpt
    c.write_text(json.dumps({**card, "arch": "fcn", "hparams": {"in_channels": 1, "n_classes": 3, "length": 24,
                                                                "n_filters": [4, 4], "kernel_sizes": [3]}}))
    _refused(stem, "kernel_sizes")
    c.write_text(json.dumps({**card, "arch": "kachuee", "hparams": {"in_channels": 1, "n_classes": 3, "length": 24}}))
    _refused(stem, "length")


# ------------------------------------------------------------------------------ card: schema
@pytest.mark.parametrize("content, words", [
    ("[1, 2]", "JSON object"),
    ('"a string"', "JSON object"),
    ("null", "JSON object"),
    ("{not json", "not valid JSON"),
    ("", "not valid JSON"),
    ('{"format": "tsviz-checkpoint/1", "arch": "resnet", "hparams": {"in_channels": ' + "9" * 5000 + "}}",
     "not valid JSON"),
])
def test_card_not_an_object(ckpt, content, words):
    stem, _, c, _, _ = ckpt
    c.write_text(content)
    _refused(stem, "m.json", words)


def test_non_utf8_card(ckpt):
    stem, _, c, _, _ = ckpt
    c.write_bytes(b'{"arch": "resnet\xff\xfe"}')
    _refused(stem, "m.json", "UTF-8")


def test_deeply_nested_card(ckpt):
    stem, _, c, card, _ = ckpt
    c.write_text("[" * 100_000 + "]" * 100_000)
    _refused(stem, "m.json", "nested deeper")
    deep = json.loads("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    c.write_text(json.dumps({**card, "notes": deep}))
    _refused(stem, "m.json", "nested deeper")
    c.write_text(json.dumps({**card, "notes": {"a": {"b": [1, [2, [3]]]}}}))
    load(stem)  # free fields may nest a little


@pytest.mark.parametrize("hparams, key", [
    ({"in_channels": True}, "in_channels"),
    ({"n_filters": True}, "n_filters"),
    ({"n_filters": 4.0}, "n_filters"),
    ({"length": 24.5}, "length"),
    ({"n_classes": 1}, "n_classes"),
    ({"n_classes": "3"}, "n_classes"),
    ({"kernel_sizes": 3}, "kernel_sizes"),
    ({"kernel_sizes": [3.0]}, "kernel_sizes"),
    ({"kernel_sizes": [True]}, "kernel_sizes"),
    ({"kernel_sizes": []}, "kernel_sizes"),
    ({"kernel_sizes": [3] * 17}, "kernel_sizes"),
    ({"bogus": 1}, "bogus"),
])
def test_bad_hparams(ckpt, hparams, key):
    _refused(_card(ckpt, **hparams), "m.json", key)


def test_non_finite_and_bool_floats(ckpt):
    stem, _, c, card, _ = ckpt
    base = {"in_channels": 1, "n_classes": 3, "length": 24}
    for text in ("NaN", "Infinity", "1e999", "true", "1.0"):
        c.write_text(json.dumps({**card, "arch": "lstm_fcn", "hparams": {**base, "dropout": "X"}})
                     .replace('"X"', text))
        _refused(stem, "m.json", "dropout")


def test_card_missing_keys_unknown_arch_and_format(ckpt):
    stem, _, c, card, _ = ckpt
    for drop in ("format", "arch", "hparams"):
        c.write_text(json.dumps({k: v for k, v in card.items() if k != drop}))
        _refused(stem, "m.json", drop)
    for arch in ("vgg", 3, None, ["resnet"], "RESNET"):
        c.write_text(json.dumps({**card, "arch": arch}))
        _refused(stem, "m.json", "architecture")
    c.write_text(json.dumps({**card, "format": "something/9"}))
    _refused(stem, "m.json", "format")
    c.write_text(json.dumps({**card, "hparams": [1, 2]}))
    _refused(stem, "m.json", "hparams")
    c.write_text(json.dumps({**card, "hparams": {"in_channels": 1}}))
    _refused(stem, "m.json", "n_classes")


def test_card_over_size_cap(ckpt):
    stem, _, c, card, _ = ckpt
    c.write_text(json.dumps({**card, "notes": "x" * MAX_CARD_BYTES}))
    _refused(stem, "m.json", "cap")


# ---------------------------------------------------------------------------- weights: header
def _weights(ckpt, data: bytes):
    stem, w, *_ = ckpt
    w.write_bytes(data)
    return stem


def _header(data: bytes) -> tuple[dict, bytes]:
    n = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8:8 + n]), data[8 + n:]


def _with_header(header: dict, body: bytes) -> bytes:
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + body


def test_card_weight_mismatch_is_a_checkpoint_error(ckpt):
    _refused(_card(ckpt, n_filters=5), "m.safetensors", "shape", "needs")
    _refused(_card(ckpt, n_classes=4), "m.safetensors", "'head.weight'", "shape")
    stem, w, _, _, state = ckpt
    _card(ckpt)
    _refused(_weights(ckpt, st_bytes({**state, "extra.weight": torch.zeros(2)})), "m.safetensors", "extra.weight")
    state.pop("head.bias")
    _refused(_weights(ckpt, st_bytes(state)), "m.safetensors", "head.bias")


def test_weights_of_a_much_larger_network_refused_before_reading(ckpt):
    big = build("resnet", 1, 3, 24, n_filters=64)
    _refused(_weights(ckpt, st_bytes(big.state_dict())), "m.safetensors", "cap", "needs")


def test_int64_and_float64_weights_refused(ckpt):
    stem, _, _, _, state = ckpt
    _refused(_weights(ckpt, st_bytes({**state, "head.weight": state["head.weight"].to(torch.int64)})),
             "m.safetensors", "'head.weight'", "I64", "F32")
    _refused(_weights(ckpt, st_bytes({**state, "head.weight": state["head.weight"].double()})),
             "m.safetensors", "'head.weight'", "F64")
    bn = next(k for k in state if k.endswith("num_batches_tracked"))
    _refused(_weights(ckpt, st_bytes({**state, bn: state[bn].float()})), bn, "I64")


@pytest.mark.parametrize("key, value, words", [
    ("head.weight", float("nan"), "NaN or infinite"),
    ("head.bias", float("inf"), "NaN or infinite"),
    ("normalize.mean", float("-inf"), "NaN or infinite"),
    ("normalize.std", float("nan"), "NaN or infinite"),
    ("normalize.std", 0.0, "> 0"),
    ("normalize.std", -1.0, "> 0"),
])
def test_non_finite_weights_and_bad_std(ckpt, key, value, words):
    state = ckpt[4]
    t = state[key].clone()
    t.view(-1)[0] = value
    _refused(_weights(ckpt, st_bytes({**state, key: t})), "m.safetensors", repr(key), words)


def test_negative_running_variance(ckpt):
    state = ckpt[4]
    key = next(k for k in state if k.endswith("running_var"))
    _refused(_weights(ckpt, st_bytes({**state, key: -state[key]})), repr(key), "negative")


def test_truncated_and_garbage_weights(ckpt):
    raw = ckpt[1].read_bytes()
    for data in (b"", raw[:5], raw[:8], raw[:100], raw[: len(raw) // 2], raw[:-1], b"garbage" * 10):
        _refused(_weights(ckpt, data), "m.safetensors")
    _refused(_weights(ckpt, raw + b"\0" * 16), "m.safetensors", "after the last tensor")


def test_huge_header_length(ckpt):
    raw = ckpt[1].read_bytes()
    for n in (2**63, MAX_HEADER_BYTES + 1):
        _refused(_weights(ckpt, struct.pack("<Q", n) + raw[8:]), "m.safetensors", "header length")
    _refused(_weights(ckpt, struct.pack("<Q", len(raw)) + raw[8:]), "m.safetensors", "truncated")


def test_header_lying_about_sizes(ckpt):
    raw = ckpt[1].read_bytes()
    header, body = _header(raw)
    for change in ([0, 4], [-4, 0], [4, 4]):
        h = json.loads(json.dumps(header))
        h["head.weight"]["data_offsets"] = [a + b for a, b in zip(h["head.weight"]["data_offsets"], change)]
        _refused(_weights(ckpt, _with_header(h, body)), "m.safetensors", "'head.weight'")
    # two tensors claiming the same bytes
    h = json.loads(json.dumps(header))
    h["head.bias"]["data_offsets"] = list(h["normalize.mean"]["data_offsets"])
    _refused(_weights(ckpt, _with_header(h, body)), "m.safetensors")
    for bad in ("nope", [1, 2, 3], [True, 4], None):
        h = json.loads(json.dumps(header))
        h["head.weight"]["data_offsets"] = bad
        _refused(_weights(ckpt, _with_header(h, body)), "'head.weight'")
    h = json.loads(json.dumps(header))
    h["head.weight"]["shape"] = [True, 4]
    _refused(_weights(ckpt, _with_header(h, body)), "'head.weight'", "shape")


def test_header_not_an_object_or_nested(ckpt):
    raw = ckpt[1].read_bytes()
    _, body = _header(raw)
    for h in (b"[1, 2]", b"\xff\xfe", b"[" * 50_000 + b"]" * 50_000, b"{nope"):
        _refused(_weights(ckpt, struct.pack("<Q", len(h)) + h + body), "m.safetensors")


def test_pickle_as_weights_is_not_unpickled(ckpt):
    stem, w, _, _, state = ckpt
    torch.save(state, w)
    _refused(stem, "m.safetensors")


def test_metadata_arch_must_match_the_card(ckpt):
    raw = ckpt[1].read_bytes()
    header, body = _header(raw)
    header["__metadata__"] = {"format": "tsviz-checkpoint/1", "arch": "fcn"}
    _refused(_weights(ckpt, _with_header(header, body)), "m.safetensors", "'fcn'")


# ------------------------------------------------------------------------- files: kinds, paths
def _run_with_guard(fn, fifo: Path):
    """Run ``fn`` in a thread; if it were stuck opening the FIFO for reading, unblock it by
    opening the write end (which succeeds only while a reader waits) so the test still ends."""
    out = {}

    def target():
        try:
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001
            out["error"] = exc

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(30)
    blocked = t.is_alive()
    if blocked:
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        t.join(30)
    assert not blocked, "opening a FIFO named like a checkpoint blocked"
    return out


@needs_fifo
@pytest.mark.parametrize("which", ["card", "weights"])
def test_fifo_never_blocks(ckpt, which):
    stem, w, c, _, _ = ckpt
    target = c if which == "card" else w
    target.unlink()
    os.mkfifo(target)
    out = _run_with_guard(lambda: load(stem), target)
    assert isinstance(out.get("error"), CheckpointError), out
    assert "FIFO" in str(out["error"]) and target.name in str(out["error"])
    if which == "card":
        out = _run_with_guard(lambda: read_card(stem), target)
        assert isinstance(out.get("error"), CheckpointError) and "FIFO" in str(out["error"])


@needs_fifo
def test_list_pretrained_skips_bad_cards_without_blocking(ckpt, tmp_path, monkeypatch, caplog):
    stem, w, c, card, _ = ckpt
    zoo = tmp_path / "zoo"
    zoo.mkdir()
    (zoo / "good.json").write_text(json.dumps(card))
    (zoo / "good.safetensors").write_bytes(w.read_bytes())
    os.mkfifo(zoo / "fifo.json")
    (zoo / "junk.json").write_text("[" * 10_000)
    (zoo / "dir.json").mkdir()
    (zoo / "list.json").write_text("[1]")
    monkeypatch.setenv("TSVIZ_ZOO_DIR", str(zoo))
    out = _run_with_guard(list_pretrained, zoo / "fifo.json")
    assert [x["name"] for x in out["value"]] == ["good"]
    assert "fifo.json" in caplog.text and "junk.json" in caplog.text


def test_directory_and_device_refused(ckpt, tmp_path):
    stem, w, c, _, _ = ckpt
    c.unlink()
    c.mkdir()
    _refused(stem, "m.json", "directory")
    c.rmdir()
    if Path("/dev/zero").exists():
        c.symlink_to("/dev/zero")
        _refused(stem, "m.json", "device")
        c.unlink()
    w.unlink()
    w.mkdir()
    c.write_text(json.dumps(ckpt[3]))
    _refused(stem, "m.safetensors", "directory")


def test_symlinks_to_regular_files_load_dangling_ones_do_not(ckpt, tmp_path):
    stem, w, c, _, _ = ckpt
    (tmp_path / "link.json").symlink_to(c)
    (tmp_path / "link.safetensors").symlink_to(w)
    assert load(tmp_path / "link").card["arch"] == "resnet"
    (tmp_path / "dangling.json").symlink_to(tmp_path / "nowhere.json")
    with pytest.raises(CheckpointError, match="not found"):
        load(tmp_path / "dangling")


@pytest.mark.parametrize("path", ["", "/", "~nosuchuser-tsviz/x", "a\0b"])
def test_odd_paths(path):
    with pytest.raises(CheckpointError):
        load(path)
    with pytest.raises(CheckpointError):
        read_card(path)


def test_missing_weights(ckpt):
    stem, w, *_ = ckpt
    w.unlink()
    _refused(stem, "m.safetensors", "not found")


# --------------------------------------------------------------------------------------- save
def test_save_is_atomic_and_leaves_no_temporary_files(ckpt, tmp_path):
    stem, w, c, _, _ = ckpt
    m = build("resnet", 1, 3, 24, seed=1, n_filters=4, kernel_sizes=[3])
    save(m, stem)  # overwrite in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "m.safetensors"]
    assert torch.equal(load(stem).head.weight, m.head.weight)


def test_save_refuses_what_load_would_refuse(tmp_path):
    m = build("mlp", 1, 2, 16, hidden=[], out_dim=20_000)
    with pytest.raises(CheckpointError, match="out_dim"):
        save(m, tmp_path / "big")
    assert not list(tmp_path.iterdir())


def test_save_write_failure_is_a_checkpoint_error(tmp_path):
    (tmp_path / "m.json").mkdir()  # the card path is taken by a folder
    with pytest.raises(CheckpointError, match="cannot write"):
        save(build("mlp", 1, 2, 16), tmp_path / "m")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# ---------------------------------------------------------------------------------- the schema
def test_schema_matches_the_backbones():
    """Every backbone hyperparameter has a documented range, and every default is inside it."""
    from tsviz.models import ARCHITECTURES, arch_hparams
    from tsviz.models.card_schema import check_hparams

    assert set(ARCH_HPARAMS) == set(ARCHITECTURES)
    for arch in ARCHITECTURES:
        defaults = arch_hparams(arch)
        assert set(ARCH_HPARAMS[arch]) == set(defaults), arch
        hp = {"in_channels": 1, "n_classes": 5, "length": 187,
              **{k: list(v) if isinstance(v, tuple) else v for k, v in defaults.items()}}
        assert check_hparams(arch, hp, "x") == hp
    assert set(COMMON_HPARAMS) == {"in_channels", "n_classes", "length"}
