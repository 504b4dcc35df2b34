import json

import jsonschema
import pytest

from hebnews.document import Document, Entity, OffsetError, SentenceSpan, TokenSpan, json_schema, validate


def make_doc():
    text = "פוטין נחת באלסקה."
    return Document(
        text=text, meta={"source": "x.txt", "model": "m", "version": "0"},
        sentences=[SentenceSpan(0, len(text))],
        tokens=[TokenSpan(0, 5, "פוטין", 0), TokenSpan(6, 9, "נחת", 0), TokenSpan(10, 16, "באלסקה", 0),
                TokenSpan(16, 17, ".", 0)],
        entities=[Entity("e1", 0, 5, "פוטין", "PER", 0.99, 0), Entity("e2", 11, 16, "אלסקה", "GPE", 0.9, 10)],
    )


def test_round_trip_and_schema():
    doc = make_doc()
    data = json.loads(doc.to_json())
    validate(data)
    assert data["schema"] == "hebnews.document/1" and data["quotes"] == []
    assert Document.from_json(doc.to_json()) == doc


def test_json_text_is_utf8_pretty_or_one_line_and_takes_what_the_fast_encoder_cannot():
    import numpy as np

    doc = make_doc()
    doc.meta.update(big=10**30, neg=-(2**70), score=np.float64(0.25), nested={"k": [1, "א"]})
    pretty, line = doc.to_json(), doc.to_json(pretty=False)
    assert "\n" in pretty and "\n" not in line and "פוטין" in line  # characters, not \u escapes
    for text in (pretty, line):
        data = json.loads(text)
        assert data["meta"]["big"] == 10**30 and data["meta"]["neg"] == -(2**70)
        assert data["meta"]["score"] == 0.25 and data["meta"]["nested"] == {"k": [1, "א"]}
        assert data["entities"] == json.loads(make_doc().to_json())["entities"]
    # one line to every reader: str.splitlines breaks at U+2028, U+2029 and U+0085 too
    odd = make_doc()
    odd.meta["note"] = "a\u2028b\u2029c\x85d"
    line = odd.to_json(pretty=False)
    assert len(line.splitlines()) == 1 and json.loads(line)["meta"]["note"] == "a\u2028b\u2029c\x85d"
    # what the fast path writes parses to the same thing as the standard library's output
    plain = make_doc()
    assert json.loads(plain.to_json()) == json.loads(json.dumps(plain.to_dict(), ensure_ascii=False))


def test_schema_file_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(json_schema())


def test_bad_offsets_are_caught():
    data = make_doc().to_dict()
    data["entities"][1]["start"] = 10  # would include the prefix ב
    with pytest.raises(OffsetError):
        validate(data)
    data = make_doc().to_dict()
    data["tokens"][0]["end"] = 99
    with pytest.raises(OffsetError):
        validate(data)


def test_schema_rejects_missing_fields():
    data = make_doc().to_dict()
    del data["entities"][0]["label"]
    with pytest.raises(jsonschema.ValidationError):
        validate(data)
    with pytest.raises(ValueError):
        Document.from_dict({"schema": "other/1", "text": ""})


def test_from_dict_checks_the_offsets():
    data = make_doc().to_dict()
    data["entities"][1]["start"] = 10  # text[10:16] is באלסקה, the span says אלסקה
    with pytest.raises(ValueError, match=r"entities: text\[10:16\]"):
        Document.from_dict(data)
    data = make_doc().to_dict()
    data["tokens"][0]["end"] = 99
    with pytest.raises(ValueError, match="outside the text"):
        Document.from_json(json.dumps(data))


def test_schema_labels_are_the_models_label_set():
    """label: only the entity types our model predicts (NEMO's, from the model's id2label);
    every one of them stays valid, an unknown one (PERSON) is not."""
    from hebnews.ner import NEMO_TYPES

    from .conftest import MODEL_DIR

    if (MODEL_DIR / "config.json").exists():
        id2label = json.loads((MODEL_DIR / "config.json").read_text())["id2label"]
        assert {lab.split("-", 1)[1] for lab in id2label.values() if lab != "O"} == set(NEMO_TYPES)
    for label in NEMO_TYPES:
        data = make_doc().to_dict()
        data["entities"][0]["label"] = label
        data["clusters"] = [{"id": "c1", "name": "פוטין", "label": label, "mentions": ["e1"]}]
        validate(data)
    for layer, item in (("entities", 0), ("clusters", 0)):
        data = make_doc().to_dict()
        data["clusters"] = [{"id": "c1", "name": "פוטין", "label": "PER", "mentions": ["e1"]}]
        data[layer][item]["label"] = "PERSON"
        with pytest.raises(jsonschema.ValidationError, match="'PERSON' is not one of"):
            validate(data)


def test_lone_surrogates_are_not_valid_documents():
    data = make_doc().to_dict()
    data["meta"]["title"] = "\ud800"
    with pytest.raises(ValueError, match='field "meta.title" holds a lone surrogate'):
        validate(data)
    with pytest.raises(ValueError, match="lone surrogate"):
        Document.from_dict(data)
