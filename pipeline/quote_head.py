"""The quote head: a small network on the encoder's word vectors that tags quotes.

For each candidate pair of quotation marks (:func:`hebnews.quotes.find_candidates`) it
scores *quote or not* from the words inside, at and around the marks, and tags the words in
a window around the candidate as cue (binary) and speaker mention (O / B / I), conditioned on
the candidate. It shares the NER model's encoder forward pass (hidden states of
``config.layers``), so quotes cost no second encoder run. Stored beside the NER model as
``quote_head.safetensors`` + ``quote_head.json``; the model folder still loads with plain
``AutoModelForTokenClassification``.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .lang.he import SPEECH_VERB_FORMS
from .quote_numpy import N_SCALARS

WEIGHTS = "quote_head.safetensors"
CONFIG = "quote_head.json"
DIST_BUCKETS = (1, 2, 3, 4, 6, 9, 14, 20, 30, 10**9)
SENT_BUCKETS = 3  # same sentence as the nearer mark, the next one, further
SPK_O, SPK_B, SPK_I = 0, 1, 2
TOKEN_FEATURES = ("ENT", "PER", "ORG", "GPE")  # per word, from the NER head's probabilities


def token_features(labels: list[str], logprobs: np.ndarray) -> np.ndarray:
    """(n_words, 4): probability that the word is in an entity, a person, an organisation, a
    geo-political entity, from the NER head's per-word log-probabilities (n_words, n_labels)."""
    p = np.exp(logprobs.astype(np.float32))
    out = np.zeros((len(p), len(TOKEN_FEATURES)), dtype=np.float32)
    if not len(p):
        return out
    out[:, 0] = 1.0 - p[:, labels.index("O")]
    for k, typ in enumerate(TOKEN_FEATURES[1:], 1):
        cols = [i for i, lab in enumerate(labels) if lab.endswith("-" + typ)]
        if cols:
            out[:, k] = p[:, cols].sum(1)
    return out


@dataclass
class HeadConfig:
    layers: list[int] = field(default_factory=lambda: [8, 12])
    dim: int = 768
    hidden: int = 256
    window: int = 30  # context words on each side of the quote
    dropout: float = 0.2
    threshold: float = 0.5  # quote probability to keep a candidate
    cue_threshold: float = 0.5
    speaker_threshold: float = 0.5
    members: int = 1  # heads trained with different seeds; their probabilities are averaged
    # cue words of the training gold (conjunction/relative prefix removed): a speaker mention
    # that is one of them is a verb without a subject and points back to a person
    cue_words: list[str] = field(default_factory=list)
    # decoding (hebnews.quotes), tuned on the quote gold with the head; a quote_head.json written
    # before they were stored here gets these values:
    # the speaker-start scores are close between a plain word and a person (a PER entity or a
    # pronoun) when the person scores at least this share of the best word's: the person speaks
    person_ratio: float = 0.3
    # a one-word speaker mention with at least this cue probability is a cue word (a verb without
    # a subject, לדבריו) that points back to a person
    pointer_cue_threshold: float = 0.2
    # probability that the next word continues the speaker mention
    speaker_inside_threshold: float = 0.5

    def save(self, folder: Path) -> None:
        (folder / CONFIG).write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "HeadConfig":
        data = json.loads((folder / CONFIG).read_text(encoding="utf-8"))
        for key in _RETIRED:
            if data.pop(key, False):
                raise ValueError(f"{folder / CONFIG}: {key} is no longer supported")
        return cls(**data)


# options of earlier heads that no shipped head used: false in old quote_head.json files
_RETIRED = ("context_rnn", "pointer")


def dist_bucket(d: int) -> int:
    for k, lim in enumerate(DIST_BUCKETS):
        if d <= lim:
            return k
    return len(DIST_BUCKETS) - 1


@dataclass
class CandidateInput:
    """What the head sees of one candidate: token indices into the document's tokens."""
    content: list[int]  # tokens of the quote's content
    before: int  # token before the opening mark (-1: none)
    after: int  # token after the closing mark (-1: none)
    scalars: list[float]
    context: list[int]  # tokens around the quote that may be cue or speaker
    position: list[int]  # position code of each context token


