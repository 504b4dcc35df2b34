import json

from hebnews.document import validate

from .conftest import FIXTURES, SEED, assert_offsets


def test_article_entities_offsets_and_prefixes(annotator):
    text = (FIXTURES / "article.he.txt").read_text(encoding="utf-8")
    doc = annotator.annotate(text, {"source": "article.he.txt"})
    data = doc.to_dict()
    validate(data)
    assert_offsets(data)
    assert data["meta"]["source"] == "article.he.txt" and data["meta"]["model"] == "hebnews-ner"
    found = {(e["text"], e["label"]) for e in data["entities"]}
    assert ("נתניהו", "PER") in found or ("בנימין נתניהו", "PER") in found, found
    assert ("ישראל", "GPE") in found, found
    # clitic prefixes are outside the span: בירושלים -> ירושלים
    jer = [e for e in data["entities"] if e["text"].endswith("ירושלים")]
    assert jer and all(e["text"] == "ירושלים" for e in jer), jer
    assert all(not e["text"].startswith(("ב", "ל", "ו")) or e["text"] in ("בנימין",)
               for e in data["entities"] if e["label"] == "GPE"), found
    for e in data["entities"]:
        assert 0 <= e["score"] <= 1 and e["token_start"] <= e["start"]


def test_seed_article_finds_leaders_and_countries(annotator):
    text = SEED.read_text(encoding="utf-8")
    data = annotator.annotate(text).to_dict()
    validate(data)
    assert_offsets(data)
    texts = {e["text"] for e in data["entities"]}
    wanted = {"טראמפ", "פוטין", "רוסיה", "אוקראינה", "אלסקה"}
    assert len(wanted & texts) >= 4, texts


def test_many_documents_share_batches_and_keep_order(annotator):
    texts = ["פוטין נחת באלסקה.", "", "   ", "הכנסת אישרה את החוק בירושלים. " * 40, "Hello world."]
    docs = list(annotator.annotate_many(texts, [{"source": str(i)} for i in range(len(texts))]))
    assert [d.meta["source"] for d in docs] == [str(i) for i in range(len(texts))]
    assert [d.text for d in docs] == texts
    assert docs[1].tokens == [] and docs[1].entities == [] and docs[2].sentences == []
    one = annotator.annotate(texts[3]).to_dict()
    assert json.dumps(one["entities"]) == json.dumps(docs[3].to_dict()["entities"])


def test_odd_characters_keep_offsets_exact(annotator):
    text = "\ufeffנשיא\u00a0ארה״ב\u200f דונלד טראמפ\r\nנפגש עם פוטין באנקורג׳ 🙂 ב־15 באוגוסט."
    data = annotator.annotate(text).to_dict()
    validate(data)
    assert_offsets(data)
    assert data["text"] == text


def test_entities_at_window_borders_are_found(annotator):
    """A long sentence with no punctuation, cut into small windows: every repetition of the
    names is found, wherever the window edges fall."""
    from hebnews.annotator import Annotator
    from hebnews.model import TokenClassifier

    clf = annotator.classifier
    small = Annotator(TokenClassifier(clf.model, clf.tokenizer, max_length=24, stride=9),
                      annotator.prefixes, "small-windows")
    unit = "ראש הממשלה בנימין נתניהו נפגש בירושלים עם נשיא צרפת עמנואל מקרון"
    text = " ".join([unit] * 30)
    wide = annotator.annotate(text)
    narrow = small.annotate(text)
    assert len(narrow.sentences) == 1
    names = [e.text for e in narrow.entities if e.label == "PER"]
    assert names.count("בנימין נתניהו") >= 28, names
    wide_set = {(e.start, e.end, e.label) for e in wide.entities}
    narrow_set = {(e.start, e.end, e.label) for e in narrow.entities}
    assert len(wide_set & narrow_set) >= 0.8 * len(wide_set)  # 22-sub-word windows: less context
