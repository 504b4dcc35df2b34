"""Train the quote head on the quotation gold (``hebnews train quotes``).

The NER model's encoder is frozen: its word vectors (hidden states of ``--layers``) are computed
once for the training documents, then the small head learns, for each candidate pair of
quotation marks, quote-or-not, the cue word and the speaker mention. Writes
``quote_head.safetensors`` + ``quote_head.json`` into the model folder (or ``--out``).
"""
from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger("hebnews.train.quotes")


@dataclass
class DocExample:
    vectors: np.ndarray  # (n_tokens, D) float16
    feats: np.ndarray  # (n_tokens, F) NER features
    inputs: list  # CandidateInput per candidate
    is_quote: list[float]
    cue: list[list[int]]  # per candidate: positions in its context that are the cue
    spk: list[list[int]]  # per candidate: speaker label (O/B/I) of each context position


def _overlaps(t, span) -> bool:
    return span is not None and t.start < span["end"] and span["start"] < t.end


def featurize(annotator, docs: list[dict], layers: tuple[int, ...], window: int) -> list[DocExample]:
    from ..evaluate.quotes import IOU, iou
    from ..quote_head import SPK_B, SPK_I, SPK_O, candidate_inputs, token_features
    from ..stages import sentences_near_candidates

    out = []
    for d in docs:
        prep = annotator.prepare(d["text"])
        if not prep.candidates or not prep.tokens:
            continue
        words = [[t.norm for t in prep.tokens[s.first:s.last]] for s in prep.sentences]
        want = sentences_near_candidates(prep)
        lps, vecs = annotator.classifier.run_documents([words], want, layers)
        feats = token_features(annotator.classifier.labels, np.concatenate(lps))
        dim = annotator.classifier.hidden_size * len(layers)
        vectors = np.concatenate([v if v is not None else np.zeros((s.last - s.first, dim), np.float16)
                                  for s, v in zip(prep.sentences, vecs)])
        sent_of = [t.sentence for t in prep.tokens]
        inputs = candidate_inputs(prep.normalized.text, prep.tokens, prep.candidates, sent_of, window)
        is_quote, cues, spks = [], [], []
        for c, x in zip(prep.candidates, inputs):
            span = prep.normalized.to_original(c.start, c.end)
            best = max(d["quotes"], key=lambda g: iou(span, (g["start"], g["end"])), default=None)
            pos = best is not None and iou(span, (best["start"], best["end"])) >= IOU
            is_quote.append(1.0 if pos else 0.0)
            cue, spk = [], []
            if pos:
                ment = (best.get("speaker") or {}).get("mention")
                gcue = best.get("cue")
                prev_in = False
                for k, ti in enumerate(x.context):
                    t = prep.tokens[ti]
                    if _overlaps(t, gcue):
                        cue.append(k)
                    inside = _overlaps(t, ment)
                    spk.append(SPK_O if not inside else (SPK_I if prev_in else SPK_B))
                    prev_in = inside
            cues.append(cue)
            spks.append(spk)
        out.append(DocExample(vectors, feats, inputs, is_quote, cues, spks))
    return out


def _batch_tensors(batch: list[DocExample]):
    import torch

    from ..quote_head import collate

    vec = np.concatenate([b.vectors for b in batch])
    feats = np.concatenate([b.feats for b in batch])
    quote = []
    offsets = np.cumsum([0] + [len(b.vectors) for b in batch[:-1]]).tolist()
    n = len(vec)
    # collate every candidate of every document with its document's offset
    rows = []
    for b, off in zip(batch, offsets):
        for x, q, c, s in zip(b.inputs, b.is_quote, b.cue, b.spk):
            rows.append((x, off, q, c, s))
    W = max([len(r[0].context) for r in rows] + [1])
    parts = [collate([x], n, off) for x, off, *_ in rows]
    content_mask = (torch.cat([p[0][0] for p in parts]),
                    torch.cat([torch.full_like(p[0][1], r) for r, p in enumerate(parts)]))
    cat = [torch.cat([p[k] for p in parts]) for k in range(1, 6)]
    ctx = torch.full((len(rows), W), n, dtype=torch.long)
    ctx_pos = torch.zeros((len(rows), W), dtype=torch.long)
    ctx_mask = torch.zeros((len(rows), W), dtype=torch.bool)
    cue_lab = torch.zeros((len(rows), W))
    spk_lab = torch.zeros((len(rows), W), dtype=torch.long)
    for r, (x, off, q, c, s) in enumerate(rows):
        m = len(x.context)
        ctx[r, :m] = torch.tensor([off + k for k in x.context], dtype=torch.long)
        ctx_pos[r, :m] = torch.tensor(x.position, dtype=torch.long)
        ctx_mask[r, :m] = True
        for k in c:
            cue_lab[r, k] = 1
        if s:
            spk_lab[r, :m] = torch.tensor(s, dtype=torch.long)
        quote.append(q)
    quote = torch.tensor(quote)
    return (torch.from_numpy(vec), torch.from_numpy(feats), content_mask, *cat, ctx, ctx_pos, ctx_mask), \
        quote, cue_lab, spk_lab


