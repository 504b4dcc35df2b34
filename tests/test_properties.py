"""Property tests: random mixes of Hebrew, Latin, digits, punctuation, quotes, marks, spaces."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.document import validate
from pipeline.normalize import normalize
from pipeline.segment import segment

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


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.function_scoped_fixture])
@given(TEXTS)
def test_pipeline_never_raises_and_output_is_valid(annotator, text):
    data = annotator.annotate(text).to_dict()
    validate(data)  # JSON Schema + text[start:end] == span for every layer
    assert data["text"] == text
    prev_end = 0
    for e in sorted(data["entities"], key=lambda e: e["start"]):
        assert e["start"] >= prev_end and e["end"] > e["start"]  # no overlaps in one layer
        prev_end = e["end"]
