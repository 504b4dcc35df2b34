import json
import os
import signal
import subprocess
import time
from pathlib import Path
import sys

import pytest

from hebnews.cli import build_parser, expand_inputs
from hebnews.document import validate

from .conftest import FIXTURES, MODEL_DIR, ROOT, SEED, assert_offsets


def run(*args, stdin=None, timeout=300):
    """A real ``python -m hebnews.cli`` process: only where one is the point (a fresh
    interpreter, signals, resource limits); everything else goes through the ``cli`` fixture."""
    return subprocess.run([sys.executable, "-m", "hebnews.cli", *args], cwd=ROOT, input=stdin,
                          capture_output=True, timeout=timeout)


def test_help_is_complete_and_cheap(cli):
    out = run("--help")  # the module runs as a program
    assert out.returncode == 0 and b"annotate" in out.stdout and b"exit codes" in out.stdout
    for cmd in (["annotate"], ["eval", "ner"], ["train", "ner"], ["validate"]):
        r = cli(*cmd, "--help")
        assert r.returncode == 0 and r.stdout.startswith(b"usage: ") and r.stderr == b"", cmd
    # --help must not import torch
    code = "import sys; from hebnews.cli import main; sys.argv=['hebnews','--help']\n" \
           "try: main()\nexcept SystemExit: pass\nassert 'torch' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True).returncode == 0


