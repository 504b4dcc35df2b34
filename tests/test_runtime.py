"""Encoder runtimes: how ``auto`` picks one, the missing-extra error, the ONNX cache (built once,
atomically, never in the model folder), torch <-> ONNX Runtime parity on real sentences, meta,
and an onnx annotate path that never imports torch. Without onnxruntime the tests that need it
are skipped (the selection and error tests still run)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hebnews import runtimes
from hebnews.errors import ModelError
from hebnews.runtimes import MISSING_EXTRA, resolve_runtime

from .conftest import MODEL_DIR, ROOT, SEED
from .test_precision import fixture_sentences

NO_AMX = frozenset({"avx2", "fma", "avx512f"})  # no bf16 instructions
BF16 = NO_AMX | {"avx512_bf16"}
AMX = BF16 | {"amx_bf16", "amx_tile"}


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv("HEBNEWS_RUNTIME", raising=False)
    monkeypatch.delenv("HEBNEWS_PRECISION", raising=False)


# ----------------------------------------------------------------------------- selection

def test_auto_is_onnx_where_it_wins_and_torch_elsewhere(no_env):
    def auto(device="cpu", precision="auto", backend="auto", available=True, flags=NO_AMX):
        return resolve_runtime("auto", device, precision, backend, available, flags)[0]

    assert auto() == "onnx"
    assert auto(precision="fp32") == "onnx"
    assert auto(available=False) == "torch"  # the extra is not installed
    assert auto(flags=AMX) == "torch"  # torch bf16 is faster on AMX
    assert auto(flags=BF16) == "onnx"  # AVX512-BF16 without AMX: bf16 cost F1 and cold start
    assert auto(flags=BF16, precision="bf16") == "torch"
    assert auto(flags=AMX, precision="fp32") == "onnx"  # fp32 asked for: onnx still wins
    assert auto(device="cuda") == "torch"
    assert auto(precision="bf16") == "torch"
    assert auto(backend="transformers") == "torch"


def test_auto_reads_what_hebnews_precision_makes_auto_mean(no_env, monkeypatch):
    monkeypatch.setenv("HEBNEWS_PRECISION", "bf16")  # bf16 runs on torch only
    assert resolve_runtime("auto", "cpu", "auto", available=True, flags=NO_AMX)[0] == "torch"
    with pytest.raises(ModelError, match=r"runs fp32, not bf16 \(HEBNEWS_PRECISION\)"):
        resolve_runtime("onnx", "cpu", "auto", available=True)
    monkeypatch.setenv("HEBNEWS_PRECISION", "fp32")  # fp32 even on AMX: onnx
    assert resolve_runtime("auto", "cpu", "auto", available=True, flags=AMX)[0] == "onnx"
    assert resolve_runtime("auto", "cpu", "fp16", available=True, flags=NO_AMX)[0] == "torch"  # the flag wins
    monkeypatch.setenv("HEBNEWS_PRECISION", "int4")
    with pytest.raises(ModelError, match="HEBNEWS_PRECISION='int4'"):
        resolve_runtime("auto", "cpu", "auto", available=True, flags=NO_AMX)


def test_explicit_choices_and_their_errors(no_env, monkeypatch):
    assert resolve_runtime("torch", "cpu", available=True)[0] == "torch"
    assert resolve_runtime("onnx", "cpu", available=True, flags=AMX)[0] == "onnx"
    with pytest.raises(ModelError, match="pip install onnxruntime onnx"):
        resolve_runtime("onnx", "cpu", available=False)
    with pytest.raises(ModelError, match="the onnx runtime runs fp32, not fp16"):
        resolve_runtime("onnx", "cpu", "fp16", available=True)
    with pytest.raises(ModelError, match="on the CPU"):
        resolve_runtime("onnx", "cuda", available=True)
    with pytest.raises(ModelError, match="unknown runtime 'tvm'"):
        resolve_runtime("tvm", "cpu")
    monkeypatch.setenv("HEBNEWS_RUNTIME", "torch")
    assert resolve_runtime("auto", "cpu", available=True, flags=NO_AMX) == ("torch", "HEBNEWS_RUNTIME")
    monkeypatch.setenv("HEBNEWS_RUNTIME", "tvm")
    with pytest.raises(ModelError, match="HEBNEWS_RUNTIME='tvm'"):
        resolve_runtime("auto", "cpu")


def test_auto_loads_torch_without_the_extra(no_env, monkeypatch):
    from hebnews.model import TokenClassifier

    monkeypatch.setattr(runtimes, "onnx_available", lambda: False)
    clf = TokenClassifier.load(MODEL_DIR, device="cpu", precision="fp32")
    assert clf.runtime == "torch" and clf.runtime_reason == "onnxruntime is not installed"


def test_auto_loads_onnx_with_the_extra(no_env, onnx_cache):
    from hebnews.model import TokenClassifier

    clf = TokenClassifier.load(MODEL_DIR, device="cpu", precision="fp32")  # fp32 asked for: onnx on any CPU
    assert clf.runtime == "onnx" and clf.model is None and clf.batch_tokens == 2048


def test_missing_extra_is_one_line_and_exit_3(no_env, monkeypatch, tmp_path, capsys):
    from hebnews.cli import main

    monkeypatch.setattr(runtimes, "onnx_available", lambda: False)
    src = tmp_path / "a.txt"
    src.write_text("ראש הממשלה נפגש היום בירושלים.", encoding="utf-8")
    out = tmp_path / "a.json"
    assert main(["annotate", str(src), "-o", str(out), "-q", "--runtime", "onnx"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and MISSING_EXTRA in err[0] and not out.exists()


# ----------------------------------------------------------------------------- the ONNX cache

@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory):
    """One export for the whole suite, into a temporary cache."""
    pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (a dependency of hebnews)")
    if not (MODEL_DIR / "model.safetensors").exists():
        pytest.skip(f"no trained model at {MODEL_DIR}")
    from hebnews import onnx_runtime

    root = tmp_path_factory.mktemp("hebnews-cache")
    old = os.environ.get("HEBNEWS_CACHE")
    os.environ["HEBNEWS_CACHE"] = str(root)
    yield root, onnx_runtime.model_file(MODEL_DIR)
    if old is None:
        os.environ.pop("HEBNEWS_CACHE", None)
    else:
        os.environ["HEBNEWS_CACHE"] = old


def test_cache_is_built_once_outside_the_model_folder(onnx_cache, monkeypatch):
    from hebnews import onnx_runtime

    root, file = onnx_cache
    before = set(os.listdir(MODEL_DIR))
    assert file.is_file() and root in file.parents
    assert os.listdir(file.parent) == [file.name]  # no temp file left beside it
    stamp = file.stat().st_mtime_ns

    def no_rebuild(*a):
        raise AssertionError("rebuilt")

    monkeypatch.setattr(onnx_runtime, "export", no_rebuild)
    assert onnx_runtime.model_file(MODEL_DIR) == file and file.stat().st_mtime_ns == stamp
    assert set(os.listdir(MODEL_DIR)) == before


def test_a_failed_build_leaves_nothing_behind(monkeypatch, tmp_path):
    from hebnews import onnx_runtime

    monkeypatch.setenv("HEBNEWS_CACHE", str(tmp_path))

    def half_written(path, out):
        out.write_bytes(b"partial")
        raise RuntimeError("killed mid-export")

    monkeypatch.setattr(onnx_runtime, "export", half_written)
    with pytest.raises(RuntimeError, match="killed mid-export"):
        onnx_runtime.model_file(MODEL_DIR)
    folder = onnx_runtime.cache_dir(MODEL_DIR)
    assert folder.is_dir() and os.listdir(folder) == []  # neither the target nor a temp file


def test_a_corrupt_cached_file_is_built_again_and_a_stale_temp_file_goes(onnx_cache, monkeypatch, tmp_path):
    import shutil
    import time

    from hebnews import onnx_runtime

    good = onnx_cache[1]
    monkeypatch.setenv("HEBNEWS_CACHE", str(tmp_path))
    folder = onnx_runtime.cache_dir(MODEL_DIR)
    folder.mkdir(parents=True)
    (folder / "model-fp32.onnx").write_bytes(good.read_bytes()[:100_000])  # truncated
    stale = folder / ".model-fp32-killed.onnx"
    stale.write_bytes(b"half an export")
    old = time.time() - 2 * onnx_runtime.STALE_TEMP_S
    os.utime(stale, (old, old))
    builds = []
    monkeypatch.setattr(onnx_runtime, "export", lambda path, out: (builds.append(out), shutil.copy(good, out)))
    enc = onnx_runtime.load(MODEL_DIR)
    assert len(builds) == 1 and enc.file.stat().st_size == good.stat().st_size
    assert sorted(os.listdir(folder)) == ["model-fp32.onnx"]


def test_a_model_folder_and_a_cache_named_in_bytes_that_are_not_utf8(monkeypatch, tmp_path):
    """Neither the exporter nor ONNX Runtime takes such a path (TypeError: the onnx runtime, the
    default on most CPUs, could not load a model from a folder so named): the file is written
    and read through Python."""
    pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (a dependency of hebnews)")
    if not (MODEL_DIR / "model.safetensors").exists():
        pytest.skip(f"no trained model at {MODEL_DIR}")
    from hebnews import onnx_runtime

    model = os.path.join(os.fsencode(tmp_path), b"model\xff")
    os.mkdir(model)  # a folder so named (a link to the model would resolve to its UTF-8 name)
    for name in os.listdir(MODEL_DIR):
        os.symlink(MODEL_DIR / name, os.path.join(model, os.fsencode(name)))
    monkeypatch.setenv("HEBNEWS_CACHE", os.fsdecode(os.path.join(os.fsencode(tmp_path), b"cache\xfe")))
    enc = onnx_runtime.load(Path(os.fsdecode(model)))
    assert enc.file.is_file() and "\udcfe" in str(enc.file) and enc.labels


def test_a_cache_that_cannot_be_used_is_one_line_and_exit_3(no_env, tmp_path, capsys, monkeypatch):
    from hebnews.cli import main

    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("HEBNEWS_CACHE", str(tmp_path / "file"))
    rc = main(["annotate", str(SEED), "-o", str(tmp_path / "o.json"), "--runtime", "onnx", "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 3 and len(err) == 1 and "cannot write the ONNX cache" in err[0], err
    assert not (tmp_path / "o.json").exists()


def test_omp_num_threads_lists_and_junk(monkeypatch):
    from hebnews.onnx_runtime import _threads

    for value, want in (("2,1", 2), ("3", 3), ("abc", os.cpu_count() or 1), ("0", os.cpu_count() or 1)):
        monkeypatch.setenv("OMP_NUM_THREADS", value)
        assert _threads() == want, value


# ----------------------------------------------------------------------------- parity and meta

@pytest.fixture(scope="module")
def onnx_classifier(onnx_cache):
    from hebnews.model import TokenClassifier

    return TokenClassifier.load(MODEL_DIR, device="cpu", runtime="onnx")


# measured on the 20 fixture sentences (396 words, 2-core AMD EPYC): max |log-prob difference|
# over all labels 2.1e-5, hidden states (float16) 9.8e-4, labels identical
def test_onnx_matches_torch_fp32(annotator, onnx_classifier):
    ref = annotator.classifier
    assert ref.runtime == "torch" and ref.precision == "fp32"
    sents = fixture_sentences()
    lp32, vec32 = ref.run(sents, [True] * len(sents), (8, 12))
    assert onnx_classifier.runtime == "onnx" and onnx_classifier.precision == "fp32"
    lp, vec = onnx_classifier.run(sents, [True] * len(sents), (8, 12))
    a, b = np.concatenate(lp32), np.concatenate(lp)
    assert (a.argmax(1) == b.argmax(1)).all()
    assert np.abs(a - b).max() < 1e-3
    va, vb = np.concatenate(vec32).astype(np.float32), np.concatenate(vec).astype(np.float32)
    assert np.abs(va - vb).max() < 1e-2


def test_meta_records_the_runtime(annotator, onnx_classifier):
    from hebnews.document import validate

    ann = annotator.replace(classifier=onnx_classifier)
    doc = ann.annotate(SEED.read_text(encoding="utf-8")).to_dict()
    validate(doc)
    assert doc["meta"]["runtime"] == "onnx" and doc["meta"]["precision"] == "fp32"
    ref = annotator.annotate(SEED.read_text(encoding="utf-8")).to_dict()
    assert doc["entities"] == ref["entities"] and doc["quotes"] == ref["quotes"]
    assert annotator.annotate("שלום.").to_dict()["meta"]["runtime"] == "torch"


def test_onnx_annotate_never_imports_torch(onnx_cache, tmp_path):
    out = tmp_path / "seed.json"
    code = ("import sys\nfrom hebnews.cli import main\n"
            f"rc = main(['annotate', {str(SEED)!r}, '-o', {str(out)!r}, '-q', '--runtime', 'onnx'])\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\nsys.exit(rc)")
    env = {**os.environ, "HEBNEWS_CACHE": str(onnx_cache[0])}
    env.pop("HEBNEWS_RUNTIME", None)
    env.pop("HEBNEWS_PRECISION", None)
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    assert json.loads(out.read_text(encoding="utf-8"))["meta"]["runtime"] == "onnx"
