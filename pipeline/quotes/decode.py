"""Decoding: the quote head's scores -> the ``quotes`` layer of one document.

Candidates the head scores at least ``threshold`` are quotes, the longest reading of a mark
first, overlapping ones dropped, and the first part of a split quotation ("X", אמר השר, "Y")
added back. Each quote's cue is the word the head scores highest around it (never a pronoun),
the verb after כך ("...", כך אמר), or the nearest word of the cue lexicon in its sentence; its
speaker from :mod:`.mentions` and :mod:`.speakers`.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..lang.he import BARE_POINTER_CUE, KACH, POINTER_CUE, PRONOUNS
from .candidates import Candidate, find_candidates, overlap
from .mentions import SpeakerContext, find_mention
from .nominal import cue_after_homograph, cue_like, homograph_noun
from .speakers import Speaker, resolve_speaker

if TYPE_CHECKING:
    from ..clusters import Cluster
    from ..document import Entity
    from ..normalize import NormalizedText
    from ..prefixes import PrefixStripper
    from ..quote_head import QuoteTagger
    from ..segment import Token

AFTER_MARK = {",", ".", "-", "–", "—"}  # what may stand between a closing mark and כך
FALLBACK_CUE_AFTER = 4  # a lexicon cue may stand this many words after the closing mark
# a quoted fragment, a short attribution between commas, and the quote going on:
# "אמריקאים", אמר, "מתרעמים..." / "גורג המסכן", אמרה ריצארדס בהגיה הטקסאנית, "הוא..."
_SPLIT_GAP = re.compile(r"^\s*,\s*[^\s\"',.:;!?]+(?:\s+[^\s\"',.:;!?]+){0,5}\s*,\s*$")


@dataclass
class Cue:
    """The word that introduces a quote (אמר, לדבריו), original offsets."""
    start: int
    end: int
    text: str

    @classmethod
    def of(cls, token) -> "Cue":
        return cls(token.start, token.end, token.text)

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass
class Quote:
    """One direct quotation (original offsets); its JSON is :meth:`to_dict`."""
    id: str
    start: int
    end: int
    text: str
    score: float
    speaker: Speaker | None = None
    cue: Cue | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "start": self.start, "end": self.end, "text": self.text, "score": self.score,
                "speaker": self.speaker.to_dict() if self.speaker is not None else None,
                "cue": self.cue.to_dict() if self.cue is not None else None}


@dataclass
class QuoteDocument:
    """What the quote stage reads of one document."""
    nt: NormalizedText
    tokens: list[Token]
    entities: list[Entity]  # clitic prefixes stripped
    clusters: list[Cluster]
    cluster_of: dict[str, str]  # entity id -> cluster id
    vectors: np.ndarray  # (n_tokens, D) encoder word vectors (rows far from any mark may be zero)
    feats: np.ndarray  # (n_tokens, F) NER features (hebnews.quote_head.token_features)
    candidates: list[Candidate] | None = None  # find_candidates(nt.text) when None


@dataclass
class HeadReading:
    """What the quote head decided for one document: the chosen candidates (indices into
    ``candidates``, text order), their original spans, and the head's inputs and scores."""
    candidates: list[Candidate]
    inputs: list  # quote_head.CandidateInput per candidate
    scores: object  # quote_head.Scores
    kept: list[int]
    spans: list[tuple[int, int]]


def read_quotes(doc: QuoteDocument, tagger: QuoteTagger | None) -> HeadReading | None:
    """The quote head over a document's candidates: which are quotations (None when there is
    nothing to read: no candidates, no head or no tokens)."""
    from ..quote_head import candidate_inputs

    work, tokens = doc.nt.text, doc.tokens
    cands = find_candidates(work) if doc.candidates is None else doc.candidates
    if not cands or tagger is None or not tokens:
        return None
    cfg = tagger.cfg
    inputs = candidate_inputs(work, tokens, cands, [t.sentence for t in tokens], cfg.window)
    sc = tagger.score(doc.vectors, doc.feats, inputs)
    kept = choose_quotes(work, cands, sc.quote, cfg.threshold)
    spans = [doc.nt.to_original(cands[r].start, cands[r].end) for r in kept]
    return HeadReading(cands, inputs, sc, kept, spans)


def attribute_quotes(doc: QuoteDocument, reading: HeadReading | None, tagger: QuoteTagger,
                     prefixes: PrefixStripper | None = None) -> list[dict]:
    """The ``quotes`` layer (original offsets): each chosen quote with its cue and speaker; a
    quote that directly follows another ("X", אמר, "Y") may inherit its speaker."""
    if reading is None:
        return []
    tokens, cands, kept, spans = doc.tokens, reading.candidates, reading.kept, reading.spans
    ctx = SpeakerContext(doc.nt.original, tokens, doc.entities, doc.cluster_of, doc.clusters, spans, doc.nt,
                         prefixes)
    wstarts = [t.wstart for t in tokens]
    out: list[Quote] = []
    prev: Speaker | None = None
    for n, r in enumerate(kept):
        follows = n > 0 and prev is not None and _adjacent(tokens, wstarts, cands[kept[n - 1]].close, cands[r].open)
        start, end = spans[n]
        quote = Quote(f"q{n + 1}", start, end, doc.nt.original[start:end], round(float(reading.scores.quote[r]), 4))
        quote.speaker, quote.cue = _attribute(ctx, reading.inputs[r], reading.scores.row(r), spans[n],
                                              prev if follows else None, tagger)
        if quote.speaker is not None:
            prev = quote.speaker
        out.append(quote)
    return [q.to_dict() for q in out]


