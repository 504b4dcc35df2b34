"""Entity head nouns: words that open multi-word names in the NER gold (קרן פורד, עיריית חיפה,
משרד החוץ, מלחמת המפרץ) and never stand outside a name right before one.

Input: a sentence's words (working forms) and its BIOSE tags from the decoder. Output: the same
tags, where an entity that starts right after such a word (tagged O, a clitic prefix allowed:
לקרן פורד) and has the word's usual type now starts at that word. The model often tags only the
distinctive part of such a name; NEMO's gold includes the head noun.

The lexicon (``hebnews_heads.json`` in the model folder) is built from NEMO train by
``hebnews train heads``: a word qualifies when it begins at least ``min_inside`` multi-word
gold entities and is never tagged O directly before a gold entity; its type is its most
frequent entity type. Without the file nothing changes.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .lang.he import HEAD_CLITICS

FILE_NAME = "hebnews_heads.json"


@dataclass
class HeadLexicon:
    heads: dict[str, str] = field(default_factory=dict)  # word -> entity type

    @classmethod
    def load(cls, model_dir: str | Path | None) -> "HeadLexicon":
        path = Path(model_dir) / FILE_NAME if model_dir is not None else None
        if path is None or not path.is_file():
            return cls()
        return cls(dict(json.loads(path.read_text("utf-8"))["heads"]))

    def lookup(self, word: str) -> str | None:
        """The entity type ``word`` opens as a head noun, allowing one clitic prefix."""
        if word in self.heads:
            return self.heads[word]
        for p in HEAD_CLITICS:  # the remainder must be a head
            if word.startswith(p) and len(word) - len(p) >= 2 and word[len(p):] in self.heads:
                return self.heads[word[len(p):]]
        return None

    def extend(self, words: list[str], tags: list[str]) -> list[str]:
        """Tags with every entity that follows a head noun of its type started one word early."""
        if not self.heads:
            return tags
        from .ner import tag_spans

        if len(words) != len(tags):
            raise ValueError(f"{len(words)} words but {len(tags)} tags")
        out = list(tags)
        for sp in tag_spans(tags):
            if sp.start == 0 or out[sp.start - 1] != "O":
                continue
            if self.lookup(words[sp.start - 1]) == sp.label:
                out[sp.start - 1] = "B-" + sp.label
                out[sp.start] = ("E-" if sp.end - sp.start == 1 else "I-") + sp.label
        return out


def build(sentences, min_inside: int = 3) -> dict[str, str]:
    """The head-noun lexicon from gold :class:`hebnews.corpora.base.Sentence` objects (words as the annotator
    sees them: normalised)."""
    from .ner import tag_spans
    from .normalize import normalize

    inside: Counter = Counter()
    outside: Counter = Counter()
    types: dict[str, Counter] = defaultdict(Counter)
    for s in sentences:
        words = [normalize(w).text for w in s.tokens]
        for sp in tag_spans(s.labels):
            if sp.end - sp.start >= 2:
                inside[words[sp.start]] += 1
                types[words[sp.start]][sp.label] += 1
            if sp.start > 0 and s.labels[sp.start - 1] == "O":
                outside[words[sp.start - 1]] += 1
    return {w: types[w].most_common(1)[0][0] for w in sorted(inside)
            if inside[w] >= min_inside and outside[w] == 0}


def save(heads: dict[str, str], model_dir: str | Path, min_inside: int) -> Path:
    out = Path(model_dir) / FILE_NAME
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps({"source": "NEMO SPMRL token-single train (no dev/test)",
                               "licence": "derived from NEMO / HTB: CC BY-NC-SA 4.0",
                               "min_inside": min_inside, "heads": heads},
                              ensure_ascii=False, indent=0), "utf-8")
    tmp.replace(out)
    return out