def build_module(cfg: HeadConfig):
    import torch
    from torch import nn

    n_pos = 2 * len(DIST_BUCKETS) * SENT_BUCKETS

    class QuoteHead(nn.Module):
        def __init__(self):
            super().__init__()
            h = cfg.hidden
            self.norm = nn.LayerNorm(cfg.dim)
            self.proj = nn.Linear(cfg.dim, h)
            self.feat = nn.Linear(len(TOKEN_FEATURES), h)
            self.drop = nn.Dropout(cfg.dropout)
            self.quote = nn.Sequential(nn.Linear(5 * h + N_SCALARS, h), nn.GELU(), nn.Dropout(cfg.dropout),
                                       nn.Linear(h, 1))
            self.cand = nn.Linear(5 * h + N_SCALARS, h)
            self.pos = nn.Embedding(n_pos, h)
            self.tok = nn.Sequential(nn.GELU(), nn.Dropout(cfg.dropout), nn.Linear(h, h), nn.GELU(),
                                     nn.Linear(h, 4))  # cue, speaker O/B/I

        def forward(self, vec, feats_in, content_mask, before, after, first, last, scalars, ctx, ctx_pos,
                    ctx_mask):
            """vec: (T, D) token vectors of one batch of documents stacked; feats_in (T, F) token
            features (:func:`token_features`); content_mask: (token indices, candidate rows) of
            every candidate's content words;
            before/after/first/last (C,) token indices (-1 none); scalars (C, S); ctx (C, W)
            token indices, ctx_pos (C, W), ctx_mask (C, W)."""
            # only the words some candidate looks at go through the projection (long articles)
            T = vec.shape[0]
            flat = torch.cat([content_mask[0], before, after, first, last, ctx.reshape(-1)])
            used = torch.unique(flat[flat < T])
            v = self.drop(self.proj(self.norm(vec[used].float())) + self.feat(feats_in[used].float()))
            zero = torch.zeros(1, v.shape[1], dtype=v.dtype, device=v.device)
            vz = torch.cat([v, zero], 0)  # the last row: "no word"

            def remap(ix):
                pos = torch.searchsorted(used, ix.clamp(max=max(T - 1, 0)))
                return torch.where(ix >= T, torch.full_like(ix, len(used)), pos)

            before, after, first, last, ctx = (remap(x) for x in (before, after, first, last, ctx))
            content_idx, content_seg = remap(content_mask[0]), content_mask[1]
            n_cand = len(before)
            total = torch.zeros(n_cand, v.shape[1], dtype=v.dtype).index_add_(0, content_seg, vz[content_idx])
            count = torch.zeros(n_cand, dtype=v.dtype).index_add_(0, content_seg, torch.ones(len(content_seg),
                                                                                          dtype=v.dtype))
            mean = total / count.clamp(min=1).unsqueeze(1)
            feats = torch.cat([mean, vz[first], vz[last], vz[before], vz[after], scalars], 1)
            quote_logit = self.quote(feats).squeeze(1)
            c = self.cand(feats)
            t = vz[ctx] + self.pos(ctx_pos) + c.unsqueeze(1)
            out = self.tok(t)
            return quote_logit, out[..., 0], out[..., 1:]

    return QuoteHead()


def candidate_inputs(text: str, tokens, cands, sent_of_token: list[int], window: int) -> list[CandidateInput]:
    """Token-level view of each candidate. ``tokens`` carry working offsets ``wstart/wend``."""
    import bisect

    starts = [t.wstart for t in tokens]
    ends = [t.wend for t in tokens]
    out = []
    for c in cands:
        i0 = bisect.bisect_right(ends, c.start)  # first token ending after content start
        i1 = bisect.bisect_left(starts, c.end)  # first token starting at/after content end
        content = list(range(i0, i1))
        b = bisect.bisect_left(starts, c.open) - 1  # last token starting before the opening mark
        a = bisect.bisect_right(starts, c.close)  # first token starting after the closing mark
        n_tok = len(content)
        inner = text[c.start:c.end]
        scalars = [math.log1p(n_tok), math.log1p(len(inner)) / 8.0, float(n_tok <= 2),
                   float(any(ch in inner[:-1] for ch in ".!?")),
                   float(text[:c.open].rstrip().endswith(":")),
                   float(text[c.close + 1:].lstrip()[:1] in (",", "-", "–")),
                   math.log1p(inner.count('"') + inner.count("'"))]
        s_open = sent_of_token[i0] if content else (sent_of_token[b] if b >= 0 else 0)
        s_close = sent_of_token[i1 - 1] if content else s_open
        ctx, pos = [], []
        for k in range(max(0, b + 1 - window), b + 1):
            if sent_of_token[k] < s_open - 1 or (content and k >= i0):
                continue
            ctx.append(k)
            sd = min(s_open - sent_of_token[k], SENT_BUCKETS - 1)
            pos.append(dist_bucket(b - k + 1) * SENT_BUCKETS + sd)
        for k in range(a, min(len(tokens), a + window)):
            if sent_of_token[k] > s_close + 1:
                break
            ctx.append(k)
            sd = min(sent_of_token[k] - s_close, SENT_BUCKETS - 1)
            pos.append((len(DIST_BUCKETS) + dist_bucket(k - a + 1)) * SENT_BUCKETS + sd)
        out.append(CandidateInput(content, b, a if a < len(tokens) else -1, scalars, ctx, pos))
    return out


