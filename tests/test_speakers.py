"""Speaker rules by error class (issue 22): numerals and quantifiers, nouns spelled like speech
verbs, paragraphs in another language, words that are no noun, descriptions and pronouns that
point back to a person. Each test is a short hand-written Hebrew text with real tokens
(normalisation and segmentation, no model), entities given by hand, and the head's scores set
by hand where the rule reads them."""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest

from hebnews.quotes import SpeakerContext
from hebnews.quotes.decode import _attribute


@dataclass
class Ent:
    id: str
    start: int
    end: int
    text: str
    label: str
    token_start: int | None = None


def _prep(text: str, labels: dict[str, str]):
    """Real tokens of ``text`` and an entity for each of ``labels`` (its first occurrence; a key
    may carry a "#2" suffix for the second)."""
    from hebnews.annotator import Annotator

    prep = Annotator.prepare(text)
    ents = []
    for n, (key, label) in enumerate(labels.items()):
        words, _, nth = key.partition("#")
        start = -1
        for _ in range(int(nth or 1)):
            start = text.index(words, start + 1)
        tok = next(t for t in prep.tokens if t.start <= start < t.end)
        ents.append(Ent(f"e{n + 1}", start, start + len(words), words, label, tok.start))
    return prep, sorted(ents, key=lambda e: e.start)


def _speaker(text: str, labels: dict[str, str], speaker: str, cue: str | None, cue_words=("אמר", "שאלה", "צעק"),
             cue_score: dict[str, float] | None = None, inside: tuple[str, ...] = ()):
    """(speaker text, entity id) of the last quote of ``text`` when the head's best speaker start
    is the word ``speaker`` (``inside``: words it continues over), its cue the word ``cue``
    (``cue_score``: other words' cue probabilities); each word's last occurrence."""
    prep, ents = _prep(text, labels)
    toks = prep.tokens
    words = [t.text for t in toks]

    def at(w: str) -> int:
        return context.index(len(words) - 1 - words[::-1].index(w))

    spans = [prep.normalized.to_original(c.start, c.end) for c in prep.candidates]
    span = spans[-1]
    content = [i for i, t in enumerate(toks) if span[0] - 1 <= t.start and t.end <= span[1] + 1]
    context = [i for i in range(len(toks)) if i not in content]
    x = SimpleNamespace(context=context, content=content, after=content[-1] + 1 if content[-1] + 1 < len(toks) else -1)
    n = len(context)
    sb, si, cs = np.full(n, 0.01), np.zeros(n), np.zeros(n)
    sb[at(speaker)] = 0.9
    for w in inside:
        si[at(w)] = 0.9
    if cue is not None:
        cs[at(cue)] = 0.9
    for w, v in (cue_score or {}).items():
        cs[at(w)] = v
    row = SimpleNamespace(cue=cs, cue_none=0.5, speaker_b=sb, speaker_none=0.0, speaker_i=si)
    from hebnews.quote_head import HeadConfig

    tagger = SimpleNamespace(cfg=HeadConfig(cue_words=list(cue_words)), cue_words=frozenset(cue_words))
    ctx = SpeakerContext(text, toks, ents, {e.id: e.id for e in ents}, [], spans, prep.normalized, None)
    spk, _ = _attribute(ctx, x, row, span, None, tagger)
    return (spk.text, spk.entity) if spk is not None else None


# ----------------------------------------------------------------------------- (a) numerals

@pytest.mark.parametrize("text,speaker,expected", [
    ('השר משה לוי נאם בכיכר. אדם אחד בקהל צעק: "תנו לנו לעבור".', "אחד", "אדם אחד"),
    ('השרה רינה כץ נאמה בכיכר. אחר כך אמר אחד הנוכחים: "לא שמענו דבר".', "אחד", "אחד הנוכחים"),
    ('הנציגה דנה גל יצאה מהחדר. כמה מהעובדים צעקו: "אנחנו רוצים תשובה".', "כמה", "כמה מהעובדים"),
    # any number but "one", and a quantifier, stands before its noun, definite or not
    ('השר משה לוי נאם בכיכר. "לא נזוז מכאן", צעקו לעברו שלושה סטודנטים.', "שלושה", "שלושה סטודנטים"),
    ('השר משה לוי נאם בכיכר. "לא נזוז מכאן", צעקו לעברו כמה צעירים.', "כמה", "כמה צעירים"),
    ('השר משה לוי נאם בכיכר. 600 מתנדבים צעקו: "לא נזוז מכאן".', "600", "600 מתנדבים"),
])
def test_a_numeral_or_quantifier_speaks_with_the_noun_it_counts(text, speaker, expected):
    labels = {n: "PER" for n in ("משה לוי", "רינה כץ", "דנה גל") if n in text}
    assert _speaker(text, labels, speaker, None) == (expected, None)


