"""Fine-tune the encoder for NER on NEMO (SPMRL split, token-single, BIOSE, 9 types)."""
from __future__ import annotations

import json
import logging
import math
import random
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np

from ..ner import biose_labels
from ..normalize import normalize
from ..corpora import DataMissing
from ..corpora.bmes import bmc_extra, nemo_token_single
from ..corpora.char_tokens import char_gold_sentences, iahlt_dev_sentences
from ..corpora.hebpipe import hebpipe_pos_sentences
from .config import NerConfig, resolve

log = logging.getLogger(__name__)


def set_seed(seed: int):
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def bioes_labels(types) -> list[str]:
    return ["O"] + [f"{k}-{t}" for t in types for k in "BIES"]


def build_dataset(tokenizer, sentences, label2id, max_length):
    """HF `datasets` pipeline: words + tags -> input_ids and first-sub-word labels. Without
    `datasets` (a bare GPU image) the same rows come back as a plain :class:`Rows`."""
    # the model sees words the way the annotator hands them over: normalised (folded)
    columns = {"tokens": [[normalize(w).text for w in s.tokens] for s in sentences],
               "tags": [s.labels for s in sentences]}

    def encode(batch):
        enc = tokenizer(batch["tokens"], is_split_into_words=True, truncation=True,
                        max_length=max_length)
        labels = []
        for i, tags in enumerate(batch["tags"]):
            prev, lab = None, []
            for w in enc.word_ids(i):
                lab.append(-100 if w is None or w == prev else label2id[tags[w]])
                prev = w
            labels.append(lab)
        return {"input_ids": enc["input_ids"], "labels": labels}

    try:
        from datasets import Dataset
    except ImportError:
        return Rows(encode(columns))
    return Dataset.from_dict(columns).map(encode, batched=True, remove_columns=["tokens", "tags"])


class Rows:
    """Columns of equal length, indexed like a `datasets.Dataset`: ``rows[i]`` is a row dict,
    ``rows["input_ids"]`` a column, ``len(rows)`` the row count."""

    def __init__(self, columns: dict[str, list]):
        self.columns = columns
        self.n = len(next(iter(columns.values()))) if columns else 0

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, key):
        if isinstance(key, str):
            return self.columns[key]
        return {k: v[key] for k, v in self.columns.items()}


