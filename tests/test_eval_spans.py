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


def test_jsonl_gold_reads_our_char_span_files_and_rejects_wrong_offsets(tmp_path):
    import json

    import pytest

    from pipeline.evaluate.spans import jsonl_gold

    text = "מנכ\"ל Apple טים קוק ביקר בישראל."
    good = {"id": "d1", "text": text, "entities": [
        {"start": 6, "end": 11, "text": "Apple", "label": "ORG"},
        {"start": 12, "end": 19, "text": "טים קוק", "label": "PER"},
        {"start": 26, "end": 31, "text": "ישראל", "label": "GPE"}]}
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(good, ensure_ascii=False) + "\n", encoding="utf-8")
    [g] = jsonl_gold(path)
    assert g.text == text and [text[s:e] for s, e, _ in g.spans] == ["Apple", "טים קוק", "ישראל"]
    bad = dict(good, entities=[{"start": 25, "end": 31, "text": "ישראל", "label": "GPE"}])
    path.write_text(json.dumps(bad, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="do not match"):
        jsonl_gold(path)


def test_the_geektime_gold_in_the_repo_is_valid():
    from pipeline.evaluate.spans import jsonl_gold

    gold = jsonl_gold(Path(__file__).parent.parent / "data" / "ner" / "geektime_val.jsonl")
    assert len(gold) == 125
    for g in gold:
        assert all(g.text[s:e] == g.text[s:e].strip() and e > s for s, e, _ in g.spans)
        assert sorted(g.spans) == g.spans
