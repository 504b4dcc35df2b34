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

import bisect
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
        if ch == "'" and len(before) == 1 and before in PREFIX_LETTERS and len(after) >= 3 \
                and (i < 2 or not _is_word(text[i - 2])):
            # a clitic glued to an opening single quote (ו'אתם תעמדו...'): ו ב ל מ ש ה כ never
            # take a geresh inside a word (ג'ורג', צ'רצ'יל, ז'אק do)
            return True, False
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
                # quote that closes later: it stays open for one more closing mark (and for any
                # further inner quotes opened and closed before that mark)
                openers = [openers[0]] if len(openers) > 1 else []
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
    above = [r for r in range(len(cands)) if q[r] >= cfg.threshold]

    def inner(r):  # a shorter reading from the same opening mark: "a "b" c "d" e" is one quotation
        a = cands[r]
        return any(k != r and cands[k].open == a.open and a.close < cands[k].close for k in above)

    for r in sorted(above, key=lambda r: (inner(r), -q[r])):
        if any(_overlap(cands[r].open, cands[r].close + 1, cands[k].open, cands[k].close + 1) for k in kept):
            continue
        kept.append(r)
    kept = _split_quotations(work, cands, kept)
    kept.sort(key=lambda r: cands[r].start)
    names = {w for e in entities for w in e.text.split()}
    doc_words = {t.norm for t in tokens if t.kind == "heb"}
    cue_words = set(getattr(cfg, "cue_words", None) or ())
    cluster_by_id = {c.id: c for c in clusters}
    quote_spans = [nt.to_original(cands[r].start, cands[r].end) for r in kept]
    out: list[dict] = []
    prev_speaker = None
    kept_close: list[int] = []
    wstarts = [t.wstart for t in tokens]
    starts = [t.start for t in tokens]
    oblique_people = _prepositional_people(tokens, entities, starts)
    person_tokens = _person_tokens(tokens, entities, starts)
    for n, r in enumerate(kept):
        c, x = cands[r], inputs[r]
        start, end = quote_spans[n]
        cue = mention = None
        cue_tok = None
        if x.context:
            # a pronoun is a subject, never the speech verb (היא הדגישה)
            k = int(np.argmax(np.where([tokens[i].norm in PRONOUNS for i in x.context], -1.0,
                                       cue_p[r, :len(x.context)])))
            if cue_p[r, k] >= sc.cue_none[r]:
                cue_tok = x.context[k]
            after_cue = _cue_after_kach(tokens, x.after, cue_words)
            if after_cue is not None:
                cue_tok = after_cue
            if cue_tok is not None:
                t = tokens[cue_tok]
                cue = {"start": t.start, "end": t.end, "text": t.text}
            kb = _speaker_start(sc.speaker_b[r, :len(x.context)], x.context, tokens, quote_spans,
                                nt.original, (start, end), skip=oblique_people, people=person_tokens)
            if cue_tok is not None and POINTER_CUE.match(tokens[cue_tok].norm):
                # לדבריו, לטענתה, לדעתם: the suffix is the speaker, whatever name stands nearby
                kb = x.context.index(cue_tok)
            if kb is not None and (sc.speaker_b[r, kb] >= sc.speaker_none[r] or x.context[kb] == cue_tok):
                span = [x.context[kb]]
                j = kb + 1
                while (j < len(x.context) and x.context[j] == span[-1] + 1 and len(span) < 8
                       and sc.speaker_i[r, j] >= 0.5):
                    span.append(x.context[j])
                    j += 1
                # a name never ends on its hyphen (רושין-רימיני): take the word after it too
                while (tokens[span[-1]].text in ("-", "־", "–") and span[-1] + 1 < len(tokens)
                       and tokens[span[-1] + 1].start == tokens[span[-1]].end):
                    span.append(span[-1] + 1)
                first, last = tokens[span[0]], tokens[span[-1]]
                s0 = first.start
                # the word after לדברי / לטענת / לפי is the name itself: it takes no preposition
                # (לדברי לירון אלדר is Liron Eldar, not ל + ירון)
                after_construct = span[0] > 0 and bool(BARE_POINTER_CUE.match(tokens[span[0] - 1].norm))
                if span[0] != cue_tok and first.kind == "heb" and prefixes is not None and not after_construct:
                    kpre = prefixes.prefix_len(first.norm, names, doc_words,
                                               tokens[span[0] - 1].norm if span[0] > 0 else "")
                    if kpre:
                        s0 = int(nt.starts[first.wstart + kpre])
                mention = {"start": s0, "end": last.end, "text": nt.original[s0:last.end],
                           "tokens": span}
        if mention is not None and len(mention["tokens"]) == 1:
            # a word tagged as the speaker's mention that is the cue, or looks like one to the
            # head (a verb without a subject, לדבריו), carries the person inside it
            kk = x.context.index(mention["tokens"][0])
            word = tokens[mention["tokens"][0]].norm
            if mention["tokens"][0] == cue_tok or cue_p[r, kk] >= 0.2 or POINTER_CUE.match(word) \
                    or _cue_like(word, cue_words):
                mention["pointer"] = True
                if cue is None:
                    cue_tok = mention["tokens"][0]
                    t = tokens[cue_tok]
                    cue = {"start": t.start, "end": t.end, "text": t.text}
        follows = bool(out) and prev_speaker is not None and _adjacent(tokens, wstarts, kept_close[-1], c.open)
        speaker = _resolve(mention, cue, cue_tok, tokens, entities, cluster_of, cluster_by_id,
                           quote_spans, start, prev_speaker if follows else None, nt.original)
        if mention is not None:
            mention.pop("tokens")
            mention.pop("pointer", None)
        if speaker is not None:
            speaker = {"text": speaker[0], "entity": speaker[1], "mention": mention}
            prev_speaker = speaker
        if cue is None:
            k = _fallback_cue(tokens, x, cue_words, quote_spans)
            if k is not None:
                t = tokens[k]
                cue = {"start": t.start, "end": t.end, "text": t.text}
        kept_close.append(c.close)
        out.append({"id": f"q{n + 1}", "start": start, "end": end, "text": nt.original[start:end],
                    "score": round(float(q[r]), 4), "speaker": speaker, "cue": cue})
    return out