def test_expand_inputs(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("x")
    (tmp_path / "a" / "sub").mkdir()
    (tmp_path / "a" / "sub" / "y.txt").write_text("y")
    (tmp_path / "a" / "skip.json").write_text("{}")
    (tmp_path / "x.txt").write_text("x")
    got = expand_inputs([str(tmp_path / "a"), str(tmp_path / "*.txt"), "-"], "*.txt")
    assert [n for _, n in got] == ["sub/y", "x", "x-2", "stdin"]


needs_model = pytest.mark.skipif(not (MODEL_DIR / "config.json").exists(), reason="no trained model")


@needs_model
def test_annotate_file_to_file_and_stdout(tmp_path, cli):
    out = tmp_path / "out.json"
    r = cli("annotate", str(SEED), "-o", str(out))
    assert r.returncode == 0, r.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    validate(data)
    assert_offsets(data)
    assert data["text"] == SEED.read_text(encoding="utf-8")
    r = cli("annotate", "-", stdin="פוטין נחת באלסקה.".encode())
    assert r.returncode == 0
    assert json.loads(r.stdout)["text"] == "פוטין נחת באלסקה."


@needs_model
def test_batch_with_bad_inputs_writes_the_good_ones(tmp_path, cli):
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.txt").write_text((FIXTURES / "article.he.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (src / "bom.txt").write_bytes(b"\xef\xbb\xbf" + "שלום לכולם.".encode())
    (src / "latin1.txt").write_bytes("Le café est très bon à Paris.".encode("latin-1"))
    (src / "legacy.txt").write_bytes("פוטין נחת באלסקה.".encode("cp1255"))
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(bytes(range(256)) * 4)
    out = tmp_path / "out"
    r = cli("annotate", str(src), "-o", str(out))
    assert r.returncode == 1
    err = r.stderr.decode()
    lines = [ln for ln in err.splitlines() if ln.startswith("hebnews: error:")]
    assert len(lines) == 3, err
    assert any("latin1.txt: not valid UTF-8" in ln for ln in lines)
    assert any("empty.txt: empty input" in ln for ln in lines)
    assert any("binary.txt: binary data" in ln for ln in lines)
    assert sorted(p.name for p in out.iterdir()) == ["bom.json", "errors.jsonl", "good.json", "legacy.json"]
    legacy = json.loads((out / "legacy.json").read_text(encoding="utf-8"))
    assert legacy["text"] == "פוטין נחת באלסקה." and legacy["meta"]["encoding"] == "windows-1255"
    bom = json.loads((out / "bom.json").read_text(encoding="utf-8"))
    assert bom["text"] == "שלום לכולם."
    assert not list(out.glob(".*tmp"))  # no temp files left behind
    errors = [json.loads(ln) for ln in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(Path(e["input"]).name for e in errors) == ["binary.txt", "empty.txt", "latin1.txt"]
    # a second run skips what is done (resume is the default) and reports the bad ones again
    before = (out / "good.json").stat().st_mtime_ns
    r = cli("annotate", str(src), "-o", str(out))
    assert r.returncode == 1 and (out / "good.json").stat().st_mtime_ns == before


@needs_model
def test_jsonl_output_for_many_inputs(tmp_path, cli):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("פוטין נחת באלסקה.", encoding="utf-8")
    b.write_text("טראמפ חזר לוושינגטון.", encoding="utf-8")
    out = tmp_path / "all.jsonl"
    r = cli("annotate", str(a), str(b), "--format", "jsonl", "-o", str(out))
    assert r.returncode == 0, r.stderr
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [d["meta"]["source"] for d in docs] == [str(a), str(b)]


def test_usage_and_model_errors(tmp_path, cli):
    r = cli("annotate", str(SEED), str(SEED))
    assert r.returncode == 2 and b"need -o DIR" in r.stderr
    r = cli("annotate", str(SEED), "--model", str(tmp_path / "missing"))
    assert r.returncode == 3 and b"model folder not found" in r.stderr
    assert len(r.stderr.decode().strip().splitlines()) == 1
    r = cli("annotate", str(SEED), "--device", "tpu")
    assert r.returncode == 3 and b"unknown device" in r.stderr
    import torch

    if not torch.cuda.is_available():
        r = cli("annotate", str(SEED), "--device", "cuda")
        assert r.returncode == 3 and b"CUDA is not available" in r.stderr


def test_missing_input_file_is_reported(tmp_path, cli):
    if not (MODEL_DIR / "config.json").exists():
        pytest.skip("no trained model")
    r = cli("annotate", str(tmp_path / "nope.txt"))
    assert r.returncode == 1 and b"nope.txt: no such file" in r.stderr


def test_validate_command(tmp_path, cli):
    good = {"schema": "hebnews.document/1", "text": "שלום", "meta": {}, "sentences": [{"start": 0, "end": 4}],
            "tokens": [{"start": 0, "end": 4, "text": "שלום", "sentence": 0}], "entities": [], "quotes": []}
    (tmp_path / "good.json").write_text(json.dumps(good), encoding="utf-8")
    good["tokens"][0]["end"] = 3
    (tmp_path / "bad.json").write_text(json.dumps(good), encoding="utf-8")
    r = cli("validate", str(tmp_path / "good.json"), str(tmp_path / "bad.json"))
    assert r.returncode == 1 and b"good.json: ok" in r.stdout and b"bad.json" in r.stderr


def test_eval_without_data_is_a_clear_error(tmp_path, cli):
    r = cli("eval", "ner", "--data-dir", str(tmp_path))
    assert r.returncode == 4 and b"corpus file not found" in r.stderr


def test_eval_running_is_checked_before_anything_loads(tmp_path, cli):
    r = cli("eval", "ner", "--level", "char", "--running", "0", "--data-dir", str(tmp_path))
    assert r.returncode == 2 and b"--running must be at least 1" in r.stderr
    r = cli("eval", "ner", "--running", "10", "--data-dir", str(tmp_path))  # token level
    assert r.returncode == 2 and b"--running applies to character-span scoring" in r.stderr
    assert len(r.stderr.decode().strip().splitlines()) == 1


@needs_model
def test_eval_ner_prints_json_last(data_dir, cli):
    r = cli("eval", "ner", "--split", "dev", "--data-dir", str(data_dir))
    assert r.returncode == 0, r.stderr
    last = json.loads(r.stdout.decode().strip().splitlines()[-1])
    assert {"precision", "recall", "f1", "per_label"} <= set(last)
    assert last["f1"] > 50  # a trained model, not chance


@needs_model
def test_train_smoke_on_fixture_data(tmp_path, cli, tiny_bert):
    """A tiny end-to-end training run: fixture NEMO files, one epoch, save, reload, eval."""
    out = tmp_path / "tiny"
    r = cli("train", "ner", "--config", "configs/train_ner_nemo.yaml", "--data-dir", str(FIXTURES / "data"),
            "--base-model", str(tiny_bert), "--output-dir", str(out), "--epochs", "1")
    assert r.returncode == 0, r.stderr[-2000:]
    assert (out / "model.safetensors").exists() and (out / "hebnews_training.json").exists()
    r = cli("eval", "ner", "--split", "test", "--data-dir", str(FIXTURES / "data"), "--model", str(out))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "f1" in json.loads(r.stdout.decode().strip().splitlines()[-1])


@needs_model
def test_train_smoke_with_document_context(tmp_path, cli, tiny_bert):
    """context_length: runs of consecutive sentences; the saved folder says so in config.json
    and the annotator then reads each document as one stream."""
    import yaml

    from hebnews.train.config import NerConfig, load

    cfg = load("configs/train_ner_context.yaml", NerConfig)  # through train_ner_geektime.yaml, ...
    cfg.update({"extra_gold": [], "keep_epoch_states": "", "threads": 1, "context_length": 64})
    (tmp_path / "ctx.yaml").write_text(yaml.safe_dump(cfg))
    out = tmp_path / "tiny"
    r = cli("train", "ner", "-v", "--config", str(tmp_path / "ctx.yaml"), "--data-dir", str(FIXTURES / "data"),
            "--base-model", str(tiny_bert), "--output-dir", str(out), "--epochs", "1")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "document context: sentences packed into runs of up to 64 sub-words" in r.stderr.decode()
    assert json.loads((out / "config.json").read_text())["hebnews_context_length"] == 64
    from hebnews.model import TokenClassifier

    assert TokenClassifier.load(out, device="cpu").context_length == 64
    r = cli("annotate", "-", "--model", str(out), stdin="דונלד טראמפ נפגש עם פוטין. טראמפ אמר שהפגישה טובה.".encode())
    assert r.returncode == 0, r.stderr[-2000:]
    doc = json.loads(r.stdout)
    assert len(doc["sentences"]) == 2 and doc["meta"]["model"] == "tiny"
    cfg["context_length"] = 8
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(cfg))
    r = cli("train", "ner", "--config", str(tmp_path / "bad.yaml"), "--data-dir", str(FIXTURES / "data"),
            "--base-model", str(tiny_bert), "--output-dir", str(tmp_path / "bad"), "--epochs", "1")
    assert r.returncode == 2 and b"context_length 8 must be between 16 and 512" in r.stderr


@needs_model
def test_train_heads_writes_the_lexicon_into_the_model_folder(tmp_path, cli):
    model = tmp_path / "model"
    model.mkdir()
    for f in MODEL_DIR.iterdir():  # the shipped folder, linked: the command must write only its file
        if f.name != "hebnews_heads.json":
            (model / f.name).symlink_to(f.resolve())
    r = cli("train", "heads", "--model", str(model), "--data-dir", str(FIXTURES / "data"), "--min-inside", "1")
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(r.stdout.decode().strip().splitlines()[-1])
    assert {"heads", "dev_f1_without", "dev_f1_with"} <= set(res) and res["heads"] > 0
    assert json.loads((model / "hebnews_heads.json").read_text(encoding="utf-8"))["min_inside"] == 1
    r = cli("train", "heads", "--model", str(model), "--data-dir", str(tmp_path / "none"))
    assert r.returncode == 4 and len(r.stderr.decode().strip().splitlines()) == 1


def test_train_ner_rejects_bad_extra_gold_before_loading_anything(tmp_path, cli):
    import yaml

    for extra, code, msg in (
            ([{"path": "data/ner/geektime_val.jsonl", "folds": "0/2"}], 2, b"take path, fold and repeat"),
            ([{"path": "data/ner/geektime_val.jsonl", "fold": "2/2"}], 2, b"fold must be"),
            ([{"path": "data/ner/geektime_val.jsonl", "repeat": 0}], 2, b"repeat must be a positive"),
            ([str(tmp_path / "none.jsonl")], 4, b"extra_gold file not found")):  # a bad config: 2; missing data: 4
        (tmp_path / "c.yaml").write_text(yaml.safe_dump({"base_model": str(tmp_path / "no-model"), "extra_gold": extra}))
        r = cli("train", "ner", "--config", str(tmp_path / "c.yaml"), "--output-dir", str(tmp_path / "o"))
        assert r.returncode == code and msg in r.stderr, r.stderr[-500:]
        assert len(r.stderr.decode().strip().splitlines()) == 1 and not (tmp_path / "o").exists()


def test_train_rejects_an_unknown_config_key_naming_it_and_the_file(tmp_path):
    (tmp_path / "c.yaml").write_text("extends: %s\nepoch: 3\n" % (ROOT / "configs" / "train_ner.yaml"))
    for step in ("ner", "mlm"):
        r = run("train", step, "--config", str(tmp_path / "c.yaml"), "--output-dir", str(tmp_path / "o"))
        err = r.stderr.decode().strip()
        assert r.returncode == 2 and len(err.splitlines()) == 1, err
        assert str(tmp_path / "c.yaml") in err or "train_ner.yaml" in err
    assert "unknown key 'epoch' for NerConfig (did you mean 'epochs'?)" in run(
        "train", "ner", "--config", str(tmp_path / "c.yaml")).stderr.decode()
    assert not (tmp_path / "o").exists()


@needs_model
def test_train_smoke_with_extra_data_and_auxiliary_heads(tmp_path, cli, tiny_bert):
    """The extra-data recipe on fixture files: IAHLT dev on the NER head, BMC and HebPipe POS
    through auxiliary heads; the saved folder is a plain NER model (no auxiliary weights)."""
    import yaml

    from hebnews.train.config import NerConfig, load

    cfg = load("configs/train_ner_extra.yaml", NerConfig)  # through train_ner.yaml
    gold = tmp_path / "gold.jsonl"  # our character-span gold shape (data/ner/), two articles
    text = "מנכ\"ל Apple טים קוק ביקר בישראל."
    gold.write_text("".join(json.dumps({"id": f"heq:val:{a}:0", "text": text, "entities": [
        {"start": 6, "end": 11, "text": "Apple", "label": "ORG"}]}, ensure_ascii=False) + "\n" for a in range(2)),
        encoding="utf-8")
    cfg.update({"aux_pos": 5, "keep_epoch_states": str(tmp_path / "epochs"), "threads": 1,
                "extra_gold": [{"path": str(gold), "fold": "1/2", "repeat": 3}]})
    (tmp_path / "extra.yaml").write_text(yaml.safe_dump(cfg))
    out = tmp_path / "tiny"
    r = cli("train", "ner", "-v", "--config", str(tmp_path / "extra.yaml"), "--data-dir", str(FIXTURES / "data"),
            "--base-model", str(tiny_bert), "--output-dir", str(out), "--epochs", "1")
    assert r.returncode == 0, r.stderr[-2000:]
    log = r.stderr.decode()
    assert "extra: 4 IAHLT dev sentences" in log
    assert f"extra: 1 sentences, 1 entities from {gold} (fold 1/2), repeated 3x" in log
    assert "auxiliary head: 12 BMC sentences outside NEMO" in log
    assert "auxiliary head: 5 HebPipe POS sentences outside NEMO" in log
    assert (tmp_path / "epochs" / "epoch1.pt").exists()
    from safetensors import safe_open

    with safe_open(str(out / "model.safetensors"), "pt") as f:
        assert not any("aux" in k for k in f.keys()) and "classifier.weight" in f.keys()
    # the kept epoch state averages into a loadable, scored model folder
    avg = tmp_path / "avg"
    r = cli("train", "average", "--run", str(out), "--states", str(tmp_path / "epochs"), "--epochs", "1",
            "-o", str(avg), "--data-dir", str(FIXTURES / "data"))
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(r.stdout.decode().strip().splitlines()[-1])
    assert res["epochs"] == [1] and "dev_f1" in res
    assert json.loads((avg / "hebnews_training.json").read_text())["config"]["averaged_epochs"] == [1]
    r = cli("train", "average", "--run", str(out), "--states", str(tmp_path / "epochs"), "--epochs", "1,2",
            "-o", str(tmp_path / "avg2"))
    assert r.returncode == 2 and b"no state for epoch(s) [2]" in r.stderr
    # unscored (no data): the run's best-epoch F1 is not passed off as the average's
    r = cli("train", "average", "--run", str(out), "--states", str(tmp_path / "epochs"), "--epochs", "1",
            "-o", str(tmp_path / "avg0"), "--data-dir", str(tmp_path / "no-data"))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "dev_f1" not in json.loads(r.stdout.decode().strip().splitlines()[-1])
    assert "dev_f1" not in json.loads((tmp_path / "avg0" / "hebnews_training.json").read_text())["best"]
    # a greedy soup of the run and its average: scored ingredients, a loadable model folder
    soup = tmp_path / "soup"
    r = cli("train", "soup", str(out), str(avg), "--greedy", "-o", str(soup), "--data-dir", str(FIXTURES / "data"))
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(r.stdout.decode().strip().splitlines()[-1])
    assert len(res["trail"]) == 3 and "dev_f1" in res and 1 <= len(res["soup"]) <= 2
    assert json.loads((soup / "hebnews_training.json").read_text())["config"]["soup"] == res["soup"]
    from transformers import AutoModelForTokenClassification

    assert AutoModelForTokenClassification.from_pretrained(soup).config.id2label
    # a weighted soup (a soup of three plus a fourth ingredient) records its weights
    r = cli("train", "soup", str(out), str(avg), "--weights", "3,1", "-o", str(tmp_path / "sw"), "--no-eval")
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads((tmp_path / "sw" / "hebnews_training.json").read_text())["config"]["soup_weights"] == [3.0, 1.0]
    r = cli("train", "soup", str(out), str(avg), "--weights", "3", "-o", str(tmp_path / "sw2"), "--no-eval")
    assert r.returncode == 2 and b"--weights needs 2 positive numbers" in r.stderr
    # one folder is not a soup; a folder that is not a model is a clear error
    r = cli("train", "soup", str(out), "-o", str(tmp_path / "s1"), "--no-eval")
    assert r.returncode == 2 and b"at least two" in r.stderr
    r = cli("train", "soup", str(out), str(tmp_path), "-o", str(tmp_path / "s2"), "--no-eval")
    assert r.returncode == 2 and b"not a model folder" in r.stderr


def test_view_command(tmp_path, cli):
    doc = {"schema": "hebnews.document/1", "text": "פוטין נחת.", "meta": {"source": "x"},
           "sentences": [{"start": 0, "end": 10}], "tokens": [],
           "entities": [{"id": "e1", "start": 0, "end": 5, "text": "פוטין", "label": "PER", "score": 0.9}],
           "quotes": []}
    (tmp_path / "d.json").write_text(json.dumps(doc), encoding="utf-8")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    r = cli("view", str(tmp_path / "d.json"), "-o", str(tmp_path / "d.html"))
    assert r.returncode == 0 and 'data-id="e1"' in (tmp_path / "d.html").read_text(encoding="utf-8")
    r = cli("view", str(tmp_path / "broken.json"))
    assert r.returncode == 1 and b"broken.json: not a readable hebnews document" in r.stderr


@needs_model
def test_html_and_conll_formats(tmp_path, cli):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("נשיא רוסיה ולדימיר פוטין נחת באלסקה.", encoding="utf-8")
    (src / "b.txt").write_text((FIXTURES / "article.he.txt").read_text(encoding="utf-8"), encoding="utf-8")
    r = cli("annotate", str(src), "--format", "html", "-o", str(tmp_path / "html"))
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "html").iterdir()) == ["a.html", "b.html", "index.html"]
    assert 'href="a.html"' in (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    r = cli("annotate", str(src / "a.txt"), "--format", "conll")
    assert r.returncode == 0
    rows = [ln.split("\t") for ln in r.stdout.decode().splitlines() if ln and not ln.startswith("#")]
    assert [w for w, _ in rows] == ["נשיא", "רוסיה", "ולדימיר", "פוטין", "נחת", "באלסקה", "."]
    assert all(t == "O" or t[:2] in ("B-", "I-", "E-", "S-") for _, t in rows)


@needs_model
def test_killed_batch_rerun_completes(tmp_path, cli):
    """kill -9 in the middle of a batch, then the same command stopped by SIGTERM, then a rerun:
    every input has exactly one valid output and no temp file is left. (One test for both signals:
    the second run resumes the first, so each signal meets a batch with finished outputs.)"""
    src = tmp_path / "in"
    src.mkdir()
    base = (FIXTURES / "article.he.txt").read_text(encoding="utf-8")
    n = 16
    for i in range(n):
        (src / f"doc{i:02d}.txt").write_text(base * (1 + i % 3), encoding="utf-8")
    out = tmp_path / "out"
    # small batches so that outputs appear early
    cmd = [sys.executable, "-m", "hebnews.cli", "annotate", str(src), "-o", str(out), "-q",
           "--batch-sentences", "16"]
    done = 0
    for sig in (signal.SIGKILL, signal.SIGTERM):
        proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE)
        deadline = time.time() + 240
        while time.time() < deadline and len(list(out.glob("*.json"))) < done + 3:
            time.sleep(0.1)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=240)
        now = len(list(out.glob("*.json")))
        assert done < now < n, (sig, done, now)
        done = now
        if sig == signal.SIGTERM:
            assert proc.returncode == 128 + signal.SIGTERM and b"run the same command again" in err
        else:
            assert proc.returncode == -signal.SIGKILL
    r = cli(*cmd[3:])  # the rerun needs no signal: in process
    assert r.returncode == 0, r.stderr
    outs = sorted(out.glob("*.json"))
    assert [p.stem for p in outs] == [f"doc{i:02d}" for i in range(n)]
    for p in outs:
        data = json.loads(p.read_text(encoding="utf-8"))
        validate(data)
        assert data["text"] == (src / (p.stem + ".txt")).read_text(encoding="utf-8")
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


