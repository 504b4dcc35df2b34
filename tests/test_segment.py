import pytest

from hebnews.normalize import normalize
from hebnews.segment import segment


def toks(text):
    _, tokens = segment(normalize(text))
    for t in tokens:
        assert text[t.start:t.end] == t.text
    return [t.text for t in tokens]


def sents(text):
    sentences, _ = segment(normalize(text))
    return [text[s.start:s.end] for s in sentences]


@pytest.mark.parametrize("word", ['ארה"ב', "ארה״ב", 'צה"ל', 'מו"מ', 'נאט"ו', 'ש"ח', 'בארה"ב',
                                  'מנכ"לית', 'לנאט"ו'])
def test_acronyms_with_gershayim_stay_one_token(word):
    assert toks(f"הוא הגיע אל {word} אתמול.") == ["הוא", "הגיע", "אל", word, "אתמול", "."]


@pytest.mark.parametrize("word", ["אנקורג'", "אנקורג׳", "שבאנקורג'", "ג'ורג'", "צ'רצ'יל", "פרופ'"])
def test_geresh_names_stay_one_token(word):
    assert word in toks(f"{word} כהן נפגש איתו.")


def test_quotes_are_separate_tokens_and_not_acronyms():
    assert toks('הוא אמר: "אני מרוצה מאוד".') == ["הוא", "אמר", ":", '"', "אני", "מרוצה", "מאוד", '"', "."]
    assert toks("הוא אמר: “שלום”.")[3:6] == ["“", "שלום", "”"]


def test_prefix_glued_to_title_quote_as_in_the_treebank():
    assert toks('כתב ב"הארץ" אתמול')[:3] == ["כתב", 'ב"הארץ', '"']


def test_numbers_urls_hashtags_latin():
    t = toks("ב-15.8.2025 בשעה 22:00 נמכרו 1,000 יחידות (50%) ב-iPad, ראו https://example.com/a?b=1. #אלסקה @user COVID-19 כ15-20 איש")
    for expected in ["15.8.2025", "22:00", "1,000", "50%", "iPad", "https://example.com/a?b=1",
                     "#אלסקה", "@user", "COVID-19", "כ15-20"]:
        assert expected in t, expected
    assert t[:3] == ["ב", "-", "15.8.2025"]


def test_abbreviations_with_periods_from_hebpipe_list():
    t = toks("סוכני הק.ג.ב ו-אף.בי.איי נפגשו.")
    assert "אף.בי.איי" in t
    assert sents("פ. לוי נפגש עם ק.ג.ב אתמול. הוא חזר.") == ["פ. לוי נפגש עם ק.ג.ב אתמול.", "הוא חזר."]


def test_hyphenated_words_split_like_the_treebank():
    assert toks("ועדה בין-משרדית") == ["ועדה", "בין", "-", "משרדית"]
    assert toks("ועדה בין־משרדית") == ["ועדה", "בין", "־", "משרדית"]


def test_niqqud_stays_inside_the_word():
    assert toks("שָׁלוֹם עוֹלָם") == ["שָׁלוֹם", "עוֹלָם"]


def test_sentences_end_at_terminal_punctuation_lines_and_after_closing_quotes():
    text = 'כותרת בלי נקודה\nטראמפ אמר: "נגיע להסכם." פוטין שתק! מה עכשיו?'
    assert sents(text) == ["כותרת בלי נקודה", 'טראמפ אמר: "נגיע להסכם."', "פוטין שתק!", "מה עכשיו?"]


def test_sentences_and_tokens_are_in_order_and_cover_all_tokens():
    text = open(__file__.replace("test_segment.py", "fixtures/article.he.txt"), encoding="utf-8").read()
    sentences, tokens = segment(normalize(text))
    assert sentences and tokens
    prev = 0
    for i, s in enumerate(sentences):
        assert s.start >= prev and s.end > s.start
        prev = s.end
        assert all(tokens[k].sentence == i for k in range(s.first, s.last))
    assert sum(s.last - s.first for s in sentences) == len(tokens)
    # nothing but whitespace is left out of the tokens
    covered = set()
    for t in tokens:
        covered.update(range(t.start, t.end))
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered)


def test_empty_and_whitespace():
    assert segment(normalize("")) == ([], [])
    assert segment(normalize("  \n\t ")) == ([], [])
