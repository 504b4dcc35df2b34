import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("HEBNEWS_DATA_DIR", ROOT.parent / "shared" / "data"))
MODEL_DIR = ROOT / "models" / "hebnews-ner"
SEED = ROOT / "seeds" / "alaska_summit_2025-08-15.he.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# what precision="auto" means for the suite: fp32, so that expected outputs and the fp32 parity
# tests hold on any CPU (with AMX-BF16 auto would pick bf16); HEBNEWS_PRECISION=bf16 pytest runs
# the suite in bf16 on purpose. tests/test_precision.py checks auto itself.
os.environ.setdefault("HEBNEWS_PRECISION", "fp32")


@pytest.fixture(scope="session")
def data_dir():
    if not (DATA_DIR / "README.md").exists():
        pytest.skip(f"corpus data not found at {DATA_DIR} (a user's clone has no ../shared; CI has it)")
    return DATA_DIR


@pytest.fixture(scope="session")
def annotator():
    from pipeline import Annotator

    if not (MODEL_DIR / "config.json").exists():
        pytest.skip(f"no trained model at {MODEL_DIR}")
    return Annotator.load(MODEL_DIR, device="cpu")


def assert_offsets(doc_dict):
    """The contract: text[start:end] == span text for every layer."""
    text = doc_dict["text"]
    for layer in ("tokens", "entities"):
        for item in doc_dict[layer]:
            assert text[item["start"]:item["end"]] == item["text"], (layer, item)
    for s in doc_dict["sentences"]:
        assert 0 <= s["start"] < s["end"] <= len(text)
