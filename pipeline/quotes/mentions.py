"""Speaker mentions: the words the quote head tags as who speaks, around one quote.

:func:`find_mention` turns the head's speaker scores into a mention: a person behind a
preposition, words inside quotations and words in another paragraph never speak; a person close
behind the best plain word does; a pointer cue (לדבריו) is the mention itself.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from ..lang.he import (BARE_POINTER_CUE, CONJUNCTION, HEB_LETTER, NAME_HYPHENS, PARAGRAPH_OPENING, POINTER_CUE,
                       PREPOSITION_LETTERS, PREPOSITIONS, PRONOUNS, RELATIVE, RELATIVE_OPENER, WHEN)
from ..quote_head import HeadConfig
from .candidates import overlap
from .nominal import counting, non_nominal, numeral_phrase, possessive_phrase

if TYPE_CHECKING:
    from ..clusters import Cluster
    from ..document import Entity
    from ..normalize import NormalizedText
    from ..prefixes import PrefixStripper
    from ..segment import Token

MAX_MENTION_TOKENS = 8


@dataclass
class Mention:
    """Words that name the speaker (original offsets)."""
    start: int
    end: int
    text: str
    tokens: list[int] = field(default_factory=list)  # the words' token indices
    # one word that is also the cue (לדבריו, a verb without a subject): it points back to a person
    pointer: bool = False

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass
class SpeakerContext:
    """What speaker resolution reads of one document: its original text, tokens, entities and
    clusters, the spans of its quotes (original offsets), and for stripping a clitic prefix
    from a mention the normalised text and the prefix stripper."""
    original: str
    tokens: list[Token]
    entities: list[Entity]
    cluster_of: dict[str, str] = field(default_factory=dict)  # entity id -> cluster id
    clusters: list[Cluster] = field(default_factory=list)
    quote_spans: list[tuple[int, int]] = field(default_factory=list)
    nt: NormalizedText | None = None
    prefixes: PrefixStripper | None = None

    @cached_property
    def starts(self) -> list[int]:
        return [t.start for t in self.tokens]

    @cached_property
    def people(self) -> set[int]:
        return _person_tokens(self.tokens, self.entities, self.starts)

    @cached_property
    def oblique_people(self) -> set[int]:
        return _prepositional_people(self.tokens, self.entities, self.starts)

    @cached_property
    def never_speakers(self) -> set[int]:
        """Tokens that never start a speaker mention: a person behind a preposition
        (:func:`_prepositional_people`), a word that is no noun (:func:`~.nominal.non_nominal`:
        אינה, תחילה, כי), a preposition (של, לפני, מתוך) and a punctuation mark."""
        return self.oblique_people | self.relative_clause_words | {
            i for i, t in enumerate(self.tokens) if t.kind == "punct" or (
                t.kind == "heb" and (non_nominal(t.norm) or t.norm in PREPOSITIONS))}

    @cached_property
    def relative_clause_words(self) -> set[int]:
        return _relative_clause_words(self.tokens)

    @cached_property
    def cluster_by_id(self) -> dict[str, Cluster]:
        return {c.id: c for c in self.clusters}

    @cached_property
    def names(self) -> set[str]:
        return {w for e in self.entities for w in e.text.split()}

    @cached_property
    def doc_words(self) -> set[str]:
        return {t.norm for t in self.tokens if t.kind == "heb"}

    @cached_property
    def paragraphs(self) -> tuple[list[int], list[str]]:
        """The paragraphs' starts and languages (:func:`paragraph_language`)."""
        starts = [0] + [i + 1 for i, c in enumerate(self.original) if c == "\n"]
        ends = starts[1:] + [len(self.original) + 1]
        return starts, [_language(self.original[a:b - 1]) for a, b in zip(starts, ends)]

    def language_at(self, pos: int) -> str:
        """The language of the paragraph holding ``pos`` ("he" or "other")."""
        starts, langs = self.paragraphs
        return langs[max(0, bisect.bisect_right(starts, pos) - 1)]

    @cached_property
    def entities_by_language(self) -> dict[str, list[Entity]]:
        """The entities by the language of their paragraph (:meth:`language_at`)."""
        out: dict[str, list[Entity]] = {}
        for e in self.entities:
            out.setdefault(self.language_at(e.start), []).append(e)
        return out

    def entities_in_language_of(self, pos: int) -> list[Entity]:
        """The entities in paragraphs of the language of the paragraph holding ``pos``: the
        people a Hebrew quote's speaker may be (an English tweet's author is not)."""
        return self.entities_by_language.get(self.language_at(pos), [])

    def named(self, e) -> tuple[str, str]:
        """(the name of the entity's cluster, else its own text; its id)."""
        c = self.cluster_by_id.get(self.cluster_of.get(e.id))
        return (c.name if c else e.text), e.id


