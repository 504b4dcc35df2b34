"""The speaker checker of issue 22 (hebnews.evaluate.speaker_checks) on hand-made predicted
documents: each guarantee it counts, and the error classes of wrong speakers against a gold."""
from __future__ import annotations

import json

from hebnews.evaluate.speaker_checks import by_class, check, main, speaker_class


def _doc(text: str, quote: str, speaker: str | None, mention: str | None = None, entity_at: str | None = None,
         sentences: bool = True) -> dict:
    """One document with one quote (``quote``'s first occurrence) whose speaker is ``speaker``,
    its mention the last occurrence of ``mention`` before or after it, and, with ``entity_at``,
    a PER entity there that the speaker names."""
    a = text.index(quote)
    q = {"id": "q1", "start": a, "end": a + len(quote), "text": quote, "speaker": None}
    ents = []
    if entity_at is not None:
        s = text.index(entity_at)
        ents.append({"id": "e1", "start": s, "end": s + len(entity_at), "text": entity_at, "label": "PER"})
    if speaker is not None:
        m = None
        if mention is not None:
            s = text.rindex(mention)
            m = {"start": s, "end": s + len(mention), "text": mention}
        q["speaker"] = {"text": speaker, "entity": "e1" if entity_at and speaker == entity_at else None,
                        "mention": m}
    ends = [i + 1 for i, c in enumerate(text) if c == "."] or [len(text)]
    sents = [{"start": s, "end": e} for s, e in zip([0] + ends[:-1], ends)] if sentences else []
    return {"id": "d", "text": text, "entities": ents, "quotes": [q], "sentences": sents}


def test_a_numeral_speaker_is_counted():
    doc = _doc('אדם אחד צעק: "תנו לעבור".', "תנו לעבור", "אחד", "אחד")
    assert check([doc])["numeral"] == 1
    ok = _doc('אדם אחד צעק: "תנו לעבור".', "תנו לעבור", "אדם אחד", "אדם אחד")
    assert check([ok])["numeral"] == 0


def test_a_pronoun_left_unresolved_next_to_a_named_person_is_counted():
    text = 'השר משה לוי נאם והוא אמר: "נמשיך".'
    doc = _doc(text, "נמשיך", "הוא", "הוא", entity_at="משה לוי")
    doc["quotes"][0]["speaker"]["entity"] = None
    assert check([doc])["unresolved_pronoun"] == 1
    resolved = _doc(text, "נמשיך", "משה לוי", "הוא", entity_at="משה לוי")
    assert check([resolved])["unresolved_pronoun"] == 0
    # nobody named in the sentence: a pronoun may stay as it is
    alone = _doc('השר נאם. הוא אמר: "נמשיך".', "נמשיך", "הוא", "הוא")
    assert check([alone])["unresolved_pronoun"] == 0


def test_a_speaker_named_in_a_paragraph_of_another_language_is_counted():
    text = 'Elon Musk wrote that the deal is off.\nהמנכ"לית הגיבה: "אנחנו ממשיכים".'
    doc = _doc(text, "אנחנו ממשיכים", "Elon Musk", None, entity_at="Elon Musk")
    res = check([doc])
    assert res["foreign_paragraph"] == 1 and res["violations"][0]["speaker"] == "Elon Musk"


def test_wrong_speakers_are_counted_by_class():
    text = 'השר משה לוי נאם בכיכר. אדם אחד בקהל צעק: "תנו לנו לעבור".'
    gold = _doc(text, "תנו לנו לעבור", "אדם אחד", "אדם אחד")
    wrong = _doc(text, "תנו לנו לעבור", "משה לוי", "משה לוי", entity_at="משה לוי")
    right = _doc(text, "תנו לנו לעבור", "אדם אחד", "אדם אחד")
    assert speaker_class(text, wrong["quotes"][0], gold["quotes"][0]) == "numeral"
    assert by_class([wrong], [gold])["numeral"] == {"total": 1, "wrong": 1}
    assert by_class([right], [gold])["numeral"] == {"total": 1, "wrong": 0}
    # a pronoun the gold resolves to a name: the reference class
    text2 = 'דנה גל הגיעה. היא אמרה: "נמשיך".'
    g2 = _doc(text2, "נמשיך", "דנה גל", "היא")
    p2 = _doc(text2, "נמשיך", "היא", "היא")
    res = by_class([p2], [g2])
    assert res["reference"] == {"total": 1, "wrong": 1} and res["errors"][0]["pred"] == "היא"


def test_the_command_prints_counts_and_fails_on_a_violation(tmp_path, capsys):
    doc = _doc('אדם אחד צעק: "תנו לעבור".', "תנו לעבור", "אחד", "אחד")
    pred = tmp_path / "pred.jsonl"
    pred.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
    assert main([str(pred), "--gold", str(pred)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["numeral"] == 1 and out["classes"]["numeral"]["total"] == 1
    assert main([str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err
