import pytest

from pipeline.prefixes import PrefixStripper

from .conftest import MODEL_DIR


def test_rules_without_lexicon_use_document_mentions():
    s = PrefixStripper()
    assert s.prefix_len("באוקראינה", {"אוקראינה"}) == 1
    assert s.prefix_len("שטראמפ", {"טראמפ"}) == 1
    assert s.prefix_len('לנאט"ו', {'נאט"ו'}) == 1
    assert s.prefix_len('ב"הארץ', {"הארץ"}) == 2  # prefix + the title's opening quote
    assert s.prefix_len("משה") == 0 and s.prefix_len("ברזיל") == 0
    assert s.prefix_len("טראמפ") == 0


def test_article_is_not_stripped_by_rule():
    s = PrefixStripper()
    assert s.prefix_len("הכנסת", {"כנסת"}) == 0
    assert s.prefix_len("והליכוד", {"הליכוד"}) == 1


@pytest.fixture(scope="module")
def lexicon():
    if not (MODEL_DIR / "hebnews_prefix.json").exists():
        pytest.skip("model folder has no prefix lexicon")
    return PrefixStripper.load(MODEL_DIR)


@pytest.mark.parametrize("token,expected", [
    ("באוקראינה", 1), ("לישראל", 1), ("מתאילנד", 1), ("וישראל", 1), ('בארה"ב', 1),
    ("ברזיל", 0), ("לונדון", 0), ("משה", 0), ("ירושלים", 0), ("שמעון", 0),
])
def test_lexicon(lexicon, token, expected):
    assert lexicon.prefix_len(token) == expected
