"""Which words can name a speaker: word-class rules for speaker mentions.

* A numeral or quantifier counts a noun (אדם אחד, אחד הנוכחים, כמה מהעובדים): the mention is
  that phrase, never the number alone (:func:`numeral_phrase`).
* Copulas, negation, adverbs and conjunctions (אינה, אין, תחילה, כי) never name a speaker
  (:func:`non_nominal`).
* A noun spelled like a speech verb (כתבת "a reporter" / "you wrote", דובר, כתב) is a subject,
  not a verb without one, when another word is the quote's cue (:func:`homograph_noun`).

The cue lexicon's lookups (:func:`bare_cue`, :func:`cue_like`) live here too: both the mention
rules and the cue rules read them.
"""
from __future__ import annotations

from ..lang.he import (ARTICLE, CONJUNCTION, CUE_HOMOGRAPHS, FINAL_FORM, NARRATION_NOUNS, NON_NOMINAL, NUMERALS,
                       OBLIQUE_WORDS, ONE, PARTITIVE, PAST_SUFFIXES, POSSESSIVES, PREPOSITIONS, PRONOUNS, QUANTIFIERS, RELATIVE,
                       SHIN_ROOT_CUE, THIRD_PERSON, WHEN)



def bare_cue(word: str) -> str:
    """A cue word without a conjunction or relative prefix (ואמר, שאמר -> אמר; a verb whose ש is
    its root keeps it: שאלה, שואל): the form the cue lexicon (``HeadConfig.cue_words``) holds."""
    if len(word) > 3 and word[0] in (CONJUNCTION, RELATIVE) and not SHIN_ROOT_CUE.match(word):
        return word[1:]
    return word


def cue_like(word: str, cue_words) -> bool:
    """A cue word of the training gold, or its past-tense feminine / plural form (הדגיש ->
    הדגישה, הדגישו): the lexicon holds the forms the gold happened to use."""
    w = bare_cue(word)
    if w in cue_words:
        return True
    if len(w) > 3 and w[-1] in PAST_SUFFIXES:
        stem = w[:-1]
        return (stem[:-1] + FINAL_FORM.get(stem[-1], stem[-1])) in cue_words  # טענו -> טען
    return False


def strip_clitic(word: str) -> str:
    """Without a conjunction (ו) or relative (ש) prefix."""
    return word[1:] if len(word) > 2 and word[0] in (CONJUNCTION, RELATIVE) else word


def pronoun(word: str, person=PRONOUNS) -> bool:
    """A personal pronoun (of ``person``: e.g. :data:`THIRD_PERSON`), a ו / ש / כש prefix
    allowed (והוא, שהיא, כשהם)."""
    if word in person:
        return True
    for p in (CONJUNCTION + WHEN, WHEN, CONJUNCTION + RELATIVE, CONJUNCTION, RELATIVE):
        if word.startswith(p) and word[len(p):] in person:
            return True
    return False


def speech_act_pronoun(word: str) -> bool:
    """A first- or second-person pronoun (אני, ואנחנו, אתם): the writer or the reader, who is
    never a person the text named before. (את is left out: mostly the object marker.)"""
    return pronoun(word) and not pronoun(word, THIRD_PERSON) and word not in OBLIQUE_WORDS


def in_lexicon(word: str, lexicon) -> bool:
    """``word`` or, without a ו / ש prefix, its rest is in ``lexicon`` (שלושה itself, ושלושה)."""
    return word in lexicon or strip_clitic(word) in lexicon


def non_nominal(word: str) -> bool:
    """A copula, negation, adverb or conjunction (a ו/ש prefix allowed: ולא, שאינה)."""
    return in_lexicon(word, NON_NOMINAL)


def numeral(word: str) -> bool:
    """A cardinal number word or digits (a ו prefix allowed)."""
    return in_lexicon(word, NUMERALS) or strip_clitic(word).isdigit() or word.isdigit()


def counting(word: str) -> bool:
    """A numeral or a quantifier (כמה, רוב, חלק)."""
    return numeral(word) or in_lexicon(word, QUANTIFIERS)


