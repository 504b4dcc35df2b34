"""Entity head nouns (hebnews.heads): a name the model starts one word late takes its head noun."""
import json

import pytest

from hebnews.heads import FILE_NAME, HeadLexicon, build, save
from hebnews.corpora.base import Sentence

from .conftest import MODEL_DIR


def test_extend_starts_the_entity_at_its_head_noun():
    h = HeadLexicon({"קרן": "ORG", "מלחמת": "EVE"})
    words = ["המחקר", "מומן", "מכספי", "קרן", "וקסלר", "."]
    tags = ["O", "O", "O", "O", "S-ORG", "O"]
    assert h.extend(words, tags) == ["O", "O", "O", "B-ORG", "E-ORG", "O"]
    # a clitic before the head noun (לקרן, ולמלחמת) is allowed; a longer name keeps its end
    assert h.extend(["לקרן", "סמית", "ריצרדסון"], ["O", "B-ORG", "E-ORG"]) == ["B-ORG", "I-ORG", "E-ORG"]
    assert h.extend(["ולמלחמת", "המפרץ"], ["O", "S-EVE"]) == ["B-EVE", "E-EVE"]


def test_extend_leaves_other_cases_alone():
    h = HeadLexicon({"קרן": "ORG"})
    assert h.extend(["קרן", "וקסלר"], ["O", "S-PER"]) == ["O", "S-PER"]  # another type
    assert h.extend(["קרן", "וקסלר"], ["S-ORG", "S-ORG"]) == ["S-ORG", "S-ORG"]  # head already tagged
    assert h.extend(["וקסלר", "קרן"], ["S-ORG", "O"]) == ["S-ORG", "O"]  # the head comes after
    assert h.extend(["קר", "וקסלר"], ["O", "S-ORG"]) == ["O", "S-ORG"]  # ק + ר is no head
    assert HeadLexicon().extend(["קרן", "וקסלר"], ["O", "S-ORG"]) == ["O", "S-ORG"]  # no lexicon
    with pytest.raises(ValueError, match="2 words but 1 tags"):
        h.extend(["קרן", "וקסלר"], ["O"])


def test_build_keeps_words_that_open_names_and_never_stand_before_one():
    def sent(words, tags):
        return Sentence(words, tags)

    gold = [sent(["קרן", "פורד"], ["B-ORG", "E-ORG"]), sent(["קרן", "גאנט"], ["B-ORG", "E-ORG"]),
            sent(["קרן", "רוטשילד"], ["B-ORG", "E-ORG"]),
            sent(["חברת", "אל", "על"], ["B-ORG", "I-ORG", "E-ORG"]), sent(["חברת", "טבע"], ["B-ORG", "E-ORG"]),
            sent(["חברת", "גוגל"], ["B-ORG", "E-ORG"]), sent(["חברת", "אפל"], ["O", "S-ORG"]),
            sent(["עיריית", "חיפה"], ["B-ORG", "E-ORG"])]
    assert build(gold, min_inside=3) == {"קרן": "ORG"}  # חברת stands as O once; עיריית is too rare
    assert build(gold, min_inside=1) == {"קרן": "ORG", "עיריית": "ORG"}


def test_lexicon_file_round_trip(tmp_path):
    out = save({"קרן": "ORG"}, tmp_path, 3)
    assert out.name == FILE_NAME and json.loads(out.read_text("utf-8"))["min_inside"] == 3
    assert HeadLexicon.load(tmp_path).heads == {"קרן": "ORG"}
    assert HeadLexicon.load(tmp_path / "none").heads == {}


def test_annotator_uses_the_shipped_lexicon(annotator):
    if not (MODEL_DIR / FILE_NAME).exists():
        pytest.skip("model folder has no head-noun lexicon")
    ann = annotator
    assert ann.heads.lookup("קרן") == "ORG" and ann.heads.lookup("מקרן") == "ORG"
    doc = ann.annotate("המחקר מומן בידי קרן וקסלר ובתמיכת עיריית רמת גן.")
    assert [(e.text, e.label) for e in doc.entities] == [("קרן וקסלר", "ORG"), ("עיריית רמת גן", "ORG")]
    for e in doc.entities:
        assert doc.text[e.start:e.end] == e.text
