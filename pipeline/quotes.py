"""Quote stage: direct quotations, their cue and speaker.

Rules find the *candidates* (pairs of quotation marks, telling opening and closing marks from
gershayim in acronyms such as ארה"ב or ש"ח); the encoder decides. The quote head
(:mod:`pipeline.quote_head`) reads the encoder's word vectors and scores, for each candidate,
whether it is a direct quotation, which word around it is the cue and which words are the
speaker's mention. :func:`resolve_speaker` then points the mention at an entity cluster
(a pronoun, or a cue such as לדבריו, at the last person named before it).

All offsets here are into the *working* text (:mod:`pipeline.normalize` folds every quotation
mark to ``"`` or ``'``); the annotator maps them back to the original text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

LETTERS = re.compile(r"[\u05d0-\u05ea\u05f0-\u05f2A-Za-z0-9\u0591-\u05c7]")
HEB_LETTER = re.compile(r"[\u05d0-\u05ea]")
PREFIX_LETTERS = set("ובלמשהכ")
OPEN_BEFORE = set(" \n([{-–—:/,;")  # what may stand right before an opening mark
CLOSE_AFTER = set(" \n.,;:!?)]}-–—/…")  # what may stand right after a closing mark
MAX_QUOTE_CHARS = 4000


@dataclass(frozen=True)
class Candidate:
    open: int  # index of the opening mark (working text)
    close: int  # index of the closing mark
    start: int  # content span, without the marks and surrounding spaces
    end: int


def _is_word(ch: str) -> bool:
    return bool(LETTERS.match(ch))


def _run_left(text: str, i: int) -> str:
    j = i
    while j > 0 and _is_word(text[j - 1]):
        j -= 1
    return text[j:i]


def _run_right(text: str, i: int) -> str:
    j = i + 1
    while j < len(text) and _is_word(text[j]):
        j += 1
    return text[i + 1:j]


def mark_roles(text: str, i: int) -> tuple[bool, bool]:
    """(can open, can close) for the quotation mark at ``text[i]``; (False, False) is a
    gershayim / geresh inside or at the end of a word."""
    ch = text[i]
    left = text[i - 1] if i > 0 else " "
    right = text[i + 1] if i + 1 < len(text) else " "
    if _is_word(left) and _is_word(right):
        # inside a word: an acronym (צה"ל, ארה"ב, מנכ"לית, ח"כים) or a clitic prefix glued to an
        # opening mark (ש"קיים, וה"תנאים)
        before, after = _run_left(text, i), _run_right(text, i)
        if ch == '"' and len(before) <= 3 and set(before) <= PREFIX_LETTERS and HEB_LETTER.match(before[0]):
            if len(after) >= 3 or (len(after) == 2 and len(before) == 1):
                return True, False
        return False, False
    can_open = not right.isspace() and (left in OPEN_BEFORE or left == '"' or left == "'" or i == 0
                                        or not (_is_word(left) or left in ".!?,;:"))
    can_close = not left.isspace() and i > 0 and (right in CLOSE_AFTER or right in "\"'" or i + 1 == len(text))
    if ch == "'":
        # a geresh ends ג'ורג', אנקורג', פרופ': never a closing quote after those letters
        if left in "גזצץתחדפ" and (i < 2 or _is_word(text[i - 2])):
            can_close = False
        if can_open and not _is_word(right):
            can_open = False
    if can_open and can_close:
        # a mark between non-space characters on both sides, e.g. ("abc") or ,"abc: decide by
        # which side is a word
        if _is_word(right) and not _is_word(left):
            can_close = False
        elif _is_word(left) and not _is_word(right):
            can_open = False
    return can_open, can_close


def _content(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def find_candidates(text: str) -> list[Candidate]:
    """Pairs of quotation marks in the working text (may overlap; the quote head chooses).

    ``"`` pairs with ``"`` and ``'`` with ``'``, left to right: an opening mark is closed by the
    next mark that can close. An opening mark met while a quote is open is a nested quote (whose
    closing mark may be its own or shared with the outer one) or the sign that the first mark
    was never closed, so every reading becomes a candidate. A quote may run over paragraphs when the
    new paragraph opens with a mark (the newspaper convention); otherwise a paragraph break ends
    an unclosed quote, which is dropped, as are stray marks.
    """
    out: set[Candidate] = set()
    for family in ('"', "'"):
        openers: list[int] = []  # the first opening mark, then alternative ones inside it
        since = 0  # paragraph breaks after this point end an open quote
        nested = False  # the open quote already closed once (an inner quote's mark)
        for i, ch in enumerate(text):
            if ch != family:
                continue
            can_open, can_close = mark_roles(text, i)
            if openers and "\n" in text[since:i]:
                nl = text.rfind("\n", since, i)
                if can_open and text[nl + 1:i].strip() == "":
                    since = i
                    continue  # a mark opening the next paragraph continues the quote
                openers, nested = [], False
            if openers and i - openers[0] > MAX_QUOTE_CHARS:
                openers, nested = [], False
            if openers and can_close:
                for o in openers:
                    a, b = _content(text, o + 1, i)
                    if b > a:
                        out.add(Candidate(o, i, a, b))
                # with marks opened inside it, the first quote may be the outer one of a nested
                # quote that closes later: it stays open for one more closing mark
                openers = [openers[0]] if len(openers) > 1 and not nested else []
                nested = bool(openers)
                continue
            if can_open:
                if not openers:
                    since = i
                    nested = False
                openers.append(i)
    return sorted(out, key=lambda c: (c.open, c.close))


# ----------------------------------------------------------------------------- decoding

PRONOUNS = {"הוא", "היא", "הם", "הן", "אני", "אנחנו", "אנו", "אתה", "את", "אתם"}


def _overlap(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


def tag_quotes(nt, tokens, sentences, vectors, feats, tagger, entities, cluster_of, clusters, prefixes,
               cands: list[Candidate] | None = None) -> list[dict]:
    """The ``quotes`` layer of one document (original offsets), from the quote head's scores.

    ``tokens``/``sentences``: the segmenter's; ``vectors``: (n_tokens, D) encoder word vectors
    (rows of sentences far from any quotation mark may be zero); ``feats``: (n_tokens, F) NER
    features (:func:`pipeline.quote_head.token_features`); ``entities`` with ``cluster_of``
    (entity id -> cluster id) and ``clusters`` from :func:`pipeline.clusters.cluster_entities`.
    """
    from .quote_head import candidate_inputs

    work = nt.text
    cands = find_candidates(work) if cands is None else cands
    if not cands or tagger is None or not tokens:
        return []
    sent_of = [t.sentence for t in tokens]
    cfg = tagger.cfg
    inputs = candidate_inputs(work, tokens, cands, sent_of, cfg.window)
    sc = tagger.score(vectors, feats, inputs)
    q, cue_p = sc.quote, sc.cue
    kept: list[int] = []
    for r in sorted(range(len(cands)), key=lambda r: -q[r]):
        if q[r] < cfg.threshold:
            break
        if any(_overlap(cands[r].open, cands[r].close + 1, cands[k].open, cands[k].close + 1) for k in kept):
            continue
        kept.append(r)
    kept.sort(key=lambda r: cands[r].start)
    names = {w for e in entities for w in e.text.split()}
    cluster_by_id = {c.id: c for c in clusters}
    quote_spans = [nt.to_original(cands[r].start, cands[r].end) for r in kept]
    out: list[dict] = []
    prev_speaker = None
    kept_close: list[int] = []
    wstarts = [t.wstart for t in tokens]
    for n, r in enumerate(kept):
        c, x = cands[r], inputs[r]
        start, end = quote_spans[n]
        cue = mention = None
        cue_tok = None
        if x.context:
            k = int(np.argmax(cue_p[r, :len(x.context)]))
            if cue_p[r, k] >= sc.cue_none[r]:
                cue_tok = x.context[k]
                t = tokens[cue_tok]
                cue = {"start": t.start, "end": t.end, "text": t.text}
            kb = int(np.argmax(sc.speaker_b[r, :len(x.context)]))
            if sc.speaker_b[r, kb] >= sc.speaker_none[r]:
                span = [x.context[kb]]
                j = kb + 1
                while (j < len(x.context) and x.context[j] == span[-1] + 1 and len(span) < 8
                       and sc.speaker_i[r, j] >= 0.5):
                    span.append(x.context[j])
                    j += 1
                first, last = tokens[span[0]], tokens[span[-1]]
                s0 = first.start
                if span[0] != cue_tok and first.kind == "heb" and prefixes is not None:
                    kpre = prefixes.prefix_len(first.norm, names)
                    if kpre:
                        s0 = int(nt.starts[first.wstart + kpre])
                mention = {"start": s0, "end": last.end, "text": nt.original[s0:last.end],
                           "tokens": span}
        if mention is not None and len(mention["tokens"]) == 1:
            # a word tagged as the speaker's mention that is the cue, or looks like one to the
            # head (a verb without a subject, לדבריו), carries the person inside it
            kk = x.context.index(mention["tokens"][0])
            if mention["tokens"][0] == cue_tok or cue_p[r, kk] >= 0.2:
                mention["pointer"] = True
                if cue is None:
                    cue_tok = mention["tokens"][0]
                    t = tokens[cue_tok]
                    cue = {"start": t.start, "end": t.end, "text": t.text}
        follows = bool(out) and prev_speaker is not None and _adjacent(tokens, wstarts, kept_close[-1], c.open)
        speaker = _resolve(mention, cue, cue_tok, tokens, entities, cluster_of, cluster_by_id,
                           quote_spans, start, prev_speaker if follows else None)
        if mention is not None:
            mention.pop("tokens")
            mention.pop("pointer", None)
        if speaker is not None:
            speaker = {"text": speaker[0], "entity": speaker[1], "mention": mention}
            prev_speaker = speaker
        kept_close.append(c.close)
        out.append({"id": f"q{n + 1}", "start": start, "end": end, "text": nt.original[start:end],
                    "score": round(float(q[r]), 4), "speaker": speaker, "cue": cue})
    return out


def _adjacent(tokens, wstarts: list[int], prev_close: int, open_: int) -> bool:
    """The quote opening at ``open_`` starts at most one sentence after the previous quote's
    closing mark (working offsets; ``wstarts``: the tokens' working starts)."""
    import bisect

    a = bisect.bisect_right(wstarts, prev_close) - 1
    b = bisect.bisect_right(wstarts, open_) - 1
    if a < 0 or b < 0:
        return False
    return tokens[b].sentence - tokens[a].sentence <= 1


def _bare(word: str) -> str:
    return word[1:] if word.startswith("ה") and len(word) > 3 else word


def _titled_person(mention, tokens, entities):
    """A description (הנשיא, השר) that the text used before as the title in front of a
    person's name (הנשיא גורג בוש, נשיא ארה"ב גורג בוש): that person, the latest such one."""
    head = _bare(mention["text"].split()[0])
    m0 = mention["start"]
    by_start = {e.token_start if e.token_start is not None else e.start: e for e in entities if e.label == "PER"}
    found = None
    for i, t in enumerate(tokens):
        if t.start >= m0:
            break
        if _bare(t.text) != head:
            continue
        for k in range(i + 1, min(i + 5, len(tokens))):
            e = by_start.get(tokens[k].start)
            if e is not None and e.end <= m0:
                found = e
                break
    return found


def _resolve(mention, cue, cue_tok, tokens, entities, cluster_of, cluster_by_id, quote_spans, qstart,
             prev_speaker):
    """(speaker text, entity id or None) for one quote, or None when nobody is named."""
    def named(e):
        c = cluster_by_id.get(cluster_of.get(e.id))
        return (c.name if c else e.text), e.id

    if mention is not None:
        m0, m1 = mention["start"], mention["end"]
        inside = [e for e in entities if _overlap(e.start, e.end, m0, m1)]
        if inside:
            first = [e for e in inside if e.start <= m0 + 1]
            pers = [e for e in inside if e.label == "PER"]
            return named(first[0] if first else (pers[0] if pers else inside[0]))
        words = mention["text"].split()
        # a pronoun (הוא) or a word that is also the cue (לדבריו, a verb without a subject)
        # points back to a person named before; other words describe the speaker themselves
        # (דובר המשטרה, הדוברת)
        if not (len(words) == 1 and (words[0] in PRONOUNS or mention.get("pointer"))):
            person = _titled_person(mention, tokens, entities)
            return named(person) if person is not None else (mention["text"], None)
        anchor = m0
    elif cue is not None:
        anchor = cue["start"]
    elif prev_speaker is not None:
        # no cue, no mention, right after a quote: the same speaker goes on
        return prev_speaker["text"], prev_speaker["entity"]
    else:
        return None
    # a pronoun, לדבריו or a verb without a subject: the last person named before it, outside
    # quotations
    limit = min(anchor, qstart)
    cands = [e for e in entities if e.end <= limit and e.label == "PER"
             and not any(s <= e.start and e.end <= t for s, t in quote_spans)]
    if cands:
        return named(max(cands, key=lambda e: e.start))
    if prev_speaker is not None:
        return prev_speaker["text"], prev_speaker["entity"]
    return None
