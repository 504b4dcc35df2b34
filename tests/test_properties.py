"""Property tests: random mixes of Hebrew, Latin, digits, punctuation, quotes, marks, spaces."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hebnews.document import validate
from hebnews.normalize import normalize
from hebnews.segment import segment

PIECES = st.sampled_from([
    "ארה\"ב", "צה״ל", "אנקורג'", "ג׳ורג׳", "פוטין", "באוקראינה", "לנאט\"ו", "שָׁלוֹם", "ירושלים", "ו",
    "Trump", "iPad", "COVID-19", "2025", "22:00", "1,000.5", "50%", "https://x.co/a?b=1", "#חדשות",
    "@user", ".", ",", "!", "?", "...", ":", ";", "-", "־", "–", "(", ")", "\"", "'", "“", "”", "„",
    "״", "׳", " ", "  ", "\n", "\r\n", "\t", "\u00a0", "\u200f", "\u200e", "\u200b", "\u202b",
    "\ufeff", "🙂", "👨‍👩‍👧", "\u0591", "ק.ג.ב", "פ.", "\x00", "\x07",
])
TEXTS = st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=40).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_segmentation_offsets_are_exact_and_ordered(text):
    nt = normalize(text)
    assert len(nt.starts) == len(nt.text)
    sentences, tokens = segment(nt)
    prev_end = 0
    for t in tokens:
        assert text[t.start:t.end] == t.text and t.text
        assert t.start >= prev_end  # tokens in order, never overlapping
        prev_end = t.end
    prev = 0
    for i, s in enumerate(sentences):
        assert prev <= s.start < s.end <= len(text)
        prev = s.end
        assert all(tokens[k].sentence == i for k in range(s.first, s.last))
    assert sum(s.last - s.first for s in sentences) == len(tokens)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(st.lists(TEXTS, min_size=1, max_size=6))
def test_pipeline_never_raises_and_output_is_valid(annotator, texts):
    """Random texts, several at a time through the batched path (about 175 texts in all): one
    valid document per text, in order, each with its own text and non-overlapping entities."""
    docs = list(annotator.annotate_many(texts))
    assert len(docs) == len(texts)
    for text, doc in zip(texts, docs):
        data = doc.to_dict()
        validate(data)  # JSON Schema + text[start:end] == span for every layer
        assert data["text"] == text
        prev_end = 0
        for e in sorted(data["entities"], key=lambda e: e["start"]):
            assert e["start"] >= prev_end and e["end"] > e["start"]  # no overlaps in one layer
            prev_end = e["end"]


# JSONL archives: whatever the JSON decoder accepts as a record's text gives a document or a
# one-line error for that record, never a crash, and every valid record is written
ODD = st.sampled_from([
    "\ud800", "\udfff", "\ud83d", "\x00", "\x1b[31m", "\u202e", "\u200f", "\u0301\u0301", "\u2028",
    "🇮🇱", "\ufffd", "\U0010ffff",
    "א" * 101, "x" * 400, "https://x.co/" + "a" * 200,  # longer than a word piece may be (100)
])
RECORD_TEXTS = st.lists(st.one_of(PIECES, ODD, st.text(st.characters(exclude_categories=()), max_size=8)),
                        max_size=12).map("".join)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(st.lists(RECORD_TEXTS, min_size=1, max_size=3))
def test_jsonl_run_gives_each_record_a_document_or_an_error(annotator, tmp_path_factory, texts):
    import json

    from hebnews.batch import run_jsonl
    from hebnews.document import surrogate_problem

    folder = tmp_path_factory.mktemp("jsonl")
    archive = folder / "in.jsonl"  # json.dumps escapes everything, "\ud800" included
    archive.write_text("".join(json.dumps({"id": f"r{i}", "text": t}) + "\n" for i, t in enumerate(texts)))
    texts = [json.loads(json.dumps(t)) for t in texts]  # what the decoder gives: "\ud800\udfff" is one pair
    errors = []
    res = run_jsonl(annotator, [(str(archive), "in")], folder / "out.jsonl", quiet=True, on_error=errors.append)
    lines = (folder / "out.jsonl").read_bytes().splitlines()  # on \n only: U+2028 may be in a text
    docs = [json.loads(line) for line in lines]
    good = [(f"r{i}", t) for i, t in enumerate(texts) if surrogate_problem(t) is None]
    assert [(d["meta"]["id"], d["text"]) for d in docs] == good
    for d in docs:
        validate(d)
    bad = [i for i, t in enumerate(texts) if surrogate_problem(t) is not None]
    assert [e.split(": ")[0] for e in errors] == [f"{archive}:{i + 1}" for i in bad]
    assert all(len(e.splitlines()) == 1 for e in errors)
    assert (res.written, res.failed) == (len(good), len(bad))
