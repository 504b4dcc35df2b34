"""--engine ray gives what a local run gives: the same documents, whole (text, meta, sentences,
tokens, entities, clusters, quotes), and the same errors, for a mixed folder of text files, an
HTML page and a JSONL archive with extra fields, read through the same I/O layer."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from hebnews.version import __version__

from hebnews.document import validate

from .conftest import FIXTURES, MODEL_DIR, ROOT, SEED

pytest.importorskip("ray", reason="Ray is an optional extra (pip install '.[ray]')")
pytestmark = pytest.mark.skipif(not (MODEL_DIR / "config.json").exists(), reason="no trained model")


def _mixed_folder(root):
    src = root / "in"
    (src / "sub").mkdir(parents=True)
    article = (FIXTURES / "article.he.txt").read_text(encoding="utf-8")
    (src / "seed.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (src / "sub" / "article.txt").write_text(article, encoding="utf-8")
    (src / "short.txt").write_text("פוטין נחת באלסקה.", encoding="utf-8")
    shutil.copy(FIXTURES / "bad_inputs" / "cp1255.txt", src / "legacy.txt")
    shutil.copy(FIXTURES / "bad_inputs" / "html_page.html", src / "page.html")
    (src / "bad.txt").write_bytes(b"\x00\x01\x02binary")
    records = [{"id": "r1", "text": "טראמפ חזר לוושינגטון.", "url": "https://example.co.il/1",
                "tags": ["politics", "usa"], "extra": {"rank": 3, "ok": True}},
               {"text": article[:400], "title": "no id"},
               {"id": "r1", "text": "שוב אותו מזהה."},
               {"id": 7, "text": "נתניהו אמר: \"נמשיך\"."}]
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    lines.insert(2, "{not json")
    (src / "archive.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return src


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The mixed folder annotated twice, by relative path from its parent: a local
    ``--format jsonl -o all.jsonl`` run and a Ray run (one Ray session for the module)."""
    root = tmp_path_factory.mktemp("ray")
    _mixed_folder(root)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    common = [sys.executable, "-m", "hebnews.cli", "annotate", "in", "--pattern", "*", "--format", "jsonl",
              "--device", "cpu", "--model", str(MODEL_DIR)]
    local = subprocess.run(common + ["-o", "all.jsonl"], cwd=root, env=env, capture_output=True, timeout=600)
    ray = subprocess.run(common + ["-o", "out", "--engine", "ray", "--ray-workers", "2"], cwd=root, env=env,
                         capture_output=True, timeout=900)
    return root, local, ray


def _docs(paths):
    return {d["meta"]["id"]: d for p in paths for d in map(json.loads, p.read_text(encoding="utf-8").splitlines())}


def _errors(path):
    return [(e["input"], e["error"]) for e in map(json.loads, path.read_text(encoding="utf-8").splitlines())]


def test_ray_documents_equal_local_documents(runs):
    root, local, ray = runs
    assert local.returncode == 1, local.stderr[-3000:]
    assert ray.returncode == 1, ray.stderr[-3000:]
    want = _docs([root / "all.jsonl"])
    got = _docs(p for p in sorted((root / "out").glob("*.jsonl")) if p.name != "errors.jsonl")
    assert set(want) == {"seed", "sub/article", "short", "legacy", "page", "r1", "in/archive.jsonl:2", "7"}
    assert set(got) == set(want)
    for key, doc in want.items():
        validate(got[key])
        assert got[key] == doc, key  # whole documents: text, meta, spans, clusters, quotes
    assert want["page"]["meta"]["input_format"] == "html" and want["legacy"]["meta"]["encoding"] == "windows-1255"
    assert want["r1"]["meta"] == {"id": "r1", "url": "https://example.co.il/1", "tags": ["politics", "usa"],
                                  "extra": {"rank": 3, "ok": True}, "source": "in/archive.jsonl",
                                  "model": "hebnews-ner", "version": __version__, "precision": "fp32",
                                  "runtime": "torch"}
    assert want["seed"]["meta"]["source"] == "in/seed.txt"


def test_ray_errors_equal_local_errors(runs):
    root, local, ray = runs
    errors = _errors(root / "all.errors.jsonl")
    assert [e[0] for e in errors] == ["in/archive.jsonl:3", "in/archive.jsonl:4", "in/bad.txt"]
    assert "duplicate id 'r1' (first at in/archive.jsonl:1)" in errors[1][1]
    assert _errors(root / "out" / "errors.jsonl") == errors
    for _, msg in errors:
        assert msg.encode() in ray.stderr
    assert json.loads(ray.stdout.decode().splitlines()[-1]) == {"written": 8, "failed": 3}


def test_ray_workers_take_the_runtime_options_and_bad_ones_stop_before_ray(tmp_path, cli):
    """--runtime / --precision reach the workers (meta says what ran); a combination no worker
    could load is one line and exit 3 before Ray starts."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("פוטין נחת באלסקה.", encoding="utf-8")
    r = cli("annotate", str(src), "--engine", "ray", "--format", "jsonl", "-o", str(tmp_path / "bad"),
            "--runtime", "onnx", "--precision", "bf16")
    assert r.returncode == 3 and len(r.stderr.decode().strip().splitlines()) == 1, r.stderr
    assert b"runs fp32, not bf16" in r.stderr and not (tmp_path / "bad").exists()
    r = cli("annotate", str(src), "--engine", "ray", "--format", "jsonl", "-o", str(tmp_path / "out"),
            "--runtime", "torch", "--precision", "fp16", "--ray-workers", "1", "-q")
    assert r.returncode == 0, r.stderr[-2000:]
    docs = [json.loads(line) for p in sorted((tmp_path / "out").glob("*.jsonl"))
            for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert [(d["meta"]["runtime"], d["meta"]["precision"]) for d in docs] == [("torch", "fp16")]
