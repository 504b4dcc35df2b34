"""Quote stage: candidate rules, clusters, speaker resolution, evaluation metric, and the
quote head on sentences written for these tests."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from hebnews.clusters import cluster_entities
from hebnews.evaluate.quotes import iou, match, same_speaker, score
from hebnews.normalize import normalize
from hebnews.quotes import Mention, find_candidates, mark_roles


def contents(text: str) -> list[str]:
    nt = normalize(text)
    out = []
    for c in find_candidates(nt.text):
        s, e = nt.to_original(c.start, c.end)
        out.append(text[s:e])
    return out


# ----------------------------------------------------------------------------- candidates

@pytest.mark.parametrize("text", [
    'לדברי צה"ל, ארה"ב ונאט"ו סיכמו על מו"מ בעלות 5 מיליון ש"ח.',
    'יו"ר הוועדה, ח"כ כהן, ומנכ"לית החברה נפגשו בביה"ס.',
    "ג'ורג' בוש נחת באנקורג' עם פרופ' לוי.",
])
def test_acronym_gershayim_and_geresh_are_not_quotation_marks(text):
    assert contents(text) == []


def test_plain_quote_after_and_before_attribution():
    text = 'השר אמר: "אנחנו לא נוותר על הביטחון". "המצב קשה", הוסיף.'
    assert contents(text) == ["אנחנו לא נוותר על הביטחון", "המצב קשה"]


@pytest.mark.parametrize("open_, close", [("“", "”"), ("„", "”"), ("״", "״"), ("“", '"'), ("”", "“")])
def test_typographic_marks(open_, close):
    text = f"הדובר אמר {open_}נמשיך לעבוד כרגיל{close} ויצא."
    assert contents(text) == ["נמשיך לעבוד כרגיל"]


def test_mark_glued_to_a_clitic_prefix_opens_a_quote():
    text = 'היא טענה ש"המצב בשטח קשה מאוד" ודרשה תשובות.'
    assert contents(text) == ["המצב בשטח קשה מאוד"]
    nt = normalize(text)
    i = nt.text.index('"')
    assert mark_roles(nt.text, i) == (True, False)
    assert mark_roles('ארה"ב', 3) == (False, False)


def test_quote_over_several_sentences_is_one_candidate():
    text = 'הוא אמר: "זה יום קשה. אבל נעבור אותו. אין לנו ברירה." ואז עזב.'
    assert contents(text) == ["זה יום קשה. אבל נעבור אותו. אין לנו ברירה."]


def test_quote_continued_over_paragraphs_by_an_opening_mark():
    text = 'היא כתבה: "הפסקה הראשונה של המכתב.\n"והפסקה השנייה שלו." כך נכתב.'
    assert contents(text) == ['הפסקה הראשונה של המכתב.\n"והפסקה השנייה שלו.']


def test_unbalanced_mark_does_not_break_the_rest_of_the_document():
    text = 'הוא אמר: "משפט שלא נסגר לעולם\nבפסקה הבאה, "זה ציטוט תקין", אמרה השרה.'
    assert contents(text) == ["זה ציטוט תקין"]
    assert contents('מסך בגודל 5" ועוד "') == []


def test_single_quotes_as_quotation_marks_and_in_english_text():
    assert contents("הוא אמר 'אני כאן היום' ויצא.") == ["אני כאן היום"]
    assert contents('The minister said "we will not give up" today.') == ["we will not give up"]


def test_nested_quote_sharing_the_closing_mark_yields_the_outer_quote():
    text = 'היא כתבה כי "אחד ההורים טען כי "זהו חינוך פוליטי" ויצאה.'
    assert "אחד ההורים טען כי \"זהו חינוך פוליטי" in contents(text)


def test_several_inner_quotes_keep_the_outer_quote_open():
    text = ('"יזמים מפתחים מוצר "בבועה" ולא מבינים את השוק. אל תפחדו מ"גניבת רעיונות", '
            'צאו לשוק מהר", אמר המשקיע.')
    assert ('יזמים מפתחים מוצר "בבועה" ולא מבינים את השוק. אל תפחדו מ"גניבת רעיונות", צאו לשוק מהר'
            in contents(text))


def test_single_quote_glued_to_a_clitic_opens_a_quote_but_geresh_names_do_not():
    text = "המגיבים כותבים: 'תחזירו לי את הכסף', 'זו הונאה' ו'אתם תעמדו מול תביעה'."
    assert contents(text) == ["תחזירו לי את הכסף", "זו הונאה", "אתם תעמדו מול תביעה"]
    assert mark_roles("ג'ורג' נפגש עם ז'אק", 1) == (False, False)


def test_split_quotation_first_fragment_is_kept_with_the_quote_it_belongs_to():
    from hebnews.quotes.decode import _split_quotations

    text = normalize('"אמריקאים", אמר המושל בחיוך, "מתרעמים על עצם השאלה". "כן", ואחר כך "לא".').text
    cands = find_candidates(text)
    by_text = {text[c.start:c.end]: k for k, c in enumerate(cands)}
    kept = [by_text["מתרעמים על עצם השאלה"]]
    added = _split_quotations(text, cands, kept)
    assert sorted(text[cands[k].start:cands[k].end] for k in added) == ["אמריקאים", "מתרעמים על עצם השאלה"]
    # a quote followed by text that is not a short attribution between commas stays out
    assert _split_quotations(text, cands, [by_text["לא"]]) == [by_text["לא"]]


@pytest.mark.parametrize("word,pointer", [
    ("לדבריו", True), ("לדבריה", True), ("ולדבריהם", True), ("לטענתו", True), ("לדעתה", True),
    ("להערכתו", True), ("לדברי", False), ("לטענת", False), ("דבריו", False), ("אמר", False)])
def test_possessive_attribution_words_are_pointers(word, pointer):
    from hebnews.lang.he import POINTER_CUE

    assert bool(POINTER_CUE.match(word)) == pointer


# ----------------------------------------------------------------------------- resolution

@dataclass
class T:
    start: int
    end: int
    text: str
    sentence: int


def _doc(text: str, labels: dict[str, str]):
    """Tokens (split on spaces, sentence after '.') and entities for the given words."""
    import re

    tokens, ents, sent = [], [], 0
    for m in re.finditer(r"\S+", text):
        w = m.group().rstrip(".,:")
        tokens.append(T(m.start(), m.start() + len(w), w, sent))
        if m.group().endswith("."):
            sent += 1
    for n, (words, label) in enumerate(labels.items()):
        start = text.index(words)
        ents.append(QE(f"e{n + 1}", start, start + len(words), words, label,
                       next(t.start for t in tokens if t.start <= start < t.end)))
    return tokens, sorted(ents, key=lambda e: e.start)


def _resolve(text: str, tokens, ents, mention):
    """(speaker text, entity id) of a quote at the end of ``text`` with ``mention``, each entity
    its own cluster."""
    from hebnews.quotes import SpeakerContext, resolve_speaker

    s = resolve_speaker(SpeakerContext(text, tokens, ents, {e.id: e.id for e in ents}), mention, None, len(text),
                        None)
    return (s.text, s.entity) if s is not None else None


@dataclass
class QE:
    id: str
    start: int
    end: int
    text: str
    label: str
    token_start: int


def test_pronoun_prefers_the_subject_over_people_after_a_preposition_or_she():
    from hebnews.quotes.speakers import _antecedent

    text = "אלי ויזל, שסילבר עזר לו, תמך בו. הוא פגש את משה כהן. הוא אמר"
    tokens, ents = _doc(text, {"אלי ויזל": "PER", "סילבר": "PER", "משה כהן": "PER"})
    # in the last sentence naming a subject... משה כהן is an object (את): the subject before wins
    assert _antecedent(text.index("הוא אמר"), tokens, ents, []).text == "אלי ויזל"
    text2 = "דנה לוי נפגשה עם רון. רון כהן הגיע. הוא אמר"
    tokens2, ents2 = _doc(text2, {"דנה לוי": "PER", "רון.": "PER", "רון כהן": "PER"})
    assert _antecedent(text2.index("הוא אמר"), tokens2, ents2, []).text == "רון כהן"
    # a person named only inside a quotation is never the antecedent
    assert _antecedent(text2.index("הוא אמר"), tokens2, ents2, [(text2.index("רון כהן"), len(text2))]).text \
        == "דנה לוי"


def test_a_group_word_resolves_to_the_list_of_that_many_people():
    from hebnews.quotes.speakers import _group

    text = "בקרן שותפים רונה גל, איתן בק ושחר צפריר. השלושה אמרו"
    _, ents = _doc(text, {"רונה גל": "PER", "איתן בק": "PER", "שחר צפריר": "PER"})
    assert _group(3, text.index("השלושה"), ents, [], text) == ("רונה גל, איתן בק ושחר צפריר", "e1")
    assert _group(2, text.index("השלושה"), ents, [], text) is None


def test_the_company_resolves_to_the_organisation_the_text_is_about():
    text = "הפלטפורמה של env0 מתחברת ל-AWS ול-Azure. בחברה טוענים כי"
    tokens, ents = _doc(text, {"env0": "ORG", "AWS": "ORG", "Azure": "ORG"})
    m0 = text.index("בחברה")
    assert _resolve(text, tokens, ents, Mention(m0, m0 + 5, "בחברה")) == ("env0", "e1")


# ----------------------------------------------------------------------------- clusters

@dataclass
class E:
    id: str
    start: int
    end: int
    text: str
    label: str


def test_clusters_join_surnames_to_full_names_and_pick_the_fullest_name():
    ents = [E("e1", 0, 11, "דונלד טראמפ", "PER"), E("e2", 20, 25, "טראמפ", "PER"),
            E("e3", 30, 43, "ולדימיר פוטין", "PER"), E("e4", 50, 55, "פוטין", "ORG"),
            E("e5", 60, 65, "רוסיה", "GPE"), E("e6", 70, 75, "רוסיה", "GPE"), E("e7", 80, 85, "טראמפ", "PER")]
    clusters, of = cluster_entities(ents)
    assert of["e1"] == of["e2"] == of["e7"]
    assert of["e3"] == of["e4"]
    assert of["e5"] == of["e6"] != of["e1"]
    by_id = {c.id: c for c in clusters}
    assert by_id[of["e2"]].name == "דונלד טראמפ"
    assert by_id[of["e4"]].name == "ולדימיר פוטין" and by_id[of["e4"]].label == "PER"
    assert sorted(m for c in clusters for m in c.mentions) == sorted(e.id for e in ents)


def test_a_surname_shared_by_two_people_goes_to_the_nearest_one_before():
    ents = [E("e1", 0, 9, "שמעון פרס", "PER"), E("e2", 20, 28, "יורק פרס", "PER"), E("e3", 40, 43, "פרס", "PER")]
    _, of = cluster_entities(ents)
    assert of["e3"] == of["e2"] != of["e1"]


def test_a_one_letter_spelling_variant_of_a_surname_joins_the_full_name():
    ents = [E("e1", 0, 8, "גון סילר", "PER"), E("e2", 20, 25, "סילבר", "PER"),
            E("e3", 30, 37, "דנה כהן", "PER"), E("e4", 40, 43, "כהנ", "PER"),
            E("e5", 50, 55, "סילבר", "PER")]
    clusters, of = cluster_entities(ents)
    assert of["e2"] == of["e1"] == of["e5"]
    assert {c.id: c for c in clusters}[of["e2"]].name == "גון סילר"
    assert of["e4"] != of["e3"]  # a three-letter surname is too short to guess a variant


# ----------------------------------------------------------------------------- metric

def test_iou_matching_and_speaker_comparison():
    assert iou((0, 10), (0, 10)) == 1.0
    assert iou((0, 10), (0, 8)) == 0.8
    assert match([{"start": 0, "end": 10}], [{"start": 1, "end": 10}, {"start": 50, "end": 60}]) == [(0, 0)]
    assert match([{"start": 0, "end": 10}], [{"start": 5, "end": 20}]) == []
    assert same_speaker("טראמפ", "דונלד טראמפ")
    assert same_speaker("ולדברי השר", "השר")  # clitic prefixes do not matter
    assert not same_speaker("פוטין", "דונלד טראמפ")
    assert not same_speaker(None, "דונלד טראמפ")


def test_score_counts_precision_recall_and_speaker_accuracy():
    gold = [{"id": "d", "quotes": [
        {"start": 0, "end": 10, "speaker": {"text": "דונלד טראמפ"}, "cue": {"start": 12, "end": 15}},
        {"start": 20, "end": 30, "speaker": None, "cue": None}]}]
    pred = [{"quotes": [
        {"start": 0, "end": 10, "speaker": {"text": "טראמפ"}, "cue": {"start": 12, "end": 15}},
        {"start": 40, "end": 50, "speaker": None, "cue": None}]}]
    r = score(pred, gold)
    assert (r["matched"], r["quote_precision"], r["quote_recall"]) == (1, 0.5, 0.5)
    assert (r["speaker_correct"], r["speaker_total"], r["cue_correct"]) == (1, 1, 1)
    # the error listing names the missed gold quote and the spurious prediction, with context
    gold[0]["text"] = "א" * 20 + "בבבבבבבבבב" + "ג" * 30
    r = score(pred, gold)
    assert [(e["kind"], e["doc"]) for e in r["errors"]] == [("missed", "d"), ("spurious", "d")]
    assert "בבבבבבבבבב" in r["errors"][0]["context"]
    gold[0]["quotes"][0]["speaker"]["text"] = "ולדימיר פוטין"
    assert sorted(e["kind"] for e in score(pred, gold)["errors"]) == ["missed", "speaker", "spurious"]


# ----------------------------------------------------------------------------- the model

@pytest.fixture(scope="module")
def quote_annotator(annotator):
    if annotator.quote_tagger is None:
        pytest.skip("the model folder has no quote head (hebnews train quotes)")
    return annotator


def _quotes(ann, text):
    from hebnews.document import validate

    d = ann.annotate(text).to_dict()
    validate(d)  # offsets of quotes, cues and mentions included
    return d


def test_a_direct_quote_gets_its_cue_and_named_speaker(quote_annotator):
    text = ('ראש הממשלה בנימין נתניהו נפגש אתמול עם ראשי הערים בצפון. '
            '"לא נאפשר לאיש לפגוע בתושבי הגליל, ונחזיר את השקט לאזור", אמר נתניהו בסיום הפגישה.')
    d = _quotes(quote_annotator, text)
    assert [q["text"] for q in d["quotes"]] == ["לא נאפשר לאיש לפגוע בתושבי הגליל, ונחזיר את השקט לאזור"]
    q = d["quotes"][0]
    assert q["cue"]["text"] == "אמר"
    assert q["speaker"]["text"] == "בנימין נתניהו"
    assert q["speaker"]["mention"]["text"] == "נתניהו"
    ent = {e["id"]: e for e in d["entities"]}[q["speaker"]["entity"]]
    assert ent["text"] == "נתניהו" and ent["cluster"]


def test_pronoun_and_ledivrav_point_back_to_the_last_person(quote_annotator):
    text = ('שרת התחבורה מירי רגב ביקרה אתמול בתחנה המרכזית החדשה. '
            'לדבריה, "התחנה הזאת היא מפגע שצריך לסגור בהקדם האפשרי". '
            '"אנחנו נקדם תוכנית חדשה כבר בשבוע הבא", היא הדגישה.')
    d = _quotes(quote_annotator, text)
    assert len(d["quotes"]) == 2
    for q in d["quotes"]:
        assert q["speaker"] is not None and q["speaker"]["text"] == "מירי רגב"


def test_nicknames_titles_and_acronyms_are_not_quotes(quote_annotator):
    text = ('כתב העת "הארץ" דיווח כי ראש הכנופיה, המכונה "החיה", נעצר בידי צה"ל ליד מחסום ארה"ב. '
            'המבצע כונה "חומת מגן".')
    d = _quotes(quote_annotator, text)
    assert d["quotes"] == []


def test_a_speech_verb_takes_the_person_named_right_after_it_as_subject():
    from hebnews.quotes.speakers import _subject_after

    text = "הם נפגשו. אמר אתמול ראש הממשלה בנימין נתניהו כי"
    tokens, ents = _doc(text, {"בנימין נתניהו": "PER"})
    pos = text.index("אמר") + 3
    assert _subject_after(pos, tokens, ents, []).text == "בנימין נתניהו"
    # too far, or after a preposition, or inside a quotation: not the subject
    text2 = "אמר לבנימין נתניהו כי"
    tokens2, ents2 = _doc(text2, {"בנימין נתניהו": "PER"})
    assert _subject_after(3, tokens2, ents2, []) is None
    assert _subject_after(pos, tokens, ents, [(text.index("בנימין"), len(text))]) is None
    text3 = "אמר אחד מבכירי המפלגה הוותיקים והמוכרים דני כהן"
    tokens3, ents3 = _doc(text3, {"דני כהן": "PER"})
    assert _subject_after(3, tokens3, ents3, []) is None


def test_cross_validation_scores_held_out_folds_and_writes_nothing(quote_annotator, loaded, tmp_path):
    """hebnews train quotes --cv: fold heads trained on the other folds tag each fold (on the
    session's encoder: ``loaded``)."""
    import hashlib
    import json

    from hebnews.train.quotes import cross_validate

    from .conftest import MODEL_DIR as model
    texts = [('השר משה כהן אמר אתמול: "נעשה הכל כדי לסיים את השביתה". ', "משה כהן", "אמר"),
             ('"המצב קשה מאוד", הודיעה דוברת המשטרה רונית לוי בערב. ', "רונית לוי", "הודיעה"),
             ('יוסי אברהם, מנהל בית החולים, הוסיף: "אין לנו מספיק מיטות". ', "יוסי אברהם", "הוסיף"),
             ('לדברי שרה גולן, "הבחירות יתקיימו במועדן". ', "שרה גולן", "לדברי")]
    docs = []
    for n, (t, spk, cue) in enumerate(texts):
        a = t.index('"') + 1
        b = t.index('"', a)
        docs.append({"id": f"d{n}", "text": t, "quotes": [
            {"id": "q1", "start": a, "end": b, "text": t[a:b],
             "speaker": {"text": spk, "mention": {"start": t.index(spk), "end": t.index(spk) + len(spk), "text": spk}},
             "cue": {"start": t.index(cue), "end": t.index(cue) + len(cue), "text": cue}}]})
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    before = hashlib.sha256((model / "quote_head.safetensors").read_bytes()).hexdigest()
    r = cross_validate(model, gold, folds=2, epochs=2, members=1)
    assert (r["folds"], r["documents"], r["gold_quotes"]) == (2, 4, 4)
    # each quote is found by the rules and kept by the fold's head, with its named speaker
    assert (r["predicted_quotes"], r["matched"], r["quote_f1"], r["errors"]) == (4, 4, 1.0, [])
    assert (r["speaker_total"], r["speaker_correct"], r["cue_total"]) == (4, 4, 4)
    assert hashlib.sha256((model / "quote_head.safetensors").read_bytes()).hexdigest() == before
    with pytest.raises(ValueError, match="at least 2 folds"):
        cross_validate(model, gold, folds=1)


def test_cue_lexicon_covers_feminine_and_plural_past_forms():
    from hebnews.quotes import cue_like

    words = {"הדגיש", "אמר", "טען"}
    assert cue_like("הדגישה", words) and cue_like("הדגישו", words) and cue_like("ואמרה", words)
    assert cue_like("שטענו", words) and cue_like("אמר", words)
    assert not cue_like("המגעים", words) and not cue_like("אחד", words) and not cue_like("אמרת", words)


def test_the_cue_lexicon_holds_every_form_of_the_speech_verbs_but_noun_homographs():
    """The gold's cue words are the forms it happened to use; the speech verbs of lang.he add the
    others (התלוננה, מצייצת), not the forms that are mostly nouns (העיר "the city")."""
    from hebnews.quote_head import HeadConfig, QuoteTagger
    from hebnews.quotes import cue_like

    words = QuoteTagger([], HeadConfig(cue_words=["אמר"])).cue_words
    assert {"אמר", "התלוננה", "מצייצת", "הכחיש"} <= words
    assert cue_like("והתלוננה", words) and cue_like("שהכחישו", words)
    assert not {"העיר", "מזכירה", "קורא", "פסקה"} & words


def test_a_cue_whose_shin_is_its_root_keeps_it():
    """שאלה ("she asked") is not ש + אלה ("these"); שואל is not ש + ואל ("and to"): the lexicon
    holds שואל, and neither אלה nor ואל is a cue."""
    from hebnews.quotes import bare_cue, cue_like
    from hebnews.train.quotes import cue_lexicon

    assert [bare_cue(w) for w in ("שאלה", "שואלת", "ושאלה", "ששאלה", "שאמר", "ואמר")] == \
        ["שאלה", "שואלת", "שאלה", "שאלה", "אמר", "אמר"]
    words = {"שאל", "אמר"}
    assert cue_like("שאלה", words) and cue_like("ושאלו", words) and not cue_like("אלה", words)
    gold = [{"quotes": [{"cue": {"text": w}} for w in ("שואל", "ששאלה", "שאמרו", "ואמר")]}]
    assert cue_lexicon(gold) == ["אמר", "אמרו", "שאלה", "שואל"]
    assert not cue_like("ואל", cue_lexicon(gold))


@pytest.mark.parametrize("text,cue", [
    ('"המצב קשה מאוד", כך אמר השר בערב.', "אמר"),
    ('"נמשיך לפתח את המוצר". כך לדברי מנכ"לית החברה.', "לדברי"),
    ('"נמשיך לפתח את המוצר" וכך הוסיפה המנכ"לית.', "הוסיפה"),
    ('"המצב קשה מאוד", כך נראה בשטח.', None),
    ('"המצב קשה מאוד", אמר השר כך.', None),
])
def test_kach_and_a_cue_after_the_closing_mark_is_the_attribution(text, cue):
    from hebnews.annotator import Annotator
    from hebnews.quotes.decode import _cue_after_kach

    prep = Annotator.prepare(text)
    close = text.rindex('"', 0, text.index('"', 1) + 1)
    after = next(i for i, t in enumerate(prep.tokens) if t.start > close)
    k = _cue_after_kach(prep.tokens, after, {"אמר", "הוסיף"})
    assert (prep.tokens[k].text if k is not None else None) == cue


def test_the_name_after_ledivrei_keeps_its_first_letter(quote_annotator):
    """לדברי לירון אלדר: after לדברי comes the name itself, never a preposition + name."""
    text = ('החברה השיקה אתמול מוצר חדש לניהול נתונים. "זה הפתרון הטוב ביותר בשוק כרגע". '
            'כך לדברי לירון אלדר, מנהלת השיווק בחברה.')
    d = _quotes(quote_annotator, text)
    assert len(d["quotes"]) == 1
    q = d["quotes"][0]
    assert q["cue"]["text"] == "לדברי"
    assert q["speaker"]["mention"]["text"] == "לירון אלדר"


def test_a_title_in_the_construct_state_is_the_person_not_the_organisation():
    """שר האוצר: the minister speaks, not the ministry; resolved to the person the text named
    with that whole title (not to another minister), else the description itself."""
    text = "שר החוץ דוד לוי נפגש עם שר האוצר יצחק מודעי. אחר כך אמר שר האוצר"
    tokens, ents = _doc(text, {"החוץ": "ORG", "דוד לוי": "PER", "האוצר": "ORG", "יצחק מודעי": "PER"})
    m0 = text.rindex("שר האוצר")
    got = _resolve(text, tokens, ents, Mention(m0, m0 + 8, "שר האוצר"))
    assert got[0] == "יצחק מודעי"
    text2 = "הוועדה התכנסה. אחר כך אמר דובר המשטרה"
    tokens2, ents2 = _doc(text2, {"המשטרה": "ORG"})
    m0 = text2.index("דובר")
    assert _resolve(text2, tokens2, ents2, Mention(m0, len(text2), "דובר המשטרה")) == ("דובר המשטרה", None)


@dataclass
class NT(T):
    norm: str = ""


def _ndoc(text: str, labels: dict[str, str]):
    tokens, ents = _doc(text, labels)
    return [NT(t.start, t.end, t.text, t.sentence, t.text) for t in tokens], ents


def test_a_person_behind_a_glued_preposition_is_never_the_speaker_mention():
    """לטום הארקין, בשרמן: "to Tom", "at Sherman" are objects; a conjunction or ש keeps a subject
    (ושרון, כשאחרים), and the name after לדברי keeps its first letter (לדברי לירון: not ל + ירון)."""
    from hebnews.quotes import SpeakerContext
    from hebnews.quotes.mentions import _prepositional_people, _speaker_start

    text = "בנשף לטום הארקין הסביר בשרמן ושרון כשכהן ולדברי לירון אלדר מחכים"
    tokens, ents = _ndoc(text, {"טום הארקין": "PER", "שרמן": "PER", "שרון": "PER", "כהן": "PER",
                                "ירון אלדר": "PER"})
    words = [t.text for t in tokens]
    skip = _prepositional_people(tokens, ents)
    assert sorted(words[i] for i in skip) == ["בשרמן", "לטום"]
    # the head's best start is the oblique person: the next word it scored goes instead
    context = list(range(len(tokens)))
    scores = np.zeros(len(tokens))
    scores[words.index("לטום")], scores[words.index("הסביר")] = 0.9, 0.2
    ctx = SpeakerContext("", tokens, ents)
    assert words[_speaker_start(ctx, scores, context, skip=skip)] == "הסביר"
    assert words[_speaker_start(ctx, scores, context)] == "לטום"


def test_a_person_close_behind_the_best_speaker_word_wins_over_a_plain_word():
    """שחיים 0.17, רון 0.13: when the head is torn between a word and a person (a name or a
    pronoun) the person is the speaker; a clear winner stays."""
    from hebnews.quotes import SpeakerContext
    from hebnews.quotes.mentions import _speaker_start

    text = "רותם רון מסכימה ומפריכה את התמונה שחיים בבועה"
    tokens, ents = _ndoc(text, {"רותם רון": "PER"})
    words = [t.text for t in tokens]
    people = {i for i, w in enumerate(words) if w in ("רותם", "רון")}
    context = list(range(len(tokens)))
    scores = np.zeros(len(tokens))
    scores[words.index("שחיים")], scores[words.index("רון")] = 0.17, 0.13
    ctx = SpeakerContext("", tokens, ents)
    assert words[_speaker_start(ctx, scores, context, people=people)] == "רון"
    scores[words.index("שחיים")] = 0.9
    assert words[_speaker_start(ctx, scores, context, people=people)] == "שחיים"


def test_a_place_that_is_also_a_first_name_or_surname_stays_apart_from_the_person():
    """The country ישראל is not ישראל כץ and the city לונדון is not ירון לונדון; a surname the
    tagger called an organisation still joins the person (פוטין)."""
    ents = [E("e1", 0, 8, "ישראל כץ", "PER"), E("e2", 20, 25, "ישראל", "GPE"),
            E("e3", 30, 41, "ירון לונדון", "PER"), E("e4", 50, 56, "לונדון", "GPE"),
            E("e5", 60, 73, "ולדימיר פוטין", "PER"), E("e6", 80, 85, "פוטין", "ORG")]
    clusters, of = cluster_entities(ents)
    by_id = {c.id: c for c in clusters}
    assert of["e2"] != of["e1"] and by_id[of["e1"]].label == "PER" and by_id[of["e2"]].label == "GPE"
    assert of["e4"] != of["e3"]
    assert of["e6"] == of["e5"] and by_id[of["e6"]].label == "PER"


def test_mentions_with_the_same_words_take_the_label_most_of_them_carry():
    from hebnews.clusters import vote_labels

    ents = [E("e1", 0, 5, "טראמפ", "PER"), E("e2", 10, 15, "טראמפ", "PER"), E("e3", 20, 25, "טראמפ", "GPE"),
            E("e4", 30, 35, "ישראל", "GPE"), E("e5", 40, 45, "ישראל", "GPE"), E("e6", 50, 55, "ישראל", "PER"),
            E("e7", 60, 65, "אלסקה", "GPE"), E("e8", 70, 75, "אלסקה", "LOC")]
    assert vote_labels(ents) == 2
    assert [e.label for e in ents] == ["PER", "PER", "PER", "GPE", "GPE", "GPE", "GPE", "LOC"]  # a tie stays


def test_annotated_mentions_carry_their_clusters_label(quote_annotator):
    doc = quote_annotator.annotate("דונלד טראמפ נחת באלסקה. טראמפ נפגש עם ולדימיר פוטין. פוטין אמר שטראמפ צדק.")
    d = doc.to_dict()
    label = {c["id"]: c["label"] for c in d["clusters"]}
    assert d["entities"] and all(e["label"] == label[e["cluster"]] for e in d["entities"])


def test_a_quote_without_a_cue_from_the_head_takes_the_nearest_cue_word_of_its_sentence():
    """אומרים ששום מדינה ... "מבנה יציב": the speech verb before the quote in its sentence is its
    cue; a cue word in another sentence or inside a quotation is not."""
    from hebnews.quote_head import CandidateInput
    from hebnews.quotes.decode import _fallback_cue

    text = 'הם אמרו דבר. המומחים אומרים ששום מדינה לא תהיה בטוחה בלי "מבנה יציב" באירופה.'
    tokens, _ = _ndoc(text, {})
    words = [t.text for t in tokens]
    content = [words.index('"מבנה'), words.index('יציב"')]
    x = CandidateInput(content=content, before=content[0] - 1, after=content[-1] + 1, scalars=[],
                       context=[i for i in range(len(tokens)) if i not in content], position=[])
    assert words[_fallback_cue(tokens, x, {"אמרו", "אומרים"}, [])] == "אומרים"
    # the only lexicon word is in the sentence before: no cue
    assert _fallback_cue(tokens, x, {"אמרו"}, []) is None
    # a cue word inside a quotation is quoted words, not the attribution
    k = words.index("אומרים")
    assert _fallback_cue(tokens, x, {"אומרים"}, [(tokens[k].start, tokens[k].end)]) is None


def test_person_tokens_are_pronouns_and_the_words_of_peoples_names():
    from hebnews.quotes.mentions import _person_tokens

    text = "דונלד טראמפ נפגש עם נציגי רוסיה והוא אמר היא"
    tokens, ents = _ndoc(text, {"דונלד טראמפ": "PER", "רוסיה": "GPE"})
    words = [t.text for t in tokens]
    assert sorted(words[i] for i in _person_tokens(tokens, ents)) == sorted(["דונלד", "טראמפ", "היא"])


def test_a_quote_head_config_without_decoding_thresholds_gets_todays_values(tmp_path):
    """quote_head.json files written before the decoding thresholds were stored there (both
    committed model folders) load with the values the rules were tuned with; the retired options
    (context_rnn, pointer) are dropped when false and refused when set."""
    import json

    from hebnews.quote_head import CONFIG, HeadConfig

    old = {"layers": [8, 12], "dim": 768, "hidden": 256, "window": 30, "dropout": 0.2, "threshold": 0.5,
           "cue_threshold": 0.5, "speaker_threshold": 0.0, "context_rnn": False, "members": 3, "pointer": False,
           "cue_words": ["אמר"]}
    (tmp_path / CONFIG).write_text(json.dumps(old), encoding="utf-8")
    cfg = HeadConfig.load(tmp_path)
    assert (cfg.person_ratio, cfg.pointer_cue_threshold, cfg.speaker_inside_threshold) == (0.3, 0.2, 0.5)
    assert (cfg.members, cfg.speaker_threshold, cfg.cue_words) == (3, 0.0, ["אמר"])
    cfg.person_ratio = 0.25
    cfg.save(tmp_path)
    assert HeadConfig.load(tmp_path) == cfg  # a head trained now stores them
    (tmp_path / CONFIG).write_text(json.dumps({**old, "pointer": True}), encoding="utf-8")
    with pytest.raises(ValueError, match="pointer"):
        HeadConfig.load(tmp_path)