# "according to him/her/them": the possessive suffix is the speaker (לדבריו, לטענתה, לדעתם,
# להערכתו, כדבריה, ולדבריו); לדברי / לטענת without a suffix take the name after them
_POINTER_STEMS = r"^ו?(?:לדברי|כדברי|בדברי|לטענת|לדעת|להערכת|לגרסת|לשיטת|לעדות|לפי)"
_POINTER_SUFFIX = r"(?:ו|ה|הם|הן|נו|י)"
POINTER_CUE = re.compile(_POINTER_STEMS + _POINTER_SUFFIX + "$")
# the same words without the suffix (לדברי השר, לטענת, לפי): the name follows them
BARE_POINTER_CUE = re.compile(_POINTER_STEMS + "$")
KACH = {"כך", "וכך"}
AFTER_MARK = {",", ".", "-", "–", "—"}


def _fallback_cue(tokens, x, cue_words: set[str], quote_spans) -> int | None:
    """A cue for a quote the head gave none: the nearest word of the cue lexicon (or its
    feminine / plural past form, a ו/ש prefix allowed) in the quote's sentence, before the
    opening mark or within four words after the closing one, outside quotations (filled after
    the speaker is resolved, so it never changes the speaker)."""
    if not x.content:
        return None
    sentences = {tokens[x.content[0]].sentence, tokens[x.content[-1]].sentence}
    best = None
    for i in x.context:
        t = tokens[i]
        if t.sentence not in sentences:
            continue
        if any(a <= t.start and t.end <= b for a, b in quote_spans) or not _cue_like(t.norm, cue_words):
            continue
        if i < x.content[0]:
            d = x.content[0] - i
        elif i > x.content[-1] and i - x.content[-1] <= 4:
            d = i - x.content[-1]
        else:
            continue
        if best is None or d < best[0]:
            best = (d, i)
    return best[1] if best else None


def _cue_after_kach(tokens, after: int, cue_words: set[str]) -> int | None:
    """The cue of the attribution that follows a quotation as "כך + cue" ("...", כך אמר השר;
    "...". כך לדברי X): the token index of the cue word, or None. ``after``: the first token
    after the closing mark (-1: none)."""
    j = after
    if j < 0:
        return None
    if tokens[j].text in AFTER_MARK:
        j += 1
    if j + 1 >= len(tokens) or tokens[j].norm not in KACH:
        return None
    w = tokens[j + 1].norm
    if tokens[j + 1].kind == "heb" and (POINTER_CUE.match(w) or BARE_POINTER_CUE.match(w)
                                          or _cue_like(w, cue_words)):
        return j + 1
    return None