def tag_quotes(doc: QuoteDocument, tagger: QuoteTagger | None, prefixes: PrefixStripper | None = None) -> list[dict]:
    """The ``quotes`` layer of one document (original offsets), from the quote head's scores;
    ``tagger``: the :class:`~hebnews.quote_head.QuoteTagger` (None: no quotes); ``prefixes``:
    the :class:`~hebnews.prefixes.PrefixStripper` that takes a clitic off a speaker mention."""
    return attribute_quotes(doc, read_quotes(doc, tagger), tagger, prefixes)


def choose_quotes(work: str, cands: list[Candidate], score: np.ndarray, threshold: float) -> list[int]:
    """Indices of the candidates that are quotes, in text order: those scoring at least
    ``threshold``, a reading that runs to a later closing mark of the same opening mark first
    ("a "b" c "d" e" is one quotation), then the higher score, overlapping ones dropped; then the
    first part of a split quotation added back."""
    above = [r for r in range(len(cands)) if score[r] >= threshold]

    def inner(r):  # a shorter reading from the same opening mark
        a = cands[r]
        return any(k != r and cands[k].open == a.open and a.close < cands[k].close for k in above)

    kept: list[int] = []
    for r in sorted(above, key=lambda r: (inner(r), -score[r])):
        if any(overlap(cands[r].open, cands[r].close + 1, cands[k].open, cands[k].close + 1) for k in kept):
            continue
        kept.append(r)
    kept = _split_quotations(work, cands, kept)
    kept.sort(key=lambda r: cands[r].start)
    return kept


def _attribute(ctx: SpeakerContext, x, row, span: tuple[int, int], prev: Speaker | None,
               tagger: QuoteTagger) -> tuple[Speaker | None, Cue | None]:
    """Speaker and cue of one quote (``x``: its candidate input, ``row``: its head scores,
    ``span``: its original span, ``prev``: the speaker of the quote it directly follows)."""
    cfg, cue_words, tokens = tagger.cfg, tagger.cue_words, ctx.tokens
    cue_tok = mention = None
    if x.context:
        cue_tok = _head_cue(tokens, x, row, cue_words)
        mention = find_mention(ctx, x, row, span, cue_tok, cfg, cue_words)
    if mention is not None and len(mention.tokens) == 1:
        # a word tagged as the speaker's mention that is the cue, or looks like one to the
        # head (a verb without a subject, לדבריו), carries the person inside it; a noun spelled
        # like a speech verb (כתבת "a reporter") is a subject that describes the speaker
        k = mention.tokens[0]
        word = tokens[k].norm
        if (k == cue_tok or row.cue[x.context.index(k)] >= cfg.pointer_cue_threshold or POINTER_CUE.match(word)
                or cue_like(word, cue_words)) and not homograph_noun(tokens, k, cue_tok):
            mention.pointer = True
            cue_tok = k if cue_tok is None else cue_tok
    cue = Cue.of(tokens[cue_tok]) if cue_tok is not None else None
    speaker = resolve_speaker(ctx, mention, cue.start if cue is not None else None, span[0], prev)
    if cue is None:
        k = _fallback_cue(tokens, x, cue_words, ctx.quote_spans)
        cue = Cue.of(tokens[k]) if k is not None else None
    return speaker, cue


def _head_cue(tokens, x, row, cue_words) -> int | None:
    """The cue's token by the head: its best context word if it scores at least the "none"
    level (a pronoun is a subject, never the speech verb: היא הדגישה; nor is a noun spelled like
    one before a speech verb: כתבת הארץ שאלה), or the cue after כך."""
    cue_tok = None
    k = int(np.argmax(np.where([tokens[i].norm in PRONOUNS for i in x.context], -1.0, row.cue[:len(x.context)])))
    if row.cue[k] >= row.cue_none:
        cue_tok = x.context[k]
        # כתבת הארץ שאלה: the noun spelled like a speech verb is the subject of the verb after it
        verb = cue_after_homograph(tokens, cue_tok, x.context, cue_words)
        cue_tok = cue_tok if verb is None else verb
    after_cue = _cue_after_kach(tokens, x.after, cue_words)
    return after_cue if after_cue is not None else cue_tok


def _adjacent(tokens, wstarts: list[int], prev_close: int, open_: int) -> bool:
    """The quote opening at ``open_`` starts at most one sentence after the previous quote's
    closing mark (working offsets; ``wstarts``: the tokens' working starts)."""
    a = bisect.bisect_right(wstarts, prev_close) - 1
    b = bisect.bisect_right(wstarts, open_) - 1
    if a < 0 or b < 0:
        return False
    return tokens[b].sentence - tokens[a].sentence <= 1


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
        if any(overlap(c.open, c.close + 1, cands[j].open, cands[j].close + 1) for j in kept + added):
            continue
        added.append(r)
    return kept + added


# ----------------------------------------------------------------------------- the cue lexicon

def _fallback_cue(tokens, x, cue_words, quote_spans) -> int | None:
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
        if any(a <= t.start and t.end <= b for a, b in quote_spans) or not cue_like(t.norm, cue_words):
            continue
        if i < x.content[0]:
            d = x.content[0] - i
        elif i > x.content[-1] and i - x.content[-1] <= FALLBACK_CUE_AFTER:
            d = i - x.content[-1]
        else:
            continue
        if best is None or d < best[0]:
            best = (d, i)
    return best[1] if best else None


def _cue_after_kach(tokens, after: int, cue_words) -> int | None:
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
                                          or cue_like(w, cue_words)):
        return j + 1
    return None