def length_batches(lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length (sorted within pools of 50 batches)."""
    idx = list(range(len(lengths)))
    rng.shuffle(idx)
    pool = batch_size * 50
    batches = []
    for p in range(0, len(idx), pool):
        chunk = sorted(idx[p:p + pool], key=lambda i: lengths[i])
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def pack_rows(ds, max_len: int, rng: random.Random) -> Rows:
    """Consecutive rows of a token-classification dataset joined into runs of at most
    ``max_len`` sub-words (one <s> ... </s> per run; each row's own specials dropped), so a
    sentence is read with its neighbours. Each run's budget is drawn from max_len/2..max_len.
    A row longer than the budget stays a run of its own (already truncated to max_length)."""
    ids_col, lab_col = ds["input_ids"], ds["labels"]
    cls_id, sep_id = ids_col[0][0], ids_col[0][-1]
    runs: list[tuple[list, list]] = []  # (sub-word ids, labels) without specials
    budget = 0
    for ids, lab in zip(ids_col, lab_col):
        if not runs or len(runs[-1][0]) + len(ids) - 2 > budget:
            runs.append(([], []))
            budget = rng.randint(max_len // 2, max_len) - 2
        runs[-1][0].extend(ids[1:-1])
        runs[-1][1].extend(lab[1:-1])
    out_ids = [[cls_id] + r + [sep_id] for r, _ in runs]
    out_lab = [[-100] + r + [-100] for _, r in runs]
    return Rows({"input_ids": out_ids, "labels": out_lab})


def collate(ds, batch, pad_id, device=None):
    import torch

    rows = [ds[i] for i in batch]
    width = max(len(r["input_ids"]) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), width), -100, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for k, r in enumerate(rows):
        n = len(r["input_ids"])
        ids[k, :n] = torch.tensor(r["input_ids"])
        labels[k, :n] = torch.tensor(r["labels"])
        mask[k, :n] = 1
    if device is not None and device.type != "cpu":
        return ids.to(device), mask.to(device), labels.to(device)
    return ids, mask, labels


def evaluate(model, tokenizer, sentences) -> dict:
    from ..evaluate.ner import evaluate_sentences
    from ..model import TokenClassifier

    return evaluate_sentences(TokenClassifier(model, tokenizer), sentences)


def extra_gold_specs(entries) -> list[dict]:
    """Check the ``extra_gold`` config entries before anything loads: each a path (string) or
    ``{path, fold: "i/k", repeat: N}``; the file must exist."""
    from ..corpora.ner_gold import parse_fold

    out = []
    for spec in entries or []:
        spec = {"path": spec} if isinstance(spec, str) else dict(spec)
        unknown = set(spec) - {"path", "fold", "repeat"}
        if unknown or "path" not in spec:
            raise ValueError(f"extra_gold entries take path, fold and repeat; got {sorted(spec)}")
        parse_fold(spec.get("fold"))
        if not isinstance(spec.get("repeat", 1), int) or spec.get("repeat", 1) < 1:
            raise ValueError(f"extra_gold repeat must be a positive integer, got {spec['repeat']!r}")
        if not Path(spec["path"]).is_file():
            raise DataMissing(f"extra_gold file not found: {spec['path']}")
        out.append(spec)
    return out


def train(cfg: dict, data_dir: str | Path) -> dict:
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from ..model import resolve_device

    cfg = resolve(NerConfig, cfg)
    extra_gold = extra_gold_specs(cfg["extra_gold"])
    if cfg["threads"]:
        torch.set_num_threads(int(cfg["threads"]))
    device = resolve_device(cfg["device"])
    set_seed(cfg["seed"])
    labels = biose_labels()
    label2id = {lab: i for i, lab in enumerate(labels)}
    tok = AutoTokenizer.from_pretrained(cfg["base_model"])
    model = AutoModelForTokenClassification.from_pretrained(
        cfg["base_model"], num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id=label2id, dtype=torch.float32).to(device)
    train_sents = nemo_token_single(data_dir, "train")
    dev_sents = nemo_token_single(data_dir, "dev")
    if cfg["extra_iahlt_dev"]:
        extra = iahlt_dev_sentences(data_dir)
        log.info("extra: %d IAHLT dev sentences, %d entities", len(extra),
                 sum(t[0] in "BS" for x in extra for t in x.labels))
        train_sents = train_sents + extra
    for spec in extra_gold:
        extra = char_gold_sentences(spec["path"], spec.get("fold"))
        log.info("extra: %d sentences, %d entities from %s%s, repeated %dx", len(extra),
                 sum(t[0] in "BS" for x in extra for t in x.labels), spec["path"],
                 f" (fold {spec['fold']})" if spec.get("fold") else "", int(spec.get("repeat", 1)))
        train_sents = train_sents + extra * int(spec.get("repeat", 1))
    ds = build_dataset(tok, train_sents, label2id, cfg["max_length"])
    lengths = [len(x) for x in ds["input_ids"]]
    log.info("train: %d sentences, %d sub-words; dev: %d sentences", len(ds), sum(lengths),
             len(dev_sents))
    context = int(cfg["context_length"] or 0)
    if context:
        if context < 16 or context > model.config.max_position_embeddings:
            raise ValueError(f"context_length {context} must be between 16 and "
                             f"{model.config.max_position_embeddings}")
        model.config.hebnews_context_length = context  # saved in config.json; read at inference
        n_runs = len(pack_rows(ds, context, random.Random(cfg["seed"])))
        log.info("document context: sentences packed into runs of up to %d sub-words (%d runs)", context, n_runs)
    else:
        model.config.hebnews_context_length = 0
        n_runs = len(ds)
    aux = []  # auxiliary tasks on the shared encoder: (name, head, dataset, lengths)
    nemo_all = [x.tokens for sp in ("train", "dev", "test") for x in nemo_token_single(data_dir, sp)] \
        if cfg["aux_bmc"] or cfg["aux_pos"] else []
    if cfg["aux_bmc"]:
        bmc = bmc_extra(data_dir, nemo_all)
        types = sorted({t.split("-", 1)[1] for x in bmc for t in x.labels if t != "O"})
        aux_labels = bioes_labels(types)
        aux_ds = build_dataset(tok, bmc, {lab: i for i, lab in enumerate(aux_labels)}, cfg["max_length"])
        aux.append(("bmc", torch.nn.Linear(model.config.hidden_size, len(aux_labels)), aux_ds,
                    [len(x) for x in aux_ds["input_ids"]]))
        log.info("auxiliary head: %d BMC sentences outside NEMO, %d sub-words, labels %s",
                 len(aux_ds), sum(aux[-1][3]), " ".join(types))
    if cfg["aux_pos"]:
        pos = hebpipe_pos_sentences(data_dir, nemo_all)
        random.Random(cfg["seed"]).shuffle(pos)
        pos = pos[:int(cfg["aux_pos"])]
        tags = sorted({t for x in pos for t in x.labels})
        aux_ds = build_dataset(tok, pos, {t: i for i, t in enumerate(tags)}, cfg["max_length"])
        aux.append(("pos", torch.nn.Linear(model.config.hidden_size, len(tags)), aux_ds,
                    [len(x) for x in aux_ds["input_ids"]]))
        log.info("auxiliary head: %d HebPipe POS sentences outside NEMO, %d sub-words, %d tags",
                 len(aux_ds), sum(aux[-1][3]), len(tags))

    for _, aux_head, _, _ in aux:
        aux_head.to(device)
    if cfg["freeze_embeddings"]:
        model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    head_lr = cfg.get("classifier_learning_rate") or cfg["learning_rate"]
    enc = [(n, p) for n, p in model.named_parameters() if not n.startswith("classifier.") and p.requires_grad]
    head = [p for n, p in model.named_parameters() if n.startswith("classifier.")]
    for _, aux_head, _, _ in aux:
        head += list(aux_head.parameters())
    emb = [p for n, p in enc if "word_embeddings" in n]
    no_decay = [p for n, p in enc if "word_embeddings" not in n and (n.endswith("bias") or "LayerNorm" in n)]
    rest = [p for n, p in enc if "word_embeddings" not in n and not (n.endswith("bias") or "LayerNorm" in n)]
    groups = [
        {"params": rest, "weight_decay": cfg["weight_decay"]},
        {"params": no_decay, "weight_decay": 0.0},
        {"params": emb, "weight_decay": 0.0, "lr": cfg["embedding_learning_rate"]},
        {"params": head, "weight_decay": 0.0, "lr": head_lr},
    ]
    opt = torch.optim.AdamW([g for g in groups if g["params"]], lr=cfg["learning_rate"])
    base_lrs = [g["lr"] for g in opt.param_groups]
    steps_per_epoch = math.ceil(n_runs / cfg["batch_size"]) + sum(math.ceil(len(a[3]) / cfg["batch_size"]) for a in aux)
    total = steps_per_epoch * cfg["epochs"]
    warmup = max(1, int(total * cfg["warmup_ratio"]))
    rng = random.Random(cfg["seed"])
    out_dir = Path(cfg["output_dir"])
    best = {"f1": -1.0}
    history = []
    step, seen_sub, t0 = 0, 0, time.time()

    def run_eval(epoch_float):
        nonlocal best
        model.eval()
        scores = evaluate(model, tok, dev_sents)
        model.train()
        rec = {"step": step, "epoch": round(epoch_float, 2), "dev_f1": scores["f1"],
               "dev_precision": scores["precision"], "dev_recall": scores["recall"],
               "elapsed_s": round(time.time() - t0)}
        history.append(rec)
        log.info("eval %s", json.dumps(rec))
        if scores["f1"] > best["f1"]:
            best = {**rec, "f1": scores["f1"], "per_label": scores["per_label"]}
            save(model, tok, out_dir, cfg, best, history)
            log.info("saved new best (dev F1 %.2f) to %s", scores["f1"], out_dir)

    model.train()
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else nullcontext()
    log.info("training on %s%s", device, ", word embeddings frozen" if cfg["freeze_embeddings"] else "")
    for epoch in range(cfg["epochs"]):
        source = pack_rows(ds, context, rng) if context else ds
        if context:
            lengths = [len(x) for x in source["input_ids"]]
        batches = [(None, source, b) for b in length_batches(lengths, cfg["batch_size"], rng)]
        for _, aux_head, aux_ds, aux_lengths in aux:
            batches += [(aux_head, aux_ds, b) for b in length_batches(aux_lengths, cfg["batch_size"], rng)]
        if aux:
            rng.shuffle(batches)
        for aux_head, source, batch in batches:
            ids, mask, lab = collate(source, batch, tok.pad_token_id, device)
            scale = min(1.0, (step + 1) / warmup) if step < warmup else \
                max(0.0, (total - step) / max(1, total - warmup))
            for g, lr in zip(opt.param_groups, base_lrs):
                g["lr"] = lr * scale
            with autocast:
                if aux_head is None:
                    logits = model(input_ids=ids, attention_mask=mask).logits
                    w = 1.0
                else:  # auxiliary corpus: the shared encoder, its own head
                    hidden = model.dropout(model.bert(input_ids=ids, attention_mask=mask).last_hidden_state)
                    logits = aux_head(hidden)
                    w = cfg["aux_weight"]
            loss = w * loss_fn(logits.float().view(-1, logits.shape[-1]), lab.view(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for g in opt.param_groups for p in g["params"]], 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            seen_sub += int(mask.sum())
            if step % cfg["log_every"] == 0:
                el = time.time() - t0
                log.info("epoch %d step %d/%d loss %.4f lr %.2e %.0f sub-words/s", epoch + 1, step,
                         total, loss.item(), opt.param_groups[0]["lr"], seen_sub / el)
            if cfg["eval_every"] and step % cfg["eval_every"] == 0:
                run_eval(step / steps_per_epoch)
        if not cfg["eval_every"] or step % cfg["eval_every"]:
            run_eval(epoch + 1)
        if cfg["keep_epoch_states"]:
            keep = Path(cfg["keep_epoch_states"])
            keep.mkdir(parents=True, exist_ok=True)
            torch.save(model.state_dict(), keep / f"epoch{epoch + 1}.pt")
    best["train_seconds"] = round(time.time() - t0)
    save_meta(out_dir, cfg, best, history)
    return best


def save_meta(out_dir: Path, cfg, best, history):
    meta = {"task": "ner", "corpus": "NEMO SPMRL token-single (train), tuned on dev",
            "config": {k: v for k, v in cfg.items()}, "best": best, "history": history}
    (out_dir / "hebnews_training.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False))


def save(model, tok, out_dir: Path, cfg, best, history):
    """fp16 safetensors + tokenizer, written to a temp folder then swapped in."""
    import shutil

    import torch

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    half = {k: v.detach().to("cpu", torch.float16).contiguous() for k, v in model.state_dict().items()}
    model.save_pretrained(tmp, state_dict=half)
    tok.save_pretrained(tmp)
    cfg_path = tmp / "config.json"
    conf = json.loads(cfg_path.read_text())
    conf["dtype"] = "float16"
    cfg_path.write_text(json.dumps(conf, indent=2, ensure_ascii=False))
    save_meta(tmp, cfg, best, history)
    keep = [p for p in out_dir.glob("*") if p.name in ("README.md",) or p.name.startswith("hebnews_prefix")] \
        if out_dir.exists() else []
    for p in keep:
        shutil.copy2(p, tmp / p.name)
    if out_dir.exists():
        old = out_dir.with_name(out_dir.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old)
    else:
        tmp.rename(out_dir)
