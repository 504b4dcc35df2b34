"""Quote stage: candidate rules, clusters, speaker resolution, evaluation metric, and the
quote head on sentences written for these tests."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from pipeline.clusters import cluster_entities
from pipeline.evaluate.quotes import iou, match, same_speaker, score
from pipeline.normalize import normalize
from pipeline.quotes import find_candidates, mark_roles


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


# ----------------------------------------------------------------------------- the model

@pytest.fixture(scope="module")
def quote_annotator(annotator):
    if annotator.quote_tagger is None:
        pytest.skip("the model folder has no quote head (hebnews train quotes)")
    return annotator


def _quotes(ann, text):
    from pipeline.document import validate

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
