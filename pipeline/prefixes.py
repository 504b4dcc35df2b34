"""Clitic prefixes: how many leading characters of an entity's first token are not the name.

Hebrew glues ו ה ב כ ל מ ש (and combinations: וה, וב, מה, שב, כש, ...) to words, sometimes with
the opening quotation mark of a title (ב"הארץ"). An entity span in our JSON excludes them:
באוקראינה → אוקראינה, לנאט"ו → נאט"ו, but משה, ברזיל and לונדון keep every letter.

Evidence, strongest first:
1. the token was seen as an entity in the gold training data (its gold prefix length);
2. a learned scorer (when the lexicon file carries ``weights``): every reading of the token
   (whole, or without one of the candidate prefixes) gets a linear score from its evidence:
   which prefix, how often the whole token and the rest occur in raw Hebrew text, whether the
   rest is a known name (a gold entity host) or another entity mention of the same document,
   the rest's length and first letter (foreign names spelled with ו or י); the best reading
   wins. Fitted by ``hebnews train prefixes`` on HTB train entity tokens with leave-one-out
   counts, so a name is scored as if unseen, the way new names arrive;
3. without weights, hand rules: the rest is a known name or a mention of the same document;
   the rest is a common word and the whole token rare; an unseen token loses a leading
   prefix that ends in ב;
4. otherwise the token is kept whole.

The lexicons come from ``hebnews_prefix.json`` in the model folder (built by
``hebnews train prefixes`` from HTB train + raw text); without it only the document's own
mentions are evidence.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from .lang.he import FAMILY_PREFIXES, MATRES_LECTIONIS, PREFIX_LETTERS, PREPOSITIONS, STRIP_PREFIXES

FILE_NAME = "hebnews_prefix.json"


@dataclass
class PrefixStripper:
    prefixes: tuple[str, ...] = STRIP_PREFIXES
    entity_tokens: dict[str, int] = field(default_factory=dict)  # gold token -> prefix length
    hosts: frozenset[str] = frozenset()  # gold entity host forms (no prefix)
    freq: dict[str, int] = field(default_factory=dict)  # raw-text word counts
    min_ratio: float = 3.0
    unseen_prefixes: tuple[str, ...] = ("ב",)  # last letter of the prefix
    weights: dict[str, float] = field(default_factory=dict)  # the learned scorer (rule 2)

    def __post_init__(self):
        # also allow a title's opening quote after the prefix: ב"הארץ
        with_quote = {p + '"' for p in self.prefixes} | {p + "'" for p in self.prefixes}
        self._cands = sorted(set(self.prefixes) | with_quote, key=lambda p: (-len(p), p))

    @classmethod
    def load(cls, model_dir: str | Path | None) -> "PrefixStripper":
        if model_dir is None or not (Path(model_dir) / FILE_NAME).is_file():
            return cls()
        data = json.loads((Path(model_dir) / FILE_NAME).read_text("utf-8"))
        return cls(prefixes=tuple(data["prefixes"]), entity_tokens=data["entity_tokens"],
                   hosts=frozenset(data["hosts"]), freq=data["freq"],
                   min_ratio=data.get("min_ratio", 3.0), weights=data.get("weights", {}))

    def candidates(self, token: str) -> list[str]:
        """Prefix strings that may be stripped from ``token`` (at least two letters remain)."""
        if not token or token[0] not in PREFIX_LETTERS:
            return []
        return [p for p in self._cands if token.startswith(p) and len(token) - len(p) >= 2]

    def features(self, token: str, p: str, doc_names=frozenset(), freq=None, hosts=None,
                 doc_words=frozenset(), prev: str = "") -> dict[str, float]:
        """Evidence for reading ``token`` as prefix ``p`` + rest (the whole-token reading scores
        0). ``doc_names``: the document's entity words; ``doc_words``: all its words; ``prev``:
        the word before the token; ``freq``/``hosts`` override the lexicon's (leave-one-out
        counts in training)."""
        freq = self.freq if freq is None else freq
        hosts = self.hosts if hosts is None else hosts
        bare = p.rstrip("\"'")
        rest = token[len(p):]
        f_full, f_rest = freq.get(token, 0), freq.get(rest, 0)
        l_full, l_rest = math.log1p(f_full), math.log1p(f_rest)
        f = {"prefix=" + (bare if bare in STRIP_PREFIXES else "other"): 1.0,
             "last=" + bare[-1]: 1.0,
             "quote": float(bare != p),
             "log_full": l_full, "log_rest": l_rest, "log_ratio": l_rest - l_full,
             "unseen_full": float(f_full == 0), "unseen_rest": float(f_rest == 0),
             "unseen_both": float(f_full == 0 and f_rest == 0),
             "host_rest": float(rest in hosts), "host_full": float(token in hosts),
             "doc_rest": float(rest in doc_names),
             "doc_rest_word": float(rest in doc_words),
             # the whole token also stands after a prefix elsewhere in the document (ולנקובסקי)
             "doc_full_prefixed": float(any(q + token in doc_words for q in PREFIX_LETTERS)),
             "rest_len2": float(len(rest) == 2), "rest_len3": float(len(rest) == 3),
             "rest_long": float(len(rest) >= 6)}
        # the same stem after other prefixes (לפראג, מפראג for בפראג): a stem that takes several
        # prefixes is a word of its own; a whole token that takes them is not prefixed itself
        fam_rest = [freq.get(q + rest, 0) for q in FAMILY_PREFIXES if q + rest != token]
        fam_full = [freq.get(q + token, 0) for q in FAMILY_PREFIXES]
        f["log_family_rest"] = math.log1p(sum(fam_rest))
        f["family_rest_kinds"] = float(sum(c > 0 for c in fam_rest))
        f["log_family_full"] = math.log1p(sum(fam_full))
        if len(rest) <= 3:
            f["short_log_rest"] = l_rest  # counts of a short remainder (רי, לי) mean little
        if rest[:1] in MATRES_LECTIONIS:
            f["rest_first=" + rest[0]] = 1.0
        if len(rest) >= 2 and rest[0] == rest[1]:
            f["rest_double"] = 1.0  # וו, יי open foreign names: ב+וושינגטון, not בוו...
        if prev in PREPOSITIONS:
            f["after_preposition"] = 1.0  # a lexicon fitted without it gives it no weight
        return f

    def _score(self, feats: dict[str, float]) -> float:
        w = self.weights
        return sum(w.get(k, 0.0) * v for k, v in feats.items())

    def prefix_len(self, token: str, doc_names: set[str] | frozenset[str] = frozenset(),
                   doc_words: set[str] | frozenset[str] = frozenset(), prev: str = "") -> int:
        """Characters to strip from the start of ``token`` (its working/folded form);
        ``doc_names``: words of the document's entity mentions, ``doc_words``: all its words;
        ``prev``: the word before the token (its working form), "" at the start."""
        if not token or token[0] not in PREFIX_LETTERS:
            return 0
        known = self.entity_tokens.get(token)
        if known is not None:
            return known
        cands = self.candidates(token)
        if not cands:
            return 0
        if self.weights:
            best, best_score = 0, 0.0
            for p in cands:
                rest = token[len(p):]
                if len(rest) == 2 and rest not in doc_names and rest not in self.hosts:
                    continue  # a two-letter name needs a witness (ולרי is not ול + רי)
                sc = self._score(self.features(token, p, doc_names, doc_words=doc_words, prev=prev))
                if sc > best_score:
                    best, best_score = len(p), sc
            return best
        for p in cands:
            rest = token[len(p):]
            if rest in self.hosts or rest in doc_names:
                return len(p)
        f_full = self.freq.get(token, 0)
        for p in cands:
            rest = token[len(p):]
            f_rest = self.freq.get(rest, 0)
            # counts alone do not make a two-letter remainder a word (ולרי is not ול + רי)
            if len(rest) >= 3 and f_rest >= 2 and f_rest > self.min_ratio * f_full:
                return len(p)
        if self.freq and f_full == 0:
            # an unseen word (a new foreign name): a ב before it is more often
            # a prefix than a first letter (measured on NEMO dev, see above)
            for p in cands:
                if p.rstrip("\"'")[-1:] in self.unseen_prefixes and len(token) - len(p) >= 3:
                    return len(p)
        return 0