def collate(inputs: list[CandidateInput], n_tokens: int, offset: int = 0):
    """Tensors for :meth:`QuoteHead.forward` (training): :func:`hebnews.quote_numpy.collate_arrays`
    as torch tensors, the content words as one (token indices, candidate rows) pair."""
    import torch

    from .quote_numpy import collate_arrays

    c_idx, c_seg, *rest = (torch.from_numpy(a) for a in collate_arrays(inputs, n_tokens, offset))
    return ((c_idx, c_seg), *rest)


class QuoteTagger:
    """Loaded head(s) + config; scores the candidates of one document."""

    def __init__(self, members, cfg: HeadConfig):
        """``members``: trained torch modules (:func:`build_module`) or their state dicts as
        float32 numpy arrays; inference runs in numpy (:mod:`hebnews.quote_numpy`)."""
        members = members if isinstance(members, (list, tuple)) else [members]
        self.members = [m if isinstance(m, dict) else
                        {k: v.detach().float().cpu().numpy() for k, v in m.state_dict().items()}
                        for m in members]
        self.cfg = cfg
        # the cue lexicon, for lookups: the training gold's cue words and every form of the
        # speech verbs of hebnews.lang.he
        self.cue_words = frozenset(cfg.cue_words or ()) | SPEECH_VERB_FORMS

    @classmethod
    def load(cls, folder: Path | str) -> "QuoteTagger | None":
        folder = Path(folder)
        if not (folder / CONFIG).is_file():
            return None
        import safetensors.numpy

        from .encoder import read_safetensors

        cfg = HeadConfig.load(folder)
        state = read_safetensors(folder / WEIGHTS, safetensors.numpy)
        members = [{name[len(f"m{k}."):]: v.astype(np.float32) for name, v in state.items()
                    if name.startswith(f"m{k}.")} for k in range(cfg.members)]
        return cls(members, cfg)

    def save(self, folder: Path | str) -> None:
        from safetensors.numpy import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.cfg.members = len(self.members)
        # fp16 on disk (the model card's rule: store fp16 where it costs nothing); fp32 in memory
        save_file({f"m{k}.{name}": np.ascontiguousarray(v.astype(np.float16)) for k, m in enumerate(self.members)
                   for name, v in m.items()}, str(folder / WEIGHTS))
        self.cfg.save(folder)

    def score(self, vectors: np.ndarray, feats: np.ndarray, inputs: list[CandidateInput]) -> "Scores":
        """Probabilities for each candidate, averaged over the members."""
        if len(inputs) > 512:  # bounded memory on very long articles
            parts = [self.score(vectors, feats, inputs[i:i + 512]) for i in range(0, len(inputs), 512)]
            width = max(p.cue.shape[1] for p in parts)

            def cat(name):
                arrs = [getattr(p, name) for p in parts]
                if arrs[0].ndim == 2:
                    arrs = [np.pad(a, ((0, 0), (0, width - a.shape[1]))) for a in arrs]
                return np.concatenate(arrs)

            return Scores(*[cat(f) for f in ("quote", "cue", "cue_none", "speaker_b", "speaker_none", "speaker_i")])
        from . import quote_numpy as qn

        arrays = qn.collate_arrays(inputs, len(vectors))
        acc = None
        for sd in self.members:
            with qn.one_blas_thread():
                q, cue, spk = qn.forward(sd, vectors, feats, arrays)
            sp = qn.softmax(spk)
            parts = [qn.sigmoid(q), qn.sigmoid(cue), np.full((len(q),), self.cfg.cue_threshold, dtype=np.float32),
                     sp[..., SPK_B], np.full((len(q),), self.cfg.speaker_threshold, dtype=np.float32), sp[..., SPK_I]]
            acc = parts if acc is None else [a + b for a, b in zip(acc, parts)]
        n = len(self.members)
        return Scores(*[(a / n).astype(np.float32) for a in acc])


@dataclass
class Scores:
    quote: np.ndarray  # (C,) probability that the candidate is a direct quotation
    cue: np.ndarray  # (C, W) cue probability of each context word
    cue_none: np.ndarray  # (C,) a word needs at least this to be the cue
    speaker_b: np.ndarray  # (C, W) probability that the speaker mention starts at the word
    speaker_none: np.ndarray  # (C,) a word needs at least this to start the mention
    speaker_i: np.ndarray  # (C, W) probability that the word continues the mention

    def row(self, r: int) -> "CandidateScores":
        """The scores of candidate ``r``."""
        return CandidateScores(self.quote[r], self.cue[r], self.cue_none[r], self.speaker_b[r],
                               self.speaker_none[r], self.speaker_i[r])


@dataclass
class CandidateScores:
    """:class:`Scores` of one candidate; the per-word rows are indexed like its context."""
    quote: float
    cue: np.ndarray  # (W,)
    cue_none: float
    speaker_b: np.ndarray  # (W,)
    speaker_none: float
    speaker_i: np.ndarray  # (W,)