def _language(paragraph: str) -> str:
    heb = len(HEB_LETTER.findall(paragraph))
    other = sum(1 for c in paragraph if c.isalpha()) - heb
    return "he" if heb >= other else "other"


def paragraph_language(text: str, pos: int) -> str:
    """"he" when the paragraph of ``text`` holding ``pos`` has at least as many Hebrew letters as
    letters of other scripts, else "other" (an English tweet quoted in its own paragraph)."""
    a = text.rfind("\n", 0, pos) + 1
    b = text.find("\n", pos)
    return _language(text[a:b if b >= 0 else len(text)])


def token_at(starts: list[int], pos: int) -> int:
    """Index of the last token starting at or before ``pos`` (``starts``: the tokens' starts),
    -1 before the first."""
    return bisect.bisect_right(starts, pos) - 1


def find_mention(ctx: SpeakerContext, x, row, quote: tuple[int, int], cue_tok: int | None,
                 cfg: HeadConfig, cue_words=frozenset()) -> Mention | None:
    """The speaker's mention around one quote from the head's scores (``x``: the candidate's
    :class:`~hebnews.quote_head.CandidateInput`, ``row``: its
    :class:`~hebnews.quote_head.CandidateScores`, ``quote``: its original span, ``cue_tok``: the
    cue's token). A pointer cue (לדבריו, לטענתה) is the mention itself, whatever name stands
    nearby; a mention after לדברי / לטענת keeps its first letter (לדברי לירון: not ל + ירון).
    A word that is no noun (אינה, תחילה) never starts it; a numeral or quantifier takes the
    noun it counts (אדם אחד, אחד הנוכחים; ``cue_words``: the cue lexicon), and alone is no
    mention."""
    n = len(x.context)
    kb = _speaker_start(ctx, row.speaker_b[:n], x.context, quote, skip=ctx.never_speakers, people=ctx.people,
                        ratio=cfg.person_ratio)
    if cue_tok is not None and POINTER_CUE.match(ctx.tokens[cue_tok].norm):
        kb = x.context.index(cue_tok)
    if kb is None or not (row.speaker_b[kb] >= row.speaker_none or x.context[kb] == cue_tok):
        return None
    span = [x.context[kb]]
    j = kb + 1
    while (j < n and x.context[j] == span[-1] + 1 and len(span) < MAX_MENTION_TOKENS
           and row.speaker_i[j] >= cfg.speaker_inside_threshold):
        span.append(x.context[j])
        j += 1
    tokens = ctx.tokens
    # a name never ends on its hyphen (רושין-רימיני): take the word after it too
    while (tokens[span[-1]].text in NAME_HYPHENS and span[-1] + 1 < len(tokens)
           and tokens[span[-1] + 1].start == tokens[span[-1]].end):
        span.append(span[-1] + 1)
    span = numeral_phrase(tokens, span, cue_tok, cue_words)
    span = possessive_phrase(tokens, span, cue_tok, cue_words) if span is not None else None
    if span is None:
        return None
    s0, end = _mention_start(ctx, span[0], cue_tok), tokens[span[-1]].end
    first = tokens[span[0]]
    if set(ctx.original[first.start:s0]) & PREPOSITION_LETTERS and counting(ctx.original[s0:first.end]):
        return None  # בשני המקרים, לאחד מהם: a number behind a preposition
    return Mention(s0, end, ctx.original[s0:end], span)


def _mention_start(ctx: SpeakerContext, i: int, cue_tok: int | None) -> int:
    """Where the mention opening with token ``i`` starts: after its clitic prefix, unless the word
    is the cue or follows לדברי / לטענת / לפי (the name itself, which takes no preposition)."""
    first = ctx.tokens[i]
    after_construct = i > 0 and bool(BARE_POINTER_CUE.match(ctx.tokens[i - 1].norm))
    if i == cue_tok or first.kind != "heb" or ctx.prefixes is None or after_construct:
        return first.start
    k = ctx.prefixes.prefix_len(first.norm, ctx.names, ctx.doc_words, ctx.tokens[i - 1].norm if i > 0 else "")
    return int(ctx.nt.starts[first.wstart + k]) if k else first.start


def _person_tokens(tokens, entities, starts: list[int] | None = None) -> set[int]:
    """Tokens that are a pronoun or lie in a person's name (linear in tokens + entities: a
    1 MB article has 120k tokens and 8k entities); ``starts``: the tokens' starts."""
    starts = starts if starts is not None else [t.start for t in tokens]
    out = {i for i, t in enumerate(tokens) if t.norm in PRONOUNS}
    for e in entities:
        if e.label != "PER":
            continue
        i = max(0, token_at(starts, e.start))
        while i < len(tokens) and tokens[i].start < e.end:
            if overlap(e.start, e.end, tokens[i].start, tokens[i].end):
                out.add(i)
            i += 1
    return out