def _noun_like(tok, k: int, cue_tok: int | None, cue_words) -> bool:
    """Token ``tok`` (index ``k``) may be a noun of a speaker phrase: a Hebrew word that is not a
    function word, a pronoun, a number, the cue or a word of the cue lexicon."""
    w = tok.norm
    return (tok.kind == "heb" and k != cue_tok and not non_nominal(w) and w not in PRONOUNS and not counting(w)
            and w not in OBLIQUE_WORDS and w not in PREPOSITIONS and not cue_like(w, cue_words))


def numeral_phrase(tokens, span: list[int], cue_tok: int | None, cue_words=frozenset()) -> list[int] | None:
    """The tokens of the phrase a mention made only of numerals or quantifiers belongs to: the
    definite noun or partitive after it (אחד הנוכחים, אחד מהם, רוב התושבים); after any number but
    "one" and after a quantifier, any noun (שלושה חיילים, 600 מתנדבים, כמה צעירים); else for a
    numeral the noun before it (אדם אחד, אשה אחת). None when it stands alone. Other mentions:
    unchanged."""
    if not all(counting(tokens[k].norm) for k in span):
        return span
    i, j = span[0], span[-1]
    sent = tokens[i].sentence
    if j + 1 < len(tokens) and tokens[j + 1].sentence == sent and _noun_like(tokens[j + 1], j + 1, cue_tok, cue_words):
        w = tokens[j + 1].norm
        if (w.startswith((ARTICLE, PARTITIVE)) and len(w) > 2) or not in_lexicon(tokens[j].norm, ONE):
            return span + [j + 1]
    if all(numeral(tokens[k].norm) for k in span) and i > 0 and tokens[i - 1].sentence == sent \
            and _noun_like(tokens[i - 1], i - 1, cue_tok, cue_words):
        return [i - 1] + span
    return None


def possessive_phrase(tokens, span: list[int], cue_tok: int | None, cue_words=frozenset()) -> list[int] | None:
    """A mention that is only a possessive (שלי, שלו) takes the noun before it (הילד שלי, מכר
    אחד שלו: a numeral between is kept); None when there is none. Other mentions: unchanged."""
    if len(span) != 1 or tokens[span[0]].norm not in POSSESSIVES:
        return span
    i = span[0]
    k = i - 1
    while k >= 0 and tokens[k].sentence == tokens[i].sentence and numeral(tokens[k].norm):
        k -= 1
    if k >= 0 and tokens[k].sentence == tokens[i].sentence and _noun_like(tokens[k], k, cue_tok, cue_words):
        return list(range(k, i + 1))
    return None


def homograph_noun(tokens, k: int, cue_tok: int | None) -> bool:
    """Token ``k`` is a noun spelled like a speech verb (:data:`CUE_HOMOGRAPHS`: כתבת "a
    reporter", not "you wrote") used as a noun: the quote's cue is another word (כתבת ynet
    שאלה: "..."), so this one is its subject; or it is one whose verb reading is second person
    or imperative (:data:`NARRATION_NOUNS`: כתבת, דוברת), a noun even as the only cue. (A name
    after כתב is no sign: כתב כהנא is "Kahane wrote".)"""
    w = tokens[k].norm
    return in_lexicon(w, NARRATION_NOUNS) or (in_lexicon(w, CUE_HOMOGRAPHS) and cue_tok is not None and cue_tok != k)


def cue_after_homograph(tokens, k: int, context, cue_words, window: int = 4) -> int | None:
    """When the cue's token ``k`` is a noun spelled like a speech verb (כתבת, דובר) and a word of
    the cue lexicon follows it within ``window`` words of the same sentence (among ``context``,
    the words outside the quote: כתבת הארץ שאלה), that word: the speech verb, whose subject the
    noun is. None otherwise (כתב: "he wrote", the cue itself)."""
    if not in_lexicon(tokens[k].norm, CUE_HOMOGRAPHS):
        return None
    around = set(context)
    for j in range(k + 1, min(k + 1 + window, len(tokens))):
        t = tokens[j]
        if t.sentence != tokens[k].sentence or j not in around:
            return None
        if t.kind == "heb" and (t.norm in cue_words or cue_like(t.norm, cue_words)) \
                and not in_lexicon(t.norm, CUE_HOMOGRAPHS):
            return j
    return None
