"""Character-span gold built from morpheme-level CoNLL-U: offsets exact, prefixes outside."""
from pathlib import Path

from pipeline.evaluate.spans import _layout, _read_conllu, _spans_iahlt

FIX = Path(__file__).parent / "fixtures" / "conllu" / "iahlt_mini.conllu"


def test_text_is_rebuilt_and_entity_spans_leave_prefixes_out():
    sents = list(_read_conllu(FIX))
    text, words = _layout(sents[0][1])
    assert text == sents[0][0]["text"]
    spans = _spans_iahlt(words)
    assert [(text[s:e], lab) for s, e, lab in spans] == [("אוקראינה", "GPE"), ("בית הלבן", "FAC")]


def test_titles_are_dropped_and_people_kept():
    text, words = _layout(list(_read_conllu(FIX))[1][1])
    assert text == "שר החוץ ישראל כץ אמר."
    assert [(text[s:e], lab) for s, e, lab in _spans_iahlt(words)] == [("ישראל כץ", "PER")]
