import io
import logging
import os
import sys
from pathlib import Path
from typing import NamedTuple

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
# likewise the runtime: torch, whether or not onnxruntime is installed (auto would pick onnx where
# it is); tests/test_runtime.py checks auto and the onnx runtime itself.
os.environ.setdefault("HEBNEWS_RUNTIME", "torch")


@pytest.fixture(scope="session")
def data_dir():
    if not (DATA_DIR / "README.md").exists():
        pytest.skip(f"corpus data not found at {DATA_DIR} (a user's clone has no ../shared; CI has it)")
    return DATA_DIR


@pytest.fixture(scope="session")
def annotator():
    from hebnews import Annotator

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


def _same_weights(folder) -> bool:
    """True when ``folder`` holds the session model's encoder, tokenizer and classifier: the
    folder itself or one whose files link to it (train heads writes into such a copy)."""
    try:
        folder = Path(folder)
        return all((folder / name).resolve() == (MODEL_DIR / name).resolve()
                   for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"))
    except OSError:
        return False


def _session_options(session_clf, device="auto", backend="auto", precision="auto", runtime="auto", **kw) -> bool:
    """True when these TokenClassifier.load options would load what the session loaded; an
    unknown or bad option is never matched, so its error comes from the real loader."""
    from hebnews.model import ModelError, resolve_device, resolve_precision
    from hebnews.runtimes import resolve_runtime

    if kw or backend not in ("auto", session_clf.backend):
        return False
    try:
        if resolve_runtime(runtime, device, precision, backend)[0] != session_clf.runtime:
            return False
        dev = resolve_device(device)
        return dev.type == "cpu" and resolve_precision(precision, dev)[0] == session_clf.precision
    except ModelError:
        return False


@pytest.fixture
def loaded(request, monkeypatch):
    """``main([...])`` in process, the way a subprocess in the repository root would run it, with
    the session's model: Annotator.load and TokenClassifier.load return the session annotator /
    classifier when asked for the default model folder (or links to its weights, for the
    classifier) with options that load the same thing (cpu, the session's runtime, precision
    and backend). Any other folder or option loads for real (a model folder that was
    just trained, --precision bf16, --runtime onnx, a missing folder, an unknown device).
    torch's thread count is restored afterwards (training sets it from its config). Without a
    model folder nothing is patched (the commands that need none still run)."""
    import torch

    monkeypatch.chdir(ROOT)
    threads = torch.get_num_threads()
    if not (MODEL_DIR / "config.json").exists():
        yield None
        torch.set_num_threads(threads)
        return
    annotator = request.getfixturevalue("annotator")

    from hebnews.annotator import Annotator, default_model_dir
    from hebnews.model import TokenClassifier

    real_ann, real_clf = Annotator.load.__func__, TokenClassifier.load.__func__
    clf = annotator.classifier

    def ann_load(cls, model_dir=None, device="auto", batch_sentences=2048, exclude=(), **kw):
        path = Path(model_dir) if model_dir else default_model_dir()
        if path.resolve() == MODEL_DIR.resolve() and _session_options(clf, device, **kw):
            return annotator.replace(batch_sentences=batch_sentences, exclude=tuple(exclude))
        return real_ann(cls, model_dir, device=device, batch_sentences=batch_sentences, exclude=exclude, **kw)

    def clf_load(cls, path, *args, **kw):
        if not args and _same_weights(path) and _session_options(clf, **kw):
            return clf
        return real_clf(cls, path, *args, **kw)

    monkeypatch.setattr(Annotator, "load", classmethod(ann_load))
    monkeypatch.setattr(TokenClassifier, "load", classmethod(clf_load))
    yield annotator
    torch.set_num_threads(threads)


class CliResult(NamedTuple):
    returncode: int
    stdout: bytes
    stderr: bytes


@pytest.fixture
def cli(loaded, capsys, caplog, monkeypatch):
    """``cli(*args, stdin=b"...")``: ``main(args)`` in process (see :func:`loaded`) -> (returncode,
    stdout, stderr) as ``python -m hebnews.cli ARGS`` would give them. stderr is what main printed
    there, then the log records the CLI's own logging setup would show (-q: errors, -v or train:
    info, else warnings), one line each as ``hebnews: LEVEL: message`` (train: the message)."""
    from hebnews.cli import main

    def call(*args, stdin: bytes | None = None) -> CliResult:
        args = [str(a) for a in args]
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        monkeypatch.delenv("TRANSFORMERS_VERBOSITY", raising=False)  # main sets it; restored after the test
        quiet = "-q" in args or "--quiet" in args
        train = bool(args) and args[0] == "train"
        level = logging.ERROR if quiet else logging.INFO if train or "-v" in args or "--verbose" in args \
            else logging.WARNING
        capsys.readouterr()
        caplog.clear()
        with caplog.at_level(logging.INFO):
            try:
                code = main(args)
            except SystemExit as exc:  # argparse: --help, usage errors
                code = exc.code if isinstance(exc.code, int) else 1
        out = capsys.readouterr()
        logged = "".join((r.getMessage() if train else f"hebnews: {r.levelname}: {r.getMessage()}") + "\n"
                         for r in caplog.records if r.levelno >= level)
        return CliResult(code, out.out.encode("utf-8"), (out.err + logged).encode("utf-8"))

    return call


@pytest.fixture
def run(capsys):
    """``run(*args)`` -> (exit code, stdout, stderr) of ``hebnews ARGS`` in process (commands
    that need no model)."""
    from hebnews.cli import main

    def call(*args):
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse
            code = exc.code
        out = capsys.readouterr()
        return code, out.out, out.err
    return call


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory):
    """A tiny random BERT token classifier (2 layers, hidden 32) with the shipped model's
    tokenizer and labels, saved as a model folder: a base for the training smoke tests, which
    check the recipe's plumbing (data, heads, saving, reloading, scoring), not its accuracy."""
    import json

    import torch
    from transformers import BertConfig, BertForTokenClassification

    if not (MODEL_DIR / "config.json").exists():
        pytest.skip(f"no trained model at {MODEL_DIR} (its tokenizer is the tiny model's)")
    real = json.loads((MODEL_DIR / "config.json").read_text(encoding="utf-8"))
    keep = ("vocab_size", "pad_token_id", "bos_token_id", "eos_token_id", "max_position_embeddings",
            "type_vocab_size", "layer_norm_eps", "id2label", "label2id")
    config = BertConfig(**{k: real[k] for k in keep}, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, architectures=["BertForTokenClassification"])
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-bert")
    BertForTokenClassification(config).save_pretrained(folder)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        (folder / name).write_bytes((MODEL_DIR / name).read_bytes())
    return folder
