import numpy as np
import pytest

from hebnews.model import ModelError, TokenClassifier, encode_words, resolve_device, windows

from .conftest import MODEL_DIR


def test_windows_cover_everything_with_overlap():
    assert windows(5, 10, 5) == [(0, 5)]
    w = windows(25, 10, 5)
    assert w[0] == (0, 10) and w[-1][1] == 25
    assert all(b - a == 10 for a, b in w)
    covered = set()
    for a, b in w:
        covered.update(range(a, b))
    assert covered == set(range(25))


def test_unknown_and_unavailable_devices():
    with pytest.raises(ModelError, match="unknown device"):
        resolve_device("tpu")
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(ModelError, match="CUDA is not available"):
            resolve_device("cuda")


def test_missing_or_broken_model_folder(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        TokenClassifier.load(tmp_path / "nope")
    (tmp_path / "config.json").write_text("{not json")
    (tmp_path / "tokenizer.json").write_text("{}")
    with pytest.raises(ModelError, match="cannot load model"):
        TokenClassifier.load(tmp_path)


@pytest.fixture(scope="module")
def clf(annotator):
    """The shipped model in fp32 on the lite backend: the session's, unless the suite runs in
    another precision (HEBNEWS_PRECISION=bf16)."""
    if (annotator.classifier.precision, annotator.classifier.backend) == ("fp32", "lite"):
        return annotator.classifier
    return TokenClassifier.load(MODEL_DIR, device="cpu", precision="fp32")


def test_first_subword_positions(clf):
    sents = [["נשיא", "רוסיה", "ולדימיר", "פוטין"], [], ["\u200d"]]
    enc = encode_words(clf.tokenizer, sents)
    assert len(enc[0].first) == 4 and enc[0].first[0] == 0
    assert list(enc[0].first) == sorted(enc[0].first)
    assert len(enc[1].ids) == 0


def test_windowed_scores_match_unwindowed_away_from_edges(clf):
    words = ("ראש הממשלה נפגש בירושלים עם נשיא ארצות הברית ודנו במצב באוקראינה ובמזרח התיכון .".split()) * 6
    full = clf.logprobs([words])[0]
    small = TokenClassifier(clf.model, clf.tokenizer, max_length=40, stride=16)
    win = small.logprobs([words])[0]
    assert full.shape == win.shape == (len(words), len(clf.labels))
    # same best label for the large majority of words despite the much smaller context
    agree = (full.argmax(1) == win.argmax(1)).mean()
    assert agree > 0.9


def test_batching_does_not_change_results(clf):
    sents = [["פוטין", "נחת", "באלסקה", "."], ["טראמפ", "קיבל", "את", "פניו", "."] * 3, ["שלום"]]
    together = clf.logprobs(sents)
    alone = [clf.logprobs([s])[0] for s in sents]
    for a, b in zip(together, alone):
        assert np.allclose(a, b, atol=1e-4)


def test_model_folder_loads_with_plain_transformers():
    """No hebnews code needed: Auto classes and transformers.pipeline work on the folder."""
    if not (MODEL_DIR / "config.json").exists():
        pytest.skip("no trained model")
    from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

    tok = AutoTokenizer.from_pretrained(MODEL_DIR)
    model = AutoModelForTokenClassification.from_pretrained(MODEL_DIR)
    assert model.config.num_labels == 37 and model.config.id2label[0] == "O"
    ner = pipeline("token-classification", model=model, tokenizer=tok, device="cpu")
    out = ner("נשיא רוסיה ולדימיר פוטין נפגש עם דונלד טראמפ באלסקה.")
    assert any(o["entity"].endswith("PER") for o in out)


def test_lite_backend_equals_transformers(clf):
    """Our lean BERT runtime gives the transformers model's scores and word vectors (fp32)."""
    hf = TokenClassifier.load(MODEL_DIR, device="cpu", backend="transformers", precision="fp32")
    assert clf.precision == hf.precision == "fp32"
    assert clf.backend == "lite" and hf.backend == "transformers"
    text = open(MODEL_DIR.parent.parent / "tests" / "fixtures" / "article.he.txt", encoding="utf-8").read()
    sents = [s.split() + ["."] for s in text.split(".") if s.split()]
    want = [True] * len(sents)
    lp_a, vec_a = clf.run(sents, want, (8, 12))
    lp_b, vec_b = hf.run(sents, want, (8, 12))
    for a, b in zip(lp_a, lp_b):
        assert np.abs(a - b).max() < 1e-4
    for a, b in zip(vec_a, vec_b):
        assert np.abs(a.astype(np.float32) - b.astype(np.float32)).max() < 1e-2  # float16 storage
    for a, b in zip(encode_words(clf.tokenizer, sents), encode_words(hf.tokenizer, sents)):
        assert a.ids == b.ids and (a.first == b.first).all()


def test_annotating_does_not_import_transformers(tmp_path):
    """The lite runtime keeps the two-second transformers import out of the CLI's cold start."""
    import subprocess
    import sys

    src = tmp_path / "a.txt"
    src.write_text("ראש הממשלה נפגש היום בירושלים עם נשיא צרפת.", encoding="utf-8")
    code = ("import sys; from hebnews.cli import main; rc = main(['annotate', sys.argv[1], '-o', sys.argv[2], '-q']); "
            "assert 'transformers' not in sys.modules, 'transformers was imported'; sys.exit(rc)")
    out = tmp_path / "a.json"
    r = subprocess.run([sys.executable, "-c", code, str(src), str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert out.is_file() and '"entities"' in out.read_text(encoding="utf-8")


DOC = [["ראש", "הממשלה", "נפגש", "עם", "דונלד", "טראמפ", "."],
       ["טראמפ", "אמר", "כי", "הפגישה", "הייתה", "טובה", "."],
       ["לדבריו", ",", "השיחות", "יימשכו", "בוושינגטון", "."]]


def test_run_documents_without_context_is_sentence_by_sentence(clf):
    assert clf.context_length == 0  # the shipped model reads sentences on their own
    docs = [DOC, DOC[:1]]
    lps, vecs = clf.run_documents(docs)
    alone = clf.logprobs(DOC + DOC[:1])
    assert len(lps) == 4 and vecs == [None] * 4
    for a, b in zip(lps, alone):
        assert np.allclose(a, b, atol=1e-4)


def test_document_context_reads_a_document_as_one_stream(clf):
    ctx = TokenClassifier(clf.model, clf.tokenizer, context_length=64)
    lps, vecs = ctx.run_documents([DOC, [["שלום"]]], want_vectors=[False, True, False, True], layers=(12,))
    assert [lp.shape for lp in lps] == [(len(s), len(clf.labels)) for s in DOC + [["שלום"]]]
    # sentence boundaries do not change what a word sees: the stream is the same words
    whole = ctx.run_documents([[[w for s in DOC for w in s]]])[0][0]
    assert np.allclose(np.concatenate(lps[:3]), whole, atol=1e-4)
    # a short document fits one window: exactly the scores of the document read as one sentence
    assert np.allclose(whole, clf.logprobs([[w for s in DOC for w in s]])[0], atol=1e-4)
    # ... which differ from reading each sentence on its own: the neighbours are seen
    assert not np.allclose(np.concatenate(lps[:3]), np.concatenate(clf.logprobs(DOC)), atol=1e-3)
    # word vectors only where asked for, one row per word
    assert vecs[0] is None and vecs[2] is None and vecs[1].shape == (len(DOC[1]), 384) and vecs[3].shape == (1, 384)
    # a long document: windows of the context length, every word scored once
    long_doc = DOC * 12
    lps = ctx.run_documents([long_doc])[0]
    assert [len(x) for x in lps] == [len(s) for s in long_doc]
    with pytest.raises(ValueError, match="want_vectors has 2 flags for 3 sentences"):
        ctx.run_documents([DOC], want_vectors=[True, False], layers=(12,))
    with pytest.raises(ModelError, match="too short"):
        TokenClassifier(clf.model, clf.tokenizer, context_length=8)
