"""--engine ray on a local Ray instance with 2 workers gives the single-process output."""
import json
import subprocess
import sys

import pytest

from pipeline.document import validate

from .conftest import FIXTURES, MODEL_DIR, ROOT, SEED

pytest.importorskip("ray", reason="Ray is an optional extra (pip install '.[ray]')")


@pytest.mark.skipif(not (MODEL_DIR / "config.json").exists(), reason="no trained model")
def test_ray_engine_matches_single_process(tmp_path, annotator):
    src = tmp_path / "txt"
    src.mkdir()
    texts = {"seed": SEED.read_text(encoding="utf-8"),
             "article": (FIXTURES / "article.he.txt").read_text(encoding="utf-8"),
             "short": "פוטין נחת באלסקה."}
    for k, v in texts.items():
        (src / f"{k}.txt").write_text(v, encoding="utf-8")
    (src / "bad.txt").write_bytes(b"\x00\x01\x02binary")
    records = [{"id": f"r{i}", "text": t} for i, t in enumerate(["טראמפ חזר לוושינגטון.", texts["article"]])]
    jsonl = tmp_path / "archive.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "annotate", str(src), str(jsonl),
                        "--engine", "ray", "--ray-workers", "2", "--format", "jsonl", "-o", str(out),
                        "--device", "cpu"], cwd=ROOT, capture_output=True, timeout=600)
    assert r.returncode == 1, r.stderr[-3000:]  # bad.txt
    assert b"binary data" in r.stderr
    shards = [p for p in sorted(out.glob("*.jsonl")) if p.name != "errors.jsonl"]
    docs = [json.loads(line) for p in shards for line in p.read_text(encoding="utf-8").splitlines()]
    assert len(docs) == 5
    by_id = {d["meta"]["id"]: d for d in docs}
    expected = dict(texts) | {rec["id"]: rec["text"] for rec in records}
    assert set(by_id) == set(expected)
    for key, text in expected.items():
        got = by_id[key]
        validate(got)
        single = annotator.annotate(text).to_dict()
        assert got["text"] == text
        assert got["tokens"] == single["tokens"] and got["sentences"] == single["sentences"]
        assert [(e["start"], e["end"], e["label"]) for e in got["entities"]] == \
            [(e["start"], e["end"], e["label"]) for e in single["entities"]]
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["input"] for e in errors] == ["bad"]
