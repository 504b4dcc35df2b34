"""Speakers: who a quote's speaker mention is.

:func:`resolve_speaker` points the mention (:mod:`.mentions`) at an entity: the entity it names,
a person the text introduced with the same title (השר), the last list of that many people
(השלושה), the organisation the text is about (החברה), or, for a pronoun, a pointer cue (לדבריו)
or a verb without a subject, the last person named before it. Without a mention, the cue or the
previous quote's speaker leads to the person.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

from ..lang.he import (ARTICLE, COMPANY, CONJUNCTION, GROUP_WORDS, LIST_SEPARATOR, OBLIQUE_WORDS, POINTER_CUE,
                       PREFIX_LETTERS, PREPOSITION_LETTERS, RELATIVE)
from .candidates import overlap
from .mentions import Mention, SpeakerContext, token_at
from .nominal import pronoun, speech_act_pronoun


@dataclass
class Speaker:
    text: str  # the speaker's name (the entity cluster's name) or the mention's words
    entity: str | None  # the entity the mention names, None for a description (דובר המשטרה)
    mention: Mention | None = None

    def to_dict(self) -> dict:
        return {"text": self.text, "entity": self.entity,
                "mention": self.mention.to_dict() if self.mention is not None else None}


def resolve_speaker(ctx: SpeakerContext, mention: Mention | None, cue_start: int | None, qstart: int,
                    prev: Speaker | None) -> Speaker | None:
    """The speaker of the quote starting at ``qstart`` (original offsets) with the head's
    ``mention`` (may be None) and a cue starting at ``cue_start`` (None: no cue); ``prev``: the
    previous quote's speaker when this quote follows it directly. None when nobody is named."""
    who = _who(ctx, mention, cue_start, qstart, prev)
    return Speaker(who[0], who[1], mention) if who is not None else None


def _who(ctx: SpeakerContext, mention: Mention | None, cue_start: int | None, qstart: int,
         prev: Speaker | None) -> tuple[str, str | None] | None:
    """(speaker text, entity id or None) for one quote, or None when nobody is named. Only
    entities in paragraphs of the quote's language are read (:meth:`SpeakerContext.entities_in_language_of`)."""
    ents = ctx.entities_in_language_of(qstart)
    if mention is not None:
        m0, m1 = mention.start, mention.end
        inside = [e for e in ents if overlap(e.start, e.end, m0, m1)]
        first = [e for e in inside if e.start <= m0 + 1]
        pers = [e for e in inside if e.label == "PER"]
        if first or pers:
            return ctx.named(first[0] if first else pers[0])
        # only a place or an organisation after the first word: the mention is a description
        # in the construct state (שר האוצר, דובר המשטרה, מזכירת רוחמה) whose head is a person,
        # not the organisation: it goes on as a description
        words = mention.text.split()
        # a pronoun (הוא) or a word that is also the cue (לדבריו, a verb without a subject)
        # points back to a person named before; other words describe the speaker themselves
        # (דובר המשטרה, הדוברת)
        if not (len(words) == 1 and (pronoun(words[0]) or mention.pointer)):
            return _described(ctx, ents, mention, words, bool(inside), min(m0, qstart))
        if speech_act_pronoun(words[0]):
            return mention.text, None  # אני: the writer, not the last person named
        late = _subject_after(cue_start, ctx.tokens, ents, ctx.quote_spans, window=3) \
            if cue_start is not None and pronoun(words[0]) else None
        if late is not None:
            # הם תהו, נזכר לנקובסקי, "...": a person right after the speech verb is its subject
            return ctx.named(late)
        anchor = m0
        if mention.pointer and not pronoun(words[0]) and not POINTER_CUE.match(words[0]):
            # a speech verb with its subject after it (אמר ראש הממשלה נתניהו, אומר גבאי):
            # a person named within the next few words, in the same sentence, outside quotes
            late = _subject_after(m1, ctx.tokens, ents, ctx.quote_spans)
            if late is not None:
                return ctx.named(late)
    elif cue_start is not None:
        anchor = cue_start
    elif prev is not None:
        # no cue, no mention, right after a quote: the same speaker goes on
        return prev.text, prev.entity
    else:
        return None
    # a pronoun, לדבריו or a verb without a subject: the last person named before it, outside
    # quotations
    person = _antecedent(min(anchor, qstart), ctx.tokens, ents, ctx.quote_spans)
    if person is not None:
        return ctx.named(person)
    if prev is not None:
        return prev.text, prev.entity
    return None


