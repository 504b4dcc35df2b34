"""--precision: what ``auto`` picks (AMX detection, the bf16 probe, CUDA), how it combines with
int8, that bf16/fp16 weights really run and stay close to fp32, and that ``meta`` says so."""
import json

import numpy as np
import pytest
import torch

from hebnews import model as model_mod
from hebnews import precision as precision_mod
from hebnews.document import validate
from hebnews.model import ModelError, TokenClassifier
from hebnews.precision import bf16_probe, choose_precision, cpu_flags, resolve_precision
from hebnews.normalize import normalize
from hebnews.segment import segment

from .conftest import FIXTURES, MODEL_DIR, SEED

CPU = torch.device("cpu")
needs_model = pytest.mark.skipif(not (MODEL_DIR / "config.json").exists(), reason="no trained model")


def no_probe():
    raise AssertionError("the probe must not run here")


# ----------------------------------------------------------------------------- what auto picks

def test_auto_on_a_cpu_follows_amx_bf16():
    xeon = frozenset("fpu avx2 avx512f avx512_bf16 amx_bf16 amx_tile amx_int8".split())
    epyc = frozenset("fpu avx avx2 fma".split())  # this machine's kind: AVX2 only
    assert choose_precision(CPU, flags=xeon, probe=no_probe) == ("bf16", "the CPU has AMX-BF16")
    precision, why = choose_precision(CPU, flags=epyc, probe=no_probe)
    assert precision == "fp32" and "no AMX-BF16" in why


def test_avx512_bf16_without_amx_asks_the_probe():
    flags = frozenset("avx2 avx512f avx512_bf16".split())
    assert choose_precision(CPU, flags=flags, probe=lambda: (1.0, 0.5))[0] == "bf16"
    precision, why = choose_precision(CPU, flags=flags, probe=lambda: (1.0, 0.9))
    assert precision == "fp32" and "0.90 x the fp32 time" in why  # not clearly faster: fp32
    assert choose_precision(CPU, flags=flags, probe=lambda: (0.0, 0.0))[0] == "fp32"


def test_this_machine():
    """The real flags: bf16 only with AMX-BF16 (or AVX512-BF16 and a winning probe); a CPU with
    neither, like the team's AVX2 EPYC, runs fp32."""
    flags = cpu_flags()
    precision, why = choose_precision(CPU)
    if "amx_bf16" in flags:
        assert precision == "bf16"
    elif "avx512_bf16" not in flags:
        assert (precision, why) == ("fp32", "the CPU has no AMX-BF16 (bf16 would be slower than fp32)")


def test_cpu_flags_come_from_proc_cpuinfo_or_torch(monkeypatch, tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 amx_bf16 amx_tile\n\nprocessor\t: 1\n"
                    "flags\t\t: fpu\n")
    real_open = open
    monkeypatch.setattr(precision_mod, "open", lambda p, *a, **k: real_open(info if p == "/proc/cpuinfo" else p, *a, **k),
                        raising=False)
    assert cpu_flags() == {"fpu", "sse2", "avx2", "amx_bf16", "amx_tile"}  # the first CPU's line

    def unreadable(*a, **k):
        raise OSError("no /proc here")

    monkeypatch.setattr(precision_mod, "open", unreadable, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    assert cpu_flags() == {"amx_bf16"}


def test_auto_on_cuda(monkeypatch):
    dev = torch.device("cuda", 0)
    monkeypatch.setattr(torch.version, "hip", None)  # ROCm always has bf16
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda d=None: (9, 0))  # H100/H200
    assert choose_precision(dev, flags=frozenset(), probe=no_probe)[0] == "bf16"
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda d=None: (7, 5))  # T4: no native bf16
    assert choose_precision(dev, flags=frozenset(), probe=no_probe) == ("fp16", "the GPU has no native bf16")


def test_bf16_probe_times_both_and_runs_once():
    fp32_s, bf16_s = bf16_probe()
    assert fp32_s > 0 and bf16_s > 0
    assert bf16_probe() == (fp32_s, bf16_s)  # cached: one probe per process


# ----------------------------------------------------------------------------- asking for one

def test_explicit_and_env(monkeypatch):
    monkeypatch.delenv("HEBNEWS_PRECISION", raising=False)
    assert resolve_precision("fp16", CPU) == ("fp16", "asked for")
    assert resolve_precision("auto", CPU) == choose_precision(CPU)
    monkeypatch.setenv("HEBNEWS_PRECISION", "BF16")
    assert resolve_precision("auto", CPU) == ("bf16", "HEBNEWS_PRECISION")
    assert resolve_precision("fp32", CPU)[0] == "fp32"  # an explicit choice beats the variable
    with pytest.raises(ModelError, match="unknown precision 'fp8'"):
        resolve_precision("fp8", CPU)
    monkeypatch.setenv("HEBNEWS_PRECISION", "half")
    with pytest.raises(ModelError, match="HEBNEWS_PRECISION='half'"):
        resolve_precision("auto", CPU)


def test_bad_combinations_fail_before_the_folder_is_read(tmp_path):
    with pytest.raises(ModelError, match="the onnx runtime runs fp32, not bf16"):
        TokenClassifier.load(tmp_path / "nope", device="cpu", runtime="onnx", precision="bf16")
    with pytest.raises(ModelError, match="unknown precision"):
        TokenClassifier.load(tmp_path / "nope", device="cpu", precision="double")