# a quoted fragment, a short attribution between commas, and the quote going on:
# "אמריקאים", אמר, "מתרעמים..." / "גורג המסכן", אמרה ריצארדס בהגיה הטקסאנית, "הוא..."
_SPLIT_GAP = re.compile(r"^\s*,\s*[^\s\"',.:;!?]+(?:\s+[^\s\"',.:;!?]+){0,5}\s*,\s*$")
# words before a name that make it an oblique (not subject) mention: a person after them is not
# who a pronoun or לדבריו most likely points to
OBLIQUE_WORDS = {"של", "את", "עם", "על", "אל", "נגד", "מול", "לפי", "בין", "אצל", "כמו", "עבור", "לעומת",
                 "ל", "ב", "מ", "כ", "-"}
PREP_LETTERS = set("בלמכש")


def _split_quotations(work: str, cands: list[Candidate], kept: list[int]) -> list[int]:
    """Add the first part of a split quotation ("X", CUE SPEAKER, "Y" with Y kept): the head
    sees a very short X with little context and tends to drop it, but the marks and the
    attribution between commas say it is the same quotation."""
    kept_set = set(kept)
    by_open = {cands[k].open: k for k in kept}
    added = []
    for r, c in enumerate(cands):
        if r in kept_set:
            continue
        m = re.match(r"\s*,[^\n]{0,80}?,\s*[\"']", work[c.close + 1:c.close + 90])
        if not m:
            continue
        nxt = c.close + m.end()  # the next opening mark
        k = by_open.get(nxt)
        if k is None or work[nxt] != work[c.open] or not _SPLIT_GAP.match(work[c.close + 1:nxt]):
            continue
        if any(_overlap(c.open, c.close + 1, cands[j].open, cands[j].close + 1) for j in kept + added):
            continue
        added.append(r)
    return kept + added


def _bare_cue(word: str) -> str:
    """A cue word without a conjunction or relative prefix (ואמר, שאמר -> אמר)."""
    return word[1:] if len(word) > 3 and word[0] in "וש" else word


FINAL_FORM = {"כ": "ך", "מ": "ם", "נ": "ן", "פ": "ף", "צ": "ץ"}  # a letter's word-final shape


def _cue_like(word: str, cue_words: set[str]) -> bool:
    """A cue word of the training gold, or its past-tense feminine / plural form (הדגיש ->
    הדגישה, הדגישו): the lexicon holds the forms the gold happened to use."""
    w = _bare_cue(word)
    if w in cue_words:
        return True
    if len(w) > 3 and w[-1] in "הו":
        stem = w[:-1]
        return (stem[:-1] + FINAL_FORM.get(stem[-1], stem[-1])) in cue_words  # טענו -> טען
    return False


def _token_at(starts: list[int], pos: int) -> int:
    """Index of the last token starting at or before ``pos`` (``starts``: the tokens' starts),
    -1 before the first."""
    return bisect.bisect_right(starts, pos) - 1


def _oblique(e, tokens, starts: list[int] | None = None) -> bool:
    """A person named after a preposition (לטום הארקין, בשרמן, ב-Mangrove, עם X, של X) or after
    ש (שסילבר התאמץ: the subject of a relative clause)."""
    starts = starts if starts is not None else [t.start for t in tokens]
    i = _token_at(starts, e.start)
    if i < 0:
        return False
    t = tokens[i]
    pre = t.text[: max(0, e.start - t.start)]
    if pre and set(pre) & (PREP_LETTERS - {"ש"}) and not pre.startswith("ש"):
        return True
    if pre in ("ש", "וש"):
        return True
    prev = tokens[i - 1].text if i > 0 else ""
    return prev in OBLIQUE_WORDS or (prev == "-" and i > 1 and len(tokens[i - 2].text) <= 2
                                     and set(tokens[i - 2].text) <= PREP_LETTERS | {"ו", "ה"})


# the head's speaker-start scores are close between a plain word and a person (a PER entity or
# a pronoun) when the person scores at least this share of the best word's score: the person
# speaks (רותם רון ... שחיים בבועה: "...": שחיים 0.17, רון 0.13)
PERSON_RATIO = 0.3