@needs_model
def test_output_faults(tmp_path, cli):
    """Output folder not writable, and a disk that fills up in the middle of a batch
    (simulated with a file-size limit): a clear one-line error, exit 5, finished outputs intact."""
    import resource

    src = tmp_path / "in"
    src.mkdir()
    text = (FIXTURES / "article.he.txt").read_text(encoding="utf-8")
    for i in range(6):
        (src / f"d{i}.txt").write_text(text * (1 if i < 3 else 6), encoding="utf-8")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    if os.access(ro, os.W_OK):  # root ignores permissions; make it a file-in-the-way case instead
        ro.chmod(0o700)
        ro = tmp_path / "file-in-the-way"
        ro.write_text("x")
        bad_out = ro / "out"
    else:
        bad_out = ro / "out"
    r = cli("annotate", str(src), "-o", str(bad_out))
    assert r.returncode == 5 and len(r.stderr.decode().strip().splitlines()) == 1, r.stderr

    out = tmp_path / "out"

    def limit():  # small outputs (17 kB) fit, the 6x ones (97 kB) do not: like a disk that fills up
        resource.setrlimit(resource.RLIMIT_FSIZE, (60_000, 60_000))

    r = subprocess.run([sys.executable, "-m", "hebnews.cli", "annotate", str(src), "-o", str(out)],
                       cwd=ROOT, capture_output=True, timeout=300, preexec_fn=limit)
    assert r.returncode == 5, r.stderr
    assert b"cannot write" in r.stderr
    done = sorted(p.name for p in out.glob("*.json"))
    assert done == ["d0.json", "d1.json", "d2.json"]
    for p in out.glob("*.json"):
        validate(json.loads(p.read_text(encoding="utf-8")))
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