# ----------------------------------------------------------------------------- bf16 / fp16 numerics

def fixture_sentences(n: int = 20) -> list[list[str]]:
    """The first ``n`` sentences of the test article and the seed article, as the annotator
    tokenises them."""
    out = []
    for path in (FIXTURES / "article.he.txt", SEED):
        sentences, tokens = segment(normalize(path.read_text(encoding="utf-8")))
        out += [[t.norm for t in tokens[s.first:s.last]] for s in sentences]
    return out[:n]


@pytest.fixture(scope="module")
def fp32_reference(annotator):
    sents = fixture_sentences()
    clf = annotator.classifier  # the session's, fp32 unless the suite runs in another precision
    if clf.precision != "fp32":
        clf = TokenClassifier.load(MODEL_DIR, device="cpu", precision="fp32")
    assert clf.precision == "fp32"
    return sents, clf.run(sents, [True] * len(sents), (8, 12))


# measured on the 20 fixture sentences (396 words; AVX2 CPU, no AMX): labels agree 100%; max
# |log-prob difference| over all 37 labels: lite bf16 0.149, transformers bf16 0.243, lite fp16
# 0.021; max |word-vector difference| (values up to 4.3): bf16 0.048, fp16 0.004.
# The bounds leave 2.5x (bf16) to 5x (fp16) room for other CPUs' kernels.
BOUNDS = {"bf16": (0.6, 0.2), "fp16": (0.1, 0.05)}


@pytest.mark.parametrize("backend,precision", [("lite", "bf16"), ("lite", "fp16"), ("transformers", "bf16")])
def test_half_precisions_stay_close_to_fp32(fp32_reference, backend, precision):
    """bf16/fp16 weights run on this CPU (slowly without AMX) through both backends; on 20 real
    news sentences the argmax labels agree with fp32 on >= 98% of words, log-probabilities stay
    within 0.6 (bf16) / 0.1 (fp16) and the quote head's word vectors within 0.2 / 0.05 (see
    BOUNDS for the measurements); log-probabilities come back in fp32, vectors in float16."""
    sents, (lp32, vec32) = fp32_reference
    clf = TokenClassifier.load(MODEL_DIR, device="cpu", backend=backend, precision=precision)
    assert clf.precision == precision and clf.backend == backend
    assert {p.dtype for p in clf.model.parameters()} == {model_mod.torch_dtype(precision)}
    lp, vec = clf.run(sents, [True] * len(sents), (8, 12))
    a, b = np.concatenate(lp32), np.concatenate(lp)
    assert b.dtype == np.float32 and all(v.dtype == np.float16 for v in vec)
    assert (a.argmax(1) == b.argmax(1)).mean() >= 0.98
    lp_bound, vec_bound = BOUNDS[precision]
    assert np.abs(a - b).max() < lp_bound
    va, vb = np.concatenate(vec32).astype(np.float32), np.concatenate(vec).astype(np.float32)
    assert np.abs(va - vb).max() < vec_bound


# ----------------------------------------------------------------------------- meta and the CLI

@needs_model
def test_meta_records_precision_and_the_cli_flag_reaches_the_model(tmp_path, monkeypatch):
    from hebnews.cli import main

    monkeypatch.delenv("HEBNEWS_PRECISION", raising=False)
    src = tmp_path / "a.txt"
    src.write_text("ראש הממשלה נפגש היום בירושלים עם נשיא צרפת עמנואל מקרון.", encoding="utf-8")
    expect_auto = choose_precision(CPU)[0]  # fp32 on a CPU without AMX-BF16
    for args, precision in [([], expect_auto), (["--precision", "bf16"], "bf16")]:
        out = tmp_path / f"{precision}.json"
        assert main(["annotate", str(src), "-o", str(out), "-q", "--device", "cpu", *args]) == 0
        data = json.loads(out.read_text(encoding="utf-8"))
        validate(data)
        assert data["meta"]["precision"] == precision and data["meta"]["runtime"] == "torch"
        assert "quantize" not in data["meta"]
        assert any(e["text"] == "עמנואל מקרון" for e in data["entities"])
    # bf16 on onnx is refused like any unusable model setting: exit 3, nothing written
    bad = tmp_path / "bad.json"
    rc = main(["annotate", str(src), "-o", str(bad), "-q", "--runtime", "onnx", "--precision", "bf16"])
    assert rc == 3 and not bad.exists()


@pytest.mark.parametrize("argv,loader", [
    (["feed", "feeds.txt", "-o", "out"], "Annotator"),
    (["eval", "quotes"], "Annotator"),
    (["eval", "ner", "--corpus", "geektime"], "Annotator"),  # character spans: the annotate path
    (["eval", "ner"], "TokenClassifier"),  # token level
])
def test_every_model_command_passes_precision_on(monkeypatch, argv, loader):
    from hebnews import annotator, cli
    from hebnews.cli import main

    got = {}

    def fake_load(*args, **kw):
        got.update(kw)
        raise ModelError("stop here")

    owner = annotator.Annotator if loader == "Annotator" else model_mod.TokenClassifier
    monkeypatch.setattr(owner, "load", fake_load)
    assert cli.build_parser().parse_args(argv).precision == "auto"
    assert main([*argv, "-q", "--precision", "fp16", "--runtime", "torch"]) == 3
    assert got["precision"] == "fp16" and got["runtime"] == "torch"