def _person_tokens(tokens, entities, starts: list[int] | None = None) -> set[int]:
    """Tokens that are a pronoun or lie in a person's name (linear in tokens + entities: a
    1 MB article has 120k tokens and 8k entities); ``starts``: the tokens' starts."""
    starts = starts if starts is not None else [t.start for t in tokens]
    out = {i for i, t in enumerate(tokens) if t.norm in PRONOUNS}
    for e in entities:
        if e.label != "PER":
            continue
        i = max(0, _token_at(starts, e.start))
        while i < len(tokens) and tokens[i].start < e.end:
            if _overlap(e.start, e.end, tokens[i].start, tokens[i].end):
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
        i = _token_at(starts, e.start)
        if i < 0 or tokens[i].end <= e.start:
            continue
        if i > 0 and BARE_POINTER_CUE.match(tokens[i - 1].norm):
            continue  # לדברי לירון אלדר: the name after לדברי keeps its letter (not ל + ירון)
        pre = tokens[i].text[: e.start - tokens[i].start].lstrip("ו")
        if pre and not pre.startswith(("ש", "כש")) and set(pre) & (PREP_LETTERS - {"ש"}):
            out.add(i)
    return out


def _speaker_start(scores, context: list[int], tokens, quote_spans, original: str = "",
                   quote: tuple[int, int] | None = None, skip: set[int] = frozenset(),
                   people: set[int] = frozenset()) -> int | None:
    """Index into ``context`` of the best speaker-mention start that is not a word inside a
    quotation (the speaker is never quoted words: "אמריקאים", אמר, "מתרעמים..."), not a
    person behind a preposition (``skip``: :func:`_prepositional_people`) and not in another
    paragraph than the quote (unless the quote opens its paragraph, when the one before may
    introduce it); None when no word is left. When the best word is not a person, a person
    (``people``: a pronoun or a word of a PER name) scoring at least :data:`PERSON_RATIO` of it
    wins."""
    order = np.argsort(-scores, kind="stable")
    opens_par = False
    if quote is not None and original:
        par = original.rfind("\n", 0, quote[0])
        opens_par = original[par + 1:quote[0]].strip(" \t\"'״“”„«»") == ""
    valid: list[int] = []
    for kb in order:
        t = tokens[context[kb]]
        if context[kb] in skip or any(s <= t.start and t.end <= e for s, e in quote_spans):
            continue
        if quote is not None and original:
            gap = original[t.end:quote[0]] if t.end <= quote[0] else original[quote[1]:t.start]
            if "\n" in gap and not (opens_par and t.end <= quote[0] and gap.count("\n") <= 2):
                continue
        valid.append(int(kb))
    if not valid:
        return None
    top = valid[0]
    if people and context[top] not in people and PERSON_RATIO > 0:
        for kb in valid[1:]:
            if scores[kb] < PERSON_RATIO * scores[top]:
                break
            if context[kb] in people:
                return kb
    return top


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


def _titled_person(mention, tokens, entities, whole: bool = False):
    """A description (הנשיא, השר) that the text used before as the title in front of a person's
    name (הנשיא גורג בוש, נשיא ארה"ב גורג בוש): that person, the latest such one. Its first word
    is matched, or with ``whole`` (a title in the construct state with a named complement: שר
    האוצר, דובר המשטרה) every word (שר האוצר יצחק מודעי; שר החוץ דוד לוי is someone else)."""
    words = mention["text"].split()
    head, rest = _bare(words[0]), (words[1:] if whole else [])
    m0 = mention["start"]
    by_start = {e.token_start if e.token_start is not None else e.start: e for e in entities if e.label == "PER"}
    found = None
    for i, t in enumerate(tokens):
        if t.start >= m0:
            break
        if _bare(t.text) != head or [x.text for x in tokens[i + 1:i + 1 + len(rest)]] != rest:
            continue
        j = i + len(rest)
        for k in range(j + 1, min(j + 5, len(tokens))):
            e = by_start.get(tokens[k].start)
            if e is not None and e.end <= m0:
                found = e
                break
    return found


# a group named by its size (השלושה, שלושת השותפים, שניהם) stands for the last list of that
# many people (רונה שגב גל, איתן בק ושחר צפריר)
GROUP_WORDS = {"השניים": 2, "שניהם": 2, "שתיהן": 2, "השתיים": 2, "שני": 2, "שתי": 2,
               "השלושה": 3, "השלוש": 3, "שלושתם": 3, "שלושתן": 3, "שלושת": 3,
               "הארבעה": 4, "ארבעתם": 4, "ארבעת": 4, "החמישה": 5, "חמשתם": 5, "חמשת": 5}