def _prepositional_people(tokens, entities, starts: list[int] | None = None) -> set[int]:
    """Tokens that open a person's name behind a glued preposition (לטום הארקין, בשרמן,
    מנתניהו, כדוד): "to / at / from / like X" is never who speaks. Conjunctions and ש stay
    subjects (ושרון, שכהנא, כשאחרים); a description behind ב (בהודעה) is not a person.
    ``starts``: the tokens' starts."""
    starts = starts if starts is not None else [t.start for t in tokens]
    out: set[int] = set()
    for e in entities:
        if e.label != "PER":
            continue
        i = token_at(starts, e.start)
        if i < 0 or tokens[i].end <= e.start:
            continue
        if i > 0 and BARE_POINTER_CUE.match(tokens[i - 1].norm):
            continue  # לדברי לירון אלדר: the name after לדברי keeps its letter (not ל + ירון)
        pre = tokens[i].text[: e.start - tokens[i].start].lstrip(CONJUNCTION)
        if pre and not pre.startswith((RELATIVE, WHEN)) and set(pre) & PREPOSITION_LETTERS:
            out.add(i)
    return out


_CLAUSE_END = frozenset(",;:.!?\"'“”„«»()–—")


def _relative_clause_words(tokens) -> set[int]:
    """Tokens inside a relative clause that a comma closes, after the word that opens it
    (:data:`~hebnews.lang.he.RELATIVE_OPENER`: שבה, אשר, שלא): the subject of the clause's verb
    (מתקפה שבה נהרג אדם אחד, ציין: "...") is not who speaks in the sentence around it. A clause
    that runs to a full stop, a colon or a quotation mark is left alone (its end is not sure)."""
    out: set[int] = set()
    i, n = 0, len(tokens)
    while i < n:
        t = tokens[i]
        if t.kind != "heb" or not RELATIVE_OPENER.match(t.norm):
            i += 1
            continue
        j = i + 1
        while j < n and tokens[j].sentence == t.sentence and tokens[j].text not in _CLAUSE_END:
            j += 1
        if j < n and tokens[j].text == "," and tokens[j].sentence == t.sentence:
            out.update(range(i + 1, j))
        i = j  # an opener inside this clause ends where it does: its words are already in
    return out


def _opens_paragraph(original: str, start: int) -> bool:
    par = original.rfind("\n", 0, start)
    return original[par + 1:start].strip(PARAGRAPH_OPENING) == ""


def _speaker_start(ctx: SpeakerContext, scores, context: list[int], quote: tuple[int, int] | None = None,
                   skip: set[int] = frozenset(), people: set[int] = frozenset(),
                   ratio: float = HeadConfig.person_ratio) -> int | None:
    """Index into ``context`` of the best speaker-mention start that is not a word inside a
    quotation (the speaker is never quoted words: "אמריקאים", אמר, "מתרעמים..."), not a
    person behind a preposition (``skip``: :func:`_prepositional_people`) and not in another
    paragraph than the quote (unless the quote opens its paragraph, when the one before may
    introduce it); None when no word is left. When the best word is not a person, a person
    (``people``: a pronoun or a word of a PER name) scoring at least ``ratio`` of it wins (the
    head's scores are close between a plain word and a person then: רותם רון ... שחיים בבועה:
    "...": שחיים 0.17, רון 0.13)."""
    order = np.argsort(-scores, kind="stable")
    original, tokens = ctx.original, ctx.tokens
    check_par = quote is not None and bool(original)
    opens_par = check_par and _opens_paragraph(original, quote[0])
    lang = ctx.language_at(quote[0]) if check_par else None
    valid: list[int] = []
    for kb in order:
        t = tokens[context[kb]]
        if context[kb] in skip or any(s <= t.start and t.end <= e for s, e in ctx.quote_spans):
            continue
        if check_par:
            gap = original[t.end:quote[0]] if t.end <= quote[0] else original[quote[1]:t.start]
            if "\n" in gap and not (opens_par and t.end <= quote[0] and gap.count("\n") <= 2
                                    and ctx.language_at(t.start) == lang):
                continue
        valid.append(int(kb))
    if not valid:
        return None
    top = valid[0]
    if people and context[top] not in people and ratio > 0:
        for kb in valid[1:]:
            if scores[kb] < ratio * scores[top]:
                break
            if context[kb] in people:
                return kb
    return top
