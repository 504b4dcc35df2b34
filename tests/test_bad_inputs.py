"""The bad-input corpus (tests/fixtures/bad_inputs, expectations in expected.json), in one batch
run through the CLI: readable inputs give valid documents, the rest one clear line each."""
import json

import pytest

from hebnews.document import validate

from .conftest import FIXTURES, MODEL_DIR, assert_offsets

CORPUS = FIXTURES / "bad_inputs"
CASES = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.skipif(not (MODEL_DIR / "config.json").exists(), reason="no trained model")
def test_bad_input_corpus(tmp_path, cli):
    out = tmp_path / "out"
    files = [str(CORPUS / name) for name in CASES]
    r = cli("annotate", *files, "-o", str(out))
    errors = [ln for ln in r.stderr.decode().splitlines() if ln.startswith("hebnews: error: ")]
    assert r.returncode == 1
    for name, case in CASES.items():
        stem = name.rsplit(".", 1)[0]
        target = out / f"{stem}.json"
        if case["expect"] == "ok":
            assert target.exists(), (name, r.stderr.decode())
            doc = json.loads(target.read_text(encoding="utf-8"))
            validate(doc)
            assert_offsets(doc)
            if "text" in case:
                assert doc["text"] == case["text"], name
            if "encoding" in case:
                assert doc["meta"].get("encoding") == case["encoding"], name
            if case.get("input_format") == "html":
                assert doc["meta"]["input_format"] == "html" and "<p>" not in doc["text"]
        else:
            assert not target.exists(), name
            mine = [ln for ln in errors if f"{name}: " in ln]
            assert len(mine) == 1 and case["message"] in mine[0], (name, errors)
    assert len(errors) == sum(c["expect"] == "error" for c in CASES.values())
    # niqqud stays inside tokens, bidi marks and zero-width characters inside their words
    niq = json.loads((out / "niqqud.json").read_text(encoding="utf-8"))
    assert "בִּנְיָמִין" in [t["text"] for t in niq["tokens"]]
    zw = json.loads((out / "zero_width.json").read_text(encoding="utf-8"))
    assert "פו\u200bטין" in [t["text"] for t in zw["tokens"]]