def test_a_number_behind_a_preposition_is_no_mention():
    """בשני המקרים ("in both cases"): the prefix stripper takes ב off, and שני is no speaker."""
    from hebnews.prefixes import PrefixStripper

    text = 'הצרכנית רותי לוי בדקה שתי אריזות. בשני המקרים נכתב: "דל שומן".'
    prep, ents = _prep(text, {"רותי לוי": "PER"})
    spans = [prep.normalized.to_original(c.start, c.end) for c in prep.candidates]
    ctx = SpeakerContext(text, prep.tokens, ents, {}, [], spans, prep.normalized, PrefixStripper(hosts=frozenset({"שני"})))
    k = [t.text for t in prep.tokens].index("בשני")
    context = [i for i, t in enumerate(prep.tokens) if not (spans[-1][0] - 1 <= t.start < spans[-1][1] + 1)]
    x = SimpleNamespace(context=context)
    sb = np.full(len(context), 0.01)
    sb[context.index(k)] = 0.9
    row = SimpleNamespace(speaker_b=sb, speaker_i=np.zeros(len(context)), speaker_none=0.1)
    from hebnews.quote_head import HeadConfig
    from hebnews.quotes.mentions import find_mention

    assert find_mention(ctx, x, row, spans[-1], None, HeadConfig()) is None


def test_a_numeral_alone_is_never_the_speaker():
    text = 'יוסי כהן ישב בשורה הראשונה. "זה לא יעבור", אמר אחד.'
    got = _speaker(text, {"יוסי כהן": "PER"}, "אחד", "אמר")
    assert got is None or got[0] != "אחד"


# ----------------------------------------------------------------------------- (b) homographs

def test_a_noun_spelled_like_a_speech_verb_is_the_subject_of_the_cue():
    """כתבת שאלה: "a reporter asked", not "you wrote" (a verb pointing back to the minister)."""
    text = 'השר אבי דיין הגיע למסיבת העיתונאים. כתבת שאלה אותו: "מתי תתפטר?"'
    got = _speaker(text, {"אבי דיין": "PER"}, "כתבת", "שאלה", cue_score={"כתבת": 0.4})
    assert got == ("כתבת", None)
    # the head took the noun for the cue: the speech verb after it is the cue, the noun speaks
    text3 = 'השר אבי דיין הגיע למסיבת העיתונאים. כתבת הטלוויזיה שאלה אותו: "מתי תתפטר?"'
    assert _speaker(text3, {"אבי דיין": "PER"}, "כתבת", "כתבת", cue_score={"שאלה": 0.6}) == ("כתבת", None)
    # כתבת as the only cue word: "you wrote" has no place in a report's narration, so a reporter
    text4 = 'השר אבי דיין הגיע למסיבת העיתונאים. כתבת הטלוויזיה: "מתי תתפטר?"'
    assert _speaker(text4, {"אבי דיין": "PER"}, "כתבת", "כתבת", cue_words=("כתב",)) == ("כתבת", None)
    # the same word as the only cue is still a verb without a subject: the person before
    text2 = 'השר אבי דיין הגיע למסיבת העיתונאים. "אני לא מתפטר", כתב.'
    assert _speaker(text2, {"אבי דיין": "PER"}, "כתב", "כתב", cue_words=("כתב",)) == ("אבי דיין", "e1")


# ----------------------------------------------------------------------------- (c) languages