@needs_model
def test_jsonl_archive_streams_and_resumes(tmp_path, cli):
    """JSONL in ({"id", "text", ...} per line) -> one JSONL out; a bad line is reported; a run
    killed with SIGKILL leaves a .partial file that the rerun completes without duplicates."""
    base = (FIXTURES / "article.he.txt").read_text(encoding="utf-8")
    recs = [{"id": f"a{i}", "text": base * (1 + i % 2), "url": f"https://x.il/{i}"} for i in range(14)]
    archive = tmp_path / "archive.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in recs]
    lines.insert(5, "{broken json")
    lines.insert(9, json.dumps({"id": "no-text"}))
    archive.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "hebnews.cli", "annotate", str(archive), "--format", "jsonl",
           "-o", str(out), "-q", "--batch-sentences", "8"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE)
    partial = tmp_path / "out.jsonl.partial"
    deadline = time.time() + 240
    while time.time() < deadline and (not partial.exists() or partial.read_text(encoding="utf-8").count("\n") < 3):
        time.sleep(0.2)
    proc.kill()
    proc.wait()
    assert partial.exists() and not out.exists()
    r = cli(*cmd[3:])  # the rerun: in process
    assert r.returncode == 1  # the two bad lines
    assert b"archive.jsonl:6: not a JSON object" in r.stderr and b'archive.jsonl:10: no "text"' in r.stderr
    assert out.exists() and not partial.exists()
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(d["meta"]["id"] for d in docs) == sorted(r["id"] for r in recs)  # each once
    for d in docs:
        validate(d)
        assert d["meta"]["url"].startswith("https://x.il/")
    assert (tmp_path / "out.errors.jsonl").exists()


def test_weighted_state_mean():
    import torch

    from hebnews.train.averaging import _mean_state

    a, b = {"w": torch.tensor([0.0, 4.0])}, {"w": torch.tensor([4.0, 0.0])}
    assert torch.allclose(_mean_state([a, b])["w"], torch.tensor([2.0, 2.0]))
    assert torch.allclose(_mean_state([a, b], [3, 1])["w"], torch.tensor([1.0, 3.0]))