def _described(ctx: SpeakerContext, ents, mention: Mention, words: list[str], has_entity: bool,
               limit: int) -> tuple[str, str | None]:
    """A mention that describes the speaker (השר, השלושה, החברה, דובר המשטרה): the person,
    people or organisation named before ``limit`` (among ``ents``) it stands for, else the
    description itself."""
    person = _titled_person(mention, ctx.tokens, ents, whole=has_entity)
    if person is not None:
        return ctx.named(person)
    if words[0] in GROUP_WORDS and ctx.original:
        group = _group(GROUP_WORDS[words[0]], limit, ents, ctx.quote_spans, ctx.original)
        if group is not None:
            return group
    if len(words) == 1:
        # העיתון, הוועד: the organisation the text introduced with that noun (העיתון אלחיאת,
        # ועד עובדי ממ"ן)
        org = _titled_person(mention, ctx.tokens, ents, label="ORG")
        if org is not None:
            return ctx.named(org)
    if len(words) == 1 and COMPANY.match(words[0]):
        org = _company(ctx, ents, limit)
        if org is not None:
            return ctx.named(org)
    return mention.text, None


def _company(ctx: SpeakerContext, ents, limit: int):
    """The organisation the text is about (among ``ents``), before ``limit``: most mentions so
    far, then the first named; None without one."""
    orgs = [e for e in ents if e.label == "ORG" and e.end <= limit and _outside(e, ctx.quote_spans)]
    if not orgs:
        return None
    count: dict[str, int] = {}
    for e in orgs:
        count[ctx.cluster_of.get(e.id, e.id)] = count.get(ctx.cluster_of.get(e.id, e.id), 0) + 1
    return max(orgs, key=lambda e: (count[ctx.cluster_of.get(e.id, e.id)], -e.start))


def _bare(word: str) -> str:
    return word[1:] if word.startswith(ARTICLE) and len(word) > 3 else word


def _titled_person(mention: Mention, tokens, entities, whole: bool = False, label: str = "PER"):
    """A description (הנשיא, השר) that the text used before as the title in front of a person's
    name (הנשיא גורג בוש, נשיא ארה"ב גורג בוש) or in apposition right after it (דליה קובל,
    השופטת; יוסי אברהם, מנהל בית החולים): that person, the latest such one. Its first word is
    matched, or with ``whole`` (a title in the construct state with a named complement: שר
    האוצר, דובר המשטרה) every word (שר האוצר יצחק מודעי; שר החוץ דוד לוי is someone else).
    ``label``: the entities' label (ORG: העיתון for העיתון אלחיאת, or a name that opens with the
    noun: הוועד for ועד העובדים)."""
    words = mention.text.split()
    head, rest = _bare(words[0]), (words[1:] if whole else [])
    m0 = mention.start
    pers = [e for e in entities if e.label == label]
    by_start = {e.token_start if e.token_start is not None else e.start: e for e in pers}
    by_end = {e.end: e for e in pers}
    found = None
    for i, t in enumerate(tokens):
        if t.start >= m0:
            break
        if _bare(t.text) != head or [x.text for x in tokens[i + 1:i + 1 + len(rest)]] != rest:
            continue
        if i >= 2 and tokens[i - 1].text == "," and tokens[i - 2].end in by_end:
            found = by_end[tokens[i - 2].end]
            continue
        j = i + len(rest)
        # an organisation: its name opens with the noun (ועד עובדי ממ"ן), or follows the noun
        # with the article, in apposition (העיתון אלחיאת; דוברת שירות התעסוקה is a construct)
        apposition = label == "PER" or _bare(t.text) != t.text
        for k in range(j + (label == "PER"), min(j + 5, len(tokens)) if apposition else j + 1):
            e = by_start.get(tokens[k].start)
            if e is not None and e.end <= m0:
                found = e
                break
    return found


