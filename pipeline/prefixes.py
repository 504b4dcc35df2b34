"""Clitic prefixes: how many leading characters of an entity's first token are not the name.

Hebrew glues ו ה ב כ ל מ ש (and combinations: וה, וב, מה, שב, כש, ...) to words, sometimes with
the opening quotation mark of a title (ב"הארץ"). An entity span in our JSON excludes them:
באוקראינה → אוקראינה, לנאט"ו → נאט"ו, but משה, ברזיל and לונדון keep every letter.

Evidence, strongest first:
1. the token was seen as an entity in the gold training data (its gold prefix length);
2. the rest of the token is a known name (a gold entity host) or another entity mention of
   the same document;
3. word frequencies from raw Hebrew text: the rest is a common word and the whole token rare;
4. a token never seen in raw text (a new foreign name) loses a leading prefix that ends in ב
   (ב, וב, שב, ...: on NEMO dev entity tokens 95.8% right with this rule, 95.4% without it,
   95.7% with ב and ל);
5. otherwise the token is kept whole.

The lexicons come from ``hebnews_prefix.json`` in the model folder (built by
``hebnews train prefixes`` from HTB train + raw text); without it only rule 2 with the
document's own mentions applies.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

FILE_NAME = "hebnews_prefix.json"
PREFIX_LETTERS = set("ובלמשהכ")
# A prefix ending in the article ה is not stripped by rule: in NEMO the article belongs to the
# name far more often than not (הכנסת, הליכוד); והליכוד loses only its ו.
DEFAULT_PREFIXES = ("ו", "ב", "ל", "מ", "ש", "כ", "וב", "ול", "ומ", "וש", "וכ", "שב", "של", "שמ",
                    "כש", "לכש", "וכש", "ושב", "מש")


@dataclass
class PrefixStripper:
    prefixes: tuple[str, ...] = DEFAULT_PREFIXES
    entity_tokens: dict[str, int] = field(default_factory=dict)  # gold token -> prefix length
    hosts: frozenset[str] = frozenset()  # gold entity host forms (no prefix)
    freq: dict[str, int] = field(default_factory=dict)  # raw-text word counts
    min_ratio: float = 3.0
    unseen_prefixes: tuple[str, ...] = ("ב",)  # last letter of the prefix

    def __post_init__(self):
        # also allow a title's opening quote after the prefix: ב"הארץ
        with_quote = {p + '"' for p in self.prefixes} | {p + "'" for p in self.prefixes}
        self._cands = sorted(set(self.prefixes) | with_quote, key=len, reverse=True)

    @classmethod
    def load(cls, model_dir: str | Path | None) -> "PrefixStripper":
        if model_dir is None or not (Path(model_dir) / FILE_NAME).is_file():
            return cls()
        data = json.loads((Path(model_dir) / FILE_NAME).read_text("utf-8"))
        return cls(prefixes=tuple(data["prefixes"]), entity_tokens=data["entity_tokens"],
                   hosts=frozenset(data["hosts"]), freq=data["freq"],
                   min_ratio=data.get("min_ratio", 3.0))

    def prefix_len(self, token: str, doc_names: set[str] | frozenset[str] = frozenset()) -> int:
        """Characters to strip from the start of ``token`` (its working/folded form)."""
        if not token or token[0] not in PREFIX_LETTERS:
            return 0
        known = self.entity_tokens.get(token)
        if known is not None:
            return known
        cands = [p for p in self._cands if token.startswith(p) and len(token) - len(p) >= 2]
        if not cands:
            return 0
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