# "the company" (החברה, בחברה מסבירים, מהחברה נמסר) stands for the last organisation named
COMPANY = re.compile(r"^[ובמ]?(?:ה)?חברה$")
_LIST_GAP = re.compile(r"^(?:\s*,\s*|\s+ו-?|\s*,\s*ו-?)$")


def _sentence_of(tokens, pos: int, starts: list[int] | None = None) -> int:
    i = _token_at(starts if starts is not None else [t.start for t in tokens], pos)
    return tokens[max(i, 0)].sentence if tokens else 0


def _outside(e, quote_spans) -> bool:
    return not any(s <= e.start and e.end <= t for s, t in quote_spans)


def _group(size: int, limit: int, entities, quote_spans, original: str):
    """The last run of ``size`` people named as a list (A, B ו-C) before ``limit``."""
    pers = [e for e in entities if e.label == "PER" and e.end <= limit and _outside(e, quote_spans)]
    runs, cur = [], []
    for e in pers:
        if cur and _LIST_GAP.match(original[cur[-1].end:e.start]):
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


def _subject_after(pos: int, tokens, entities, quote_spans, window: int = 4):
    """A person (not after a preposition) named within ``window`` tokens after ``pos`` in the same
    sentence and outside quotations: the subject of a verb that precedes it."""
    import bisect

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


def _resolve(mention, cue, cue_tok, tokens, entities, cluster_of, cluster_by_id, quote_spans, qstart,
             prev_speaker, original: str = ""):
    """(speaker text, entity id or None) for one quote, or None when nobody is named."""
    def named(e):
        c = cluster_by_id.get(cluster_of.get(e.id))
        return (c.name if c else e.text), e.id

    if mention is not None:
        m0, m1 = mention["start"], mention["end"]
        inside = [e for e in entities if _overlap(e.start, e.end, m0, m1)]
        first = [e for e in inside if e.start <= m0 + 1]
        pers = [e for e in inside if e.label == "PER"]
        if first or pers:
            return named(first[0] if first else pers[0])
        # only a place or an organisation after the first word: the mention is a description
        # in the construct state (שר האוצר, דובר המשטרה, מזכירת רוחמה) whose head is a person,
        # not the organisation: it goes on as a description below
        words = mention["text"].split()
        # a pronoun (הוא) or a word that is also the cue (לדבריו, a verb without a subject)
        # points back to a person named before; other words describe the speaker themselves
        # (דובר המשטרה, הדוברת)
        if not (len(words) == 1 and (words[0] in PRONOUNS or mention.get("pointer"))):
            person = _titled_person(mention, tokens, entities, whole=bool(inside))
            if person is not None:
                return named(person)
            if words[0] in GROUP_WORDS and original:
                group = _group(GROUP_WORDS[words[0]], min(m0, qstart), entities, quote_spans, original)
                if group is not None:
                    return group
            if len(words) == 1 and COMPANY.match(words[0]):
                # the organisation the text is about: most mentions so far, then the first named
                orgs = [e for e in entities if e.label == "ORG" and e.end <= min(m0, qstart)
                        and _outside(e, quote_spans)]
                if orgs:
                    count: dict[str, int] = {}
                    for e in orgs:
                        count[cluster_of.get(e.id, e.id)] = count.get(cluster_of.get(e.id, e.id), 0) + 1
                    return named(max(orgs, key=lambda e: (count[cluster_of.get(e.id, e.id)], -e.start)))
            return mention["text"], None
        anchor = m0
        if mention.get("pointer") and words[0] not in PRONOUNS and not POINTER_CUE.match(words[0]):
            # a speech verb with its subject after it (אמר ראש הממשלה נתניהו, אומר גבאי):
            # a person named within the next few words, in the same sentence, outside quotes
            late = _subject_after(m1, tokens, entities, quote_spans)
            if late is not None:
                return named(late)
    elif cue is not None:
        anchor = cue["start"]
    elif prev_speaker is not None:
        # no cue, no mention, right after a quote: the same speaker goes on
        return prev_speaker["text"], prev_speaker["entity"]
    else:
        return None
    # a pronoun, לדבריו or a verb without a subject: the last person named before it, outside
    # quotations
    person = _antecedent(min(anchor, qstart), tokens, entities, quote_spans)
    if person is not None:
        return named(person)
    if prev_speaker is not None:
        return prev_speaker["text"], prev_speaker["entity"]
    return None