def test_no_speaker_comes_from_a_paragraph_in_another_language():
    text = ('מנכ"לית החברה נועה ברק הגיבה לציוץ.\n'
            'Elon Musk wrote on X that the deal is off and nobody should wait.\n'
            'היא אמרה: "אנחנו ממשיכים כרגיל".')
    labels = {"נועה ברק": "PER", "Elon Musk": "PER"}
    assert _speaker(text, labels, "היא", "אמרה", cue_words=("אמרה",)) == ("נועה ברק", "e1")
    # with the Hebrew name gone, the English paragraph's author is still nobody's antecedent
    text2 = text.replace("נועה ברק", "החדשה")
    assert _speaker(text2, {"Elon Musk": "PER"}, "היא", "אמרה", cue_words=("אמרה",)) != ("Elon Musk", "e1")


def test_paragraph_language_counts_letters_of_each_script():
    from hebnews.quotes.mentions import paragraph_language

    text = "נשיא החברה אמר היום כי ה-API של AWS יעודכן.\nThe CEO said so on X.\n"
    assert paragraph_language(text, 3) == "he"
    assert paragraph_language(text, text.index("CEO")) == "other"


# ----------------------------------------------------------------------------- (d) non-nouns

def test_a_copula_is_never_the_speaker_mention():
    """X אינה מסכימה: "..." with the head's best start on the copula: the word after it in score
    order speaks (here the name)."""
    from hebnews.quotes.mentions import _speaker_start

    text = 'המנכ"לית מיכל רון אינה מסכימה: "הנתונים מטעים".'
    prep, ents = _prep(text, {"מיכל רון": "PER"})
    words = [t.text for t in prep.tokens]
    ctx = SpeakerContext(text, prep.tokens, ents)
    scores = np.zeros(len(words))
    scores[words.index("אינה")], scores[words.index("רון")] = 0.6, 0.1
    context = list(range(len(words)))
    assert words[_speaker_start(ctx, scores, context, skip=ctx.never_speakers)] == "רון"
    assert _speaker(text, {"מיכל רון": "PER"}, "אינה", "מסכימה") == ("מיכל רון", "e1")


def test_punctuation_and_prepositions_never_start_a_mention():
    text = 'לאחר הדיון אמר מתוך הקהל משה לוי: "נמשיך".'
    prep, ents = _prep(text, {"משה לוי": "PER"})
    ctx = SpeakerContext(text, prep.tokens, ents)
    never = {prep.tokens[i].text for i in ctx.never_speakers}
    assert {":", "לאחר", "מתוך"} <= never and not never & {"משה", "לוי", "הקהל", "הדיון"}


# ----------------------------------------------------------------------------- relative clauses

def test_the_subject_of_a_closed_relative_clause_is_never_the_speaker():
    """השרה, אחרי ישיבה שבה דיבר נציג אחד, אמרה: "...": the clause's subject (נציג) is not who
    speaks; the cue without a subject points back to the person named before."""
    text = 'השרה מירי לוי הגיעה לכנסת, ואחרי ישיבה שבה דיבר נציג אחד, אמרה: "לא נוותר".'
    assert _speaker(text, {"מירי לוי": "PER"}, "נציג", "אמרה") == ("מירי לוי", "e1")


@pytest.mark.parametrize("text,inside", [
    ('אחרי ישיבה שבה דיבר נציג אחד, אמרה השרה: "לא נוותר".', {"דיבר", "נציג", "אחד"}),
    ('הוא, אשר לא הוזמן לדיון, אמר: "חבל".', {"לא", "הוזמן", "לדיון"}),
    ('משה, שלא הוזמן לדיון, אמר: "חבל".', {"הוזמן", "לדיון"}),
])
def test_relative_clause_words_run_from_the_opener_to_the_closing_comma(text, inside):
    from hebnews.annotator import Annotator

    prep = Annotator.prepare(text)
    ctx = SpeakerContext(text, prep.tokens, [])
    assert {prep.tokens[i].text for i in ctx.relative_clause_words} == inside
    assert inside <= {prep.tokens[i].text for i in ctx.never_speakers}


