"""Character-span gold built from morpheme-level CoNLL-U: offsets exact, prefixes outside."""
from pathlib import Path

from hebnews.corpora.conllu import _layout, _read_conllu, _spans_iahlt

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

    from hebnews.corpora.ner_gold import jsonl_gold

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
    from hebnews.corpora.ner_gold import jsonl_gold

    gold = jsonl_gold(Path(__file__).parent.parent / "data" / "ner" / "geektime_val.jsonl")
    assert len(gold) == 125
    for g in gold:
        assert all(g.text[s:e] == g.text[s:e].strip() and e > s for s, e, _ in g.spans)
        assert sorted(g.spans) == g.spans


def _gold_file(tmp_path):
    import json

    rows = []
    for art in range(4):
        for par in range(2):
            text = f"מנכ\"ל Apple טים קוק ביקר בישראל. הוא נפגש עם נתניהו {art}{par}."
            ents = [(6, 11, "ORG"), (12, 19, "PER"), (text.index("ישראל"), text.index("ישראל") + 5, "GPE"),
                    (text.index("נתניהו"), text.index("נתניהו") + 6, "PER")]
            rows.append({"id": f"heq:val:{art}:{par}", "text": text,
                         "entities": [{"start": s, "end": e, "text": text[s:e], "label": lab} for s, e, lab in ents]})
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_folds_split_by_article_and_cover_the_file_once(tmp_path):
    import pytest

    from hebnews.corpora.ner_gold import article_key, jsonl_gold, parse_fold

    assert article_key("heq:val:57:0") == article_key("heq:val:57:3") == "heq:val:57"
    assert article_key("htb:145") == "htb:145"
    assert parse_fold("1/2") == (1, 2) and parse_fold(None) is None
    for bad in ("2/2", "0/1", "a/b", "1"):
        with pytest.raises(ValueError, match="fold must be"):
            parse_fold(bad)
    path = _gold_file(tmp_path)
    whole = jsonl_gold(path)
    halves = [jsonl_gold(path, (i, 2)) for i in range(2)]
    assert len(whole) == 8 and [len(h) for h in halves] == [4, 4]
    texts = [{g.text for g in h} for h in halves]
    assert not texts[0] & texts[1] and texts[0] | texts[1] == {g.text for g in whole}
    # both paragraphs of an article land in the same fold
    assert {t[-3] for t in texts[0]} == {"0", "2"} and {t[-3] for t in texts[1]} == {"1", "3"}


def test_char_gold_becomes_token_training_sentences_with_prefixes_inside(tmp_path):
    from hebnews.corpora.char_tokens import char_gold_sentences

    sents = char_gold_sentences(_gold_file(tmp_path), "0/2")
    assert len(sents) == 8  # 4 paragraphs, two sentences each
    first, second = sents[0], sents[1]
    assert list(zip(first.tokens, first.labels)) == [
        ("מנכ\"ל", "O"), ("Apple", "S-ORG"), ("טים", "B-PER"), ("קוק", "E-PER"), ("ביקר", "O"),
        ("בישראל", "S-GPE"), (".", "O")]  # the clitic ב stays inside the token, as in NEMO token-single
    assert second.labels[second.tokens.index("נתניהו")] == "S-PER"
    assert sum(lab[0] in "BS" for s in char_gold_sentences(_gold_file(tmp_path)) for lab in s.labels) == 32


def test_join_running_keeps_every_span_on_its_text():
    from hebnews.corpora.base import GoldSentence
    from hebnews.evaluate.spans import join_running

    gold = [GoldSentence("פוטין נחת באלסקה.", [(0, 5, "PER"), (11, 16, "GPE")]),
            GoldSentence("טראמפ חיכה לו.", [(0, 5, "PER")]),
            GoldSentence("אין כאן שמות.", []),
            GoldSentence("נאט\"ו שתק.", [(0, 5, "ORG")])]
    runs = join_running(gold, 3)
    assert [r.text.count("\n") for r in runs] == [2, 0]
    assert runs[0].text.split("\n") == [g.text for g in gold[:3]]
    got = [(r.text[s:e], lab) for r in runs for s, e, lab in r.spans]
    assert got == [("פוטין", "PER"), ("אלסקה", "GPE"), ("טראמפ", "PER"), ('נאט"ו', "ORG")]
    assert join_running(gold, 1) == gold


def test_score_spans_reads_runs_of_sentences_as_one_text_when_asked():
    """--running N: the annotator sees N sentences as one text; spans are scored on that text."""
    from types import SimpleNamespace

    from hebnews.corpora.base import GoldSentence
    from hebnews.evaluate.spans import score_spans

    gold = [GoldSentence("פוטין נחת.", [(0, 5, "PER")]), GoldSentence("טראמפ חיכה.", [(0, 5, "PER")]),
            GoldSentence("הם נפגשו.", [])]
    seen = []

    class Ann:
        classifier = SimpleNamespace(context_length=0)

        def annotate_many(self, texts):
            for t in texts:
                seen.append(t)
                ents = [SimpleNamespace(start=t.index(w), end=t.index(w) + len(w), label="PER")
                        for w in ("פוטין", "טראמפ") if w in t]
                yield SimpleNamespace(entities=ents)

    assert score_spans(Ann(), gold, running=3)["f1"] == 100.0
    assert seen == ["פוטין נחת.\nטראמפ חיכה.\nהם נפגשו."]
    seen.clear()
    assert score_spans(Ann(), gold)["f1"] == 100.0 and len(seen) == 3