def fit(examples: list[DocExample], cfg, epochs: int = 40, lr: float = 1e-3, batch_docs: int = 8,
        seed: int = 13, speaker_weight: float = 1.0, cue_weight: float = 1.0):
    """Train a fresh quote head on featurised documents; returns the module (eval mode)."""
    import torch

    from ..quote_head import build_module

    torch.manual_seed(seed)
    rng = random.Random(seed)
    examples = list(examples)
    module = build_module(cfg)
    opt = torch.optim.AdamW(module.parameters(), lr=lr, weight_decay=0.01)
    steps = epochs * ((len(examples) + batch_docs - 1) // batch_docs)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    bce = torch.nn.BCEWithLogitsLoss(reduction="none", pos_weight=torch.tensor(cue_weight))
    qbce = torch.nn.BCEWithLogitsLoss()
    ce = torch.nn.CrossEntropyLoss(reduction="none",
                                   weight=torch.tensor([1.0, speaker_weight, speaker_weight]))
    for epoch in range(epochs):
        module.train()
        rng.shuffle(examples)
        total = 0.0
        for i in range(0, len(examples), batch_docs):
            args, quote, cue_lab, spk_lab = _batch_tensors(examples[i:i + batch_docs])
            q_logit, cue_logit, spk_logit = module(*args)
            m = (args[-1] & (quote > 0.5).unsqueeze(1)).float()  # tag words only around real quotes
            loss = qbce(q_logit, quote)
            if m.sum() > 0:
                loss = loss + (bce(cue_logit, cue_lab) * m).sum() / m.sum() * 2.0
                loss = loss + (ce(spk_logit.reshape(-1, 3), spk_lab.reshape(-1)) * m.reshape(-1)).sum() \
                    / m.sum() * 2.0
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
            opt.step()
            sched.step()
            total += float(loss.detach())
        if (epoch + 1) % 10 == 0 or epoch == 0:
            log.info("epoch %d loss %.4f", epoch + 1, total)
    return module.eval()


def cue_lexicon(docs: list[dict]) -> list[str]:
    """The one-word cues of the training gold, conjunction/relative prefix removed (ואמר -> אמר)."""
    from ..normalize import normalize
    from ..quotes import bare_cue

    words = {bare_cue(normalize(q["cue"]["text"]).text) for d in docs for q in d.get("quotes", [])
             if q.get("cue") and len(q["cue"]["text"].split()) == 1}
    return sorted(words)


def _head_config(ann, train_docs: list[dict], layers, window: int, hidden: int, members: int,
                 speaker_threshold: float):
    """The head's config for the annotator's encoder, with the cue lexicon of ``train_docs``."""
    from ..quote_head import HeadConfig

    return HeadConfig(layers=list(layers), dim=ann.classifier.hidden_size * len(layers),
                      hidden=hidden, window=window, members=members, speaker_threshold=speaker_threshold,
                      cue_words=cue_lexicon(train_docs))


def train(model_dir: Path, train_path: Path, dev_path: Path | None, out_dir: Path | None = None,
          epochs: int = 40, lr: float = 1e-3, batch_docs: int = 8, seed: int = 13,
          layers: tuple[int, ...] = (8, 12), window: int = 30, hidden: int = 256, members: int = 3,
          speaker_threshold: float = 0.0) -> dict:
    from ..annotator import Annotator
    from ..evaluate.quotes import evaluate
    from ..quote_head import QuoteTagger
    from ..corpora.quote_gold import load

    out_dir = Path(out_dir or model_dir)
    # the same features on every CPU; the quote stages are what is being trained
    ann = Annotator.load(model_dir, device="cpu", precision="fp32", exclude=["quotes"])
    t0 = time.time()
    train_docs = load([train_path])
    examples = featurize(ann, train_docs, layers, window)
    n_cand = sum(len(e.inputs) for e in examples)
    n_pos = int(sum(sum(e.is_quote) for e in examples))
    log.info("features: %d documents, %d candidates (%d quotes) in %.0f s", len(examples), n_cand, n_pos,
             time.time() - t0)
    cfg = _head_config(ann, train_docs, layers, window, hidden, members, speaker_threshold)
    t1 = time.time()
    modules = [fit(examples, cfg, epochs=epochs, lr=lr, batch_docs=batch_docs, seed=seed + k)
               for k in range(members)]
    train_secs = time.time() - t1
    QuoteTagger(modules, cfg).save(out_dir)
    result = {"train_documents": len(train_docs), "train_candidates": n_cand, "train_quotes": n_pos,
              "feature_seconds": round(t1 - t0, 1), "train_seconds": round(train_secs, 1)}
    if dev_path is not None:
        dev = evaluate(ann.replace(quote_tagger=QuoteTagger.load(out_dir), exclude=()), dev_path)
        dev.pop("errors", None)
        result["dev"] = dev
    return result


def cross_validate(model_dir: Path, train_path: Path, folds: int = 5, epochs: int = 40, seed: int = 13,
                   layers: tuple[int, ...] = (8, 12), window: int = 30, hidden: int = 256, members: int = 3,
                   speaker_threshold: float = 0.0, cache_dir: Path | None = None,
                   predictions: Path | None = None) -> dict:
    """K-fold cross-validation on the training gold: for each fold, heads trained (and the cue
    lexicon built) on the other folds tag the fold's documents through the whole annotator, rules
    included. Four times the quotes of the dev gold, so a rule or head change can be judged on
    text nobody looked at while writing it; the shipped head is not touched.

    With ``cache_dir`` each fold's head (stored fp16, as a shipped head is, and read back from
    disk on the first run too, so a rerun scores the same) and its documents before the quote head
    are kept under ``cache_dir/<key>/fold<K>/`` (:mod:`hebnews.evaluate.quote_cache`): a rerun trains
    nothing and runs no encoder, only the quote head and the rules after it (seconds).
    ``predictions``: a JSONL file for the predicted documents, in the gold's order."""
    from ..annotator import Annotator
    from ..corpora.quote_gold import load
    from ..evaluate.quotes import score, write_predictions
    from ..quote_head import QuoteTagger
    from ..evaluate.quote_cache import cache_key, finish_docs, prepared_docs

    if folds < 2:
        raise ValueError("cross-validation needs at least 2 folds")
    # the same features on every CPU; the quote stages are what is being trained
    ann = Annotator.load(model_dir, device="cpu", precision="fp32", exclude=["quotes"])
    docs = load([train_path])
    if len(docs) < folds:
        raise ValueError(f"{len(docs)} documents cannot make {folds} folds")
    t0 = time.time()
    params = {"cv": folds, "epochs": epochs, "seed": seed, "layers": list(layers), "window": window,
              "hidden": hidden, "members": members, "speaker_threshold": speaker_threshold}
    root = Path(cache_dir) / cache_key(Path(model_dir), Path(train_path), params) if cache_dir else None
    examples = None
    order = list(range(len(docs)))
    random.Random(seed).shuffle(order)
    fold_of = {i: k % folds for k, i in enumerate(order)}
    preds: list[dict | None] = [None] * len(docs)
    for f in range(folds):
        fold_dir = root / f"fold{f}" if root is not None else None
        tagger = QuoteTagger.load(fold_dir) if fold_dir is not None else None
        if tagger is None:
            if examples is None:
                examples = [featurize(ann, [d], layers, window) for d in docs]
            rest = [e for i, ex in enumerate(examples) if fold_of[i] != f for e in ex]
            cfg = _head_config(ann, [d for i, d in enumerate(docs) if fold_of[i] != f], layers, window, hidden,
                               members, speaker_threshold)
            tagger = QuoteTagger([fit(rest, cfg, epochs=epochs, seed=seed + k) for k in range(members)], cfg)
            if fold_dir is not None:
                tagger.save(fold_dir)
                tagger = QuoteTagger.load(fold_dir)
        fold_ann = ann.replace(quote_tagger=tagger, exclude=())
        held = [i for i in range(len(docs)) if fold_of[i] == f]
        ready = prepared_docs(fold_ann, [docs[i]["text"] for i in held],
                              fold_dir / "docs.pkl" if fold_dir is not None else None)
        for i, doc in zip(held, finish_docs(fold_ann, ready)):
            preds[i] = doc
        log.info("fold %d/%d done (%.0f s)", f + 1, folds, time.time() - t0)
    if predictions is not None:
        write_predictions(predictions, docs, preds)
    result = score(preds, docs)
    result.update({"folds": folds, "gold": str(train_path), "seconds": round(time.time() - t0, 1)})
    if root is not None:
        result["cache"] = str(root)
    return result