@pytest.mark.parametrize("text", [
    'הוא אמר שבה נתקלו הפקחים: "בעיה קשה".',  # no comma closes it: its end is not sure
    'השר אמר שלו יש תוכנית, והוסיף: "נראה".',  # שלו is "his", no relative clause
    'השר אמר שבה, בעיר, נתקלו: "בעיה".',  # the comma right after the opener closes an empty clause
])
def test_no_relative_clause_without_an_opener_and_a_closing_comma(text):
    from hebnews.annotator import Annotator

    prep = Annotator.prepare(text)
    assert SpeakerContext(text, prep.tokens, []).relative_clause_words == set()


@pytest.mark.parametrize("word,expected", [("אינה", True), ("ולא", True), ("שכבר", True), ("תחילה", True), ("וזה", True),
                                           ("השופטת", False), ("היא", False), ("אחד", False)])
def test_non_nominal_words(word, expected):
    from hebnews.quotes.nominal import non_nominal

    assert non_nominal(word) is expected


# ----------------------------------------------------------------------------- (e) descriptions, pronouns

def test_a_description_the_text_gave_a_person_in_apposition_is_that_person():
    """דליה קובל, השופטת ... "...", אמרה השופטת: the judge is Dalia Kobel, not the lawyer named
    in between, and not left as "the judge"."""
    text = ('את הדיון ניהלה דליה קובל, השופטת התורנית. עורך הדין משה לוי ביקש דחייה. '
            '"אין כאן שום ראיות", אמרה השופטת.')
    labels = {"דליה קובל": "PER", "משה לוי": "PER"}
    assert _speaker(text, labels, "השופטת", "אמרה", cue_words=("אמרה",)) == ("דליה קובל", "e1")


def test_a_definite_organisation_noun_is_the_organisation_the_text_introduced_with_it():
    """העיתון אלחיאת ... "...", טוען העיתון: the newspaper is Al-Hayat, not the other
    organisation named in between, and not left as "the newspaper"."""
    text = ('העיתון אלחיאת פירסם אתמול את פרטי החקירה. לדברי משרד הפנים, החקירה נמשכת. '
            '"הכספים הגיעו מחוץ לארץ", טוען העיתון.')
    labels = {"אלחיאת": "ORG", "משרד הפנים": "ORG"}
    assert _speaker(text, labels, "העיתון", "טוען", cue_words=("טוען",)) == ("אלחיאת", "e1")
    # a noun the text never put before a name stays a description
    text2 = text.replace("העיתון אלחיאת", "אלחיאת")
    assert _speaker(text2, labels, "העיתון", "טוען", cue_words=("טוען",)) == ("העיתון", None)


def test_a_first_person_pronoun_is_the_writer_not_the_last_person_named():
    """אני outside a quotation is the writer (an op-ed, a letter): reported as it stands, with no
    entity, not as the person named before it; הוא in the same place points back to that person."""
    text = 'ראש העירייה דני לוי ביקר אתמול בשכונה. אני אמרתי לו: "תקן את הכביש".'
    assert _speaker(text, {"דני לוי": "PER"}, "אני", "אמרתי", cue_words=("אמרתי",)) == ("אני", None)
    text2 = 'ראש העירייה דני לוי ביקר אתמול בשכונה. הוא אמר לנו: "נתקן את הכביש".'
    assert _speaker(text2, {"דני לוי": "PER"}, "הוא", "אמר") == ("דני לוי", "e1")


def test_a_person_right_after_the_speech_verb_speaks_not_the_pronoun_before_it():
    """הם תהו, נזכר משה לוי, "...": the pronoun is the subject of another verb; the speaker
    stands right after the cue (verb-subject order), not the last list of people."""
    text = 'דנה גל ויוסי כהן הקימו את הקרן. הם רק תהו, נזכר משה לוי, "למי יש רעיונות?"'
    labels = {"דנה גל": "PER", "יוסי כהן": "PER", "משה לוי": "PER"}
    assert _speaker(text, labels, "הם", "נזכר", cue_words=("נזכר",)) == ("משה לוי", "e3")


# ----------------------------------------------------------------------------- the measuring cache