def _outside(e, quote_spans) -> bool:
    return not any(s <= e.start and e.end <= t for s, t in quote_spans)


def _group(size: int, limit: int, entities, quote_spans, original: str):
    """The last run of ``size`` people named as a list (A, B ו-C) before ``limit``."""
    pers = [e for e in entities if e.label == "PER" and e.end <= limit and _outside(e, quote_spans)]
    runs, cur = [], []
    for e in pers:
        if cur and LIST_SEPARATOR.match(original[cur[-1].end:e.start]):
            cur.append(e)
        else:
            if len(cur) > 1:
                runs.append(cur)
            cur = [e]
    if len(cur) > 1:
        runs.append(cur)
    fit = [r for r in runs if len(r) == size]
    if not fit:
        return None
    run = fit[-1]
    return original[run[0].start:run[-1].end], run[0].id


def _oblique(e, tokens, starts: list[int] | None = None) -> bool:
    """A person named after a preposition (לטום הארקין, בשרמן, ב-Mangrove, עם X, של X) or after
    ש (שסילבר התאמץ: the subject of a relative clause)."""
    starts = starts if starts is not None else [t.start for t in tokens]
    i = token_at(starts, e.start)
    if i < 0:
        return False
    t = tokens[i]
    pre = t.text[: max(0, e.start - t.start)]
    if pre and set(pre) & PREPOSITION_LETTERS and not pre.startswith(RELATIVE):
        return True
    if pre in (RELATIVE, CONJUNCTION + RELATIVE):
        return True
    prev = tokens[i - 1].text if i > 0 else ""
    return prev in OBLIQUE_WORDS or (prev == "-" and i > 1 and len(tokens[i - 2].text) <= 2
                                     and set(tokens[i - 2].text) <= PREFIX_LETTERS)


def _sentence_of(tokens, pos: int, starts: list[int] | None = None) -> int:
    i = token_at(starts if starts is not None else [t.start for t in tokens], pos)
    return tokens[max(i, 0)].sentence if tokens else 0


def _subject_after(pos: int, tokens, entities, quote_spans, window: int = 4):
    """A person (not after a preposition) named within ``window`` tokens after ``pos`` in the same
    sentence and outside quotations: the subject of a verb that precedes it."""
    starts = [t.start for t in tokens]
    i = bisect.bisect_left(starts, pos)
    if i >= len(tokens):
        return None
    sent = tokens[max(i - 1, 0)].sentence
    follow = [t for t in tokens[i:i + window] if t.sentence == sent]
    if not follow:
        return None
    end = follow[-1].end
    for e in entities:
        if e.label == "PER" and pos <= e.start < end and _outside(e, quote_spans) and not _oblique(e, tokens, starts):
            if not any(s <= e.start < t for s, t in quote_spans):
                return e
    return None


def _antecedent(limit: int, tokens, entities, quote_spans):
    """The person a pronoun, לדבריו or a verb without a subject points back to: in the last
    sentence before ``limit`` that names a person as a subject (not after a preposition or ש),
    the first such person; when every person before is oblique, the last one named."""
    pers = [e for e in entities if e.end <= limit and e.label == "PER" and _outside(e, quote_spans)]
    if not pers:
        return None
    starts = [t.start for t in tokens]
    subj = [e for e in pers if not _oblique(e, tokens, starts)]
    if not subj:
        return pers[-1]
    last_sent = _sentence_of(tokens, subj[-1].start, starts)
    return next(e for e in subj if _sentence_of(tokens, e.start, starts) == last_sent)