def test_cross_validation_reruns_from_its_cache_without_training(loaded, tmp_path, monkeypatch):
    """--cv with a cache: the second run trains no head and runs no encoder (the fold heads and
    the documents before the quote head are read back) and scores exactly the same."""
    import json

    import hebnews.train.quotes as tq
    from hebnews.evaluate.speaker_checks import check

    from .conftest import MODEL_DIR as model
    docs = []
    for n, (t, spk) in enumerate([('השר משה כהן אמר אתמול: "נעשה הכל כדי לסיים את השביתה". ', "משה כהן"),
                                  ('"המצב קשה מאוד", הודיעה דוברת המשטרה רונית לוי בערב. ', "רונית לוי"),
                                  ('לדברי שרה גולן, "הבחירות יתקיימו במועדן". ', "שרה גולן")]):
        a = t.index('"') + 1
        b = t.index('"', a)
        m = t.index(spk)
        docs.append({"id": f"d{n}", "text": t, "quotes": [
            {"id": "q1", "start": a, "end": b, "text": t[a:b], "cue": None,
             "speaker": {"text": spk, "mention": {"start": m, "end": m + len(spk), "text": spk}}}]})
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    first = tq.cross_validate(model, gold, folds=2, epochs=2, members=1, cache_dir=tmp_path / "cache",
                              predictions=tmp_path / "p1.jsonl")
    folds = sorted(p.name for p in (tmp_path / "cache").glob("*/fold*"))
    assert folds == ["fold0", "fold1"]

    def refuse(*a, **k):
        raise AssertionError("a cached rerun trains or encodes nothing")

    monkeypatch.setattr(tq, "fit", refuse)
    monkeypatch.setattr(tq, "featurize", refuse)
    monkeypatch.setattr(loaded.classifier, "run_documents", refuse)
    second = tq.cross_validate(model, gold, folds=2, epochs=2, members=1, cache_dir=tmp_path / "cache",
                               predictions=tmp_path / "p2.jsonl")
    for r in (first, second):
        r.pop("seconds")
    assert first == second
    preds = [json.loads(line) for line in (tmp_path / "p2.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [p["id"] for p in preds] == ["d0", "d1", "d2"]
    assert (tmp_path / "p1.jsonl").read_text(encoding="utf-8") == (tmp_path / "p2.jsonl").read_text(encoding="utf-8")
    assert check(preds)["violations"] == []


def test_quote_eval_from_its_cache_scores_as_a_plain_run(annotator, tmp_path):
    import json

    from hebnews.evaluate.quotes import evaluate

    from .conftest import MODEL_DIR as model
    if annotator.quote_tagger is None:
        pytest.skip("the model folder has no quote head")
    t = 'ראש העירייה דני לוי ביקר אתמול בשכונה. "נשקם כל בית", הבטיח לוי לתושבים.'
    a = t.index('"') + 1
    b = t.index('"', a)
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "d0", "text": t, "quotes": [
        {"id": "q1", "start": a, "end": b, "text": t[a:b], "cue": None, "speaker": {"text": "דני לוי"}}]},
        ensure_ascii=False) + "\n", encoding="utf-8")
    plain = evaluate(annotator, gold)
    assert evaluate(annotator, gold, tmp_path / "cache", model) == plain
    assert len(list((tmp_path / "cache").glob("*/docs.pkl"))) == 1
    assert evaluate(annotator, gold, tmp_path / "cache", model) == plain


def test_eval_quotes_split_test_reads_the_held_out_file(monkeypatch, tmp_path, capsys):
    """``hebnews eval quotes --split test`` scores data/quotes/test.jsonl (here: a folder without
    it, so the command stops on that path before loading any model)."""
    import hebnews.cli.evaluate as ce
    from hebnews.cli import main

    monkeypatch.setattr(ce, "QUOTE_GOLD", tmp_path)
    monkeypatch.setattr(ce, "load_annotator", lambda args: pytest.fail("no model is loaded without a gold file"))
    assert main(["eval", "quotes", "--split", "test"]) == ce.EXIT_DATA
    assert str(tmp_path / "test.jsonl") in capsys.readouterr().err
