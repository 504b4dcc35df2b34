"""Domain-adaptive masked-LM training of the encoder on the raw Hebrew text of the data directory.

multilingual-e5-small was last trained for sentence embeddings (contrastive), so its token-level
features have drifted from the masked-LM objective; a short MLM pass over Hebrew text, with a
fresh MLM head, adapts it to Hebrew before NER fine-tuning. Test splits are never read.
The loss is computed on the masked positions only (the 43k-way output layer is the costly part).
"""
from __future__ import annotations

import json
import logging
import math
import random
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np

from ..normalize import normalize
from ..corpora.raw import raw_texts
from .config import MlmConfig, resolve

log = logging.getLogger(__name__)


def pack(tokenizer, texts, seq_len: int) -> np.ndarray:
    """Tokenise texts and pack them into rows of ``seq_len`` (CLS ... SEP), no padding."""
    body = seq_len - 2
    ids: list[int] = []
    enc = tokenizer.backend_tokenizer.encode_batch([normalize(t).text for t in texts],
                                                    add_special_tokens=False)
    for e in enc:
        ids.extend(e.ids)
        ids.append(tokenizer.sep_token_id)  # a separator between texts
    n = len(ids) // body
    arr = np.asarray(ids[: n * body], dtype=np.int64).reshape(n, body)
    cls = np.full((n, 1), tokenizer.cls_token_id, dtype=np.int64)
    sep = np.full((n, 1), tokenizer.sep_token_id, dtype=np.int64)
    return np.concatenate([cls, arr, sep], axis=1)


def mask_batch(rows: np.ndarray, tokenizer, prob: float, rng: np.random.Generator):
    """BERT masking: of the chosen 15%, 80% <mask>, 10% random piece, 10% unchanged."""
    special = np.isin(rows, [tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id])
    chosen = (rng.random(rows.shape) < prob) & ~special
    inputs = rows.copy()
    r = rng.random(rows.shape)
    inputs[chosen & (r < 0.8)] = tokenizer.mask_token_id
    rand = chosen & (r >= 0.8) & (r < 0.9)
    inputs[rand] = rng.integers(5, len(tokenizer), size=int(rand.sum()))
    return inputs, chosen


def train(cfg: dict, data_dir) -> dict:
    import torch
    from transformers import AutoTokenizer, BertForMaskedLM

    cfg = resolve(MlmConfig, cfg)
    if cfg["threads"]:
        torch.set_num_threads(int(cfg["threads"]))
    random.seed(cfg["seed"])
    torch.manual_seed(cfg["seed"])
    rng = np.random.default_rng(cfg["seed"])
    from ..model import resolve_device

    device = resolve_device(cfg["device"])
    tok = AutoTokenizer.from_pretrained(cfg["base_model"])
    model = BertForMaskedLM.from_pretrained(cfg["base_model"], dtype=torch.float32).to(device)
    texts = [t for _, t in raw_texts(data_dir)]
    rows = pack(tok, texts, cfg["seq_len"])
    rng.shuffle(rows)
    n_dev = min(200, len(rows) // 20)
    dev, rows = rows[:n_dev], rows[n_dev:]
    log.info("MLM: %d texts -> %d rows of %d (%d held out for loss), device %s", len(texts), len(rows),
             cfg["seq_len"], n_dev, device)
    emb = model.bert.embeddings.word_embeddings.weight
    if cfg["freeze_embeddings"]:
        emb.requires_grad_(False)
    head = [p for n, p in model.named_parameters() if n.startswith("cls.")
            and "decoder.weight" not in n and p.requires_grad]
    body = [p for n, p in model.named_parameters() if not n.startswith("cls.") and p.requires_grad]
    opt = torch.optim.AdamW([{"params": body, "lr": cfg["learning_rate"]},
                             {"params": head, "lr": cfg["head_learning_rate"]}], weight_decay=0.01)
    base_lrs = [g["lr"] for g in opt.param_groups]
    total, warm, head_only = cfg["max_steps"], cfg["warmup_steps"], int(cfg["head_only_steps"])
    if head_only >= total:
        raise ValueError(f"head_only_steps ({head_only}) must be below max_steps ({total})")
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else nullcontext()

    def mlm_loss(batch_rows, generator, body_grad=True):
        inputs, chosen = mask_batch(batch_rows, tok, cfg["mask_prob"], generator)
        x = torch.from_numpy(inputs).to(device)
        with autocast:
            with torch.set_grad_enabled(body_grad and torch.is_grad_enabled()):
                hidden = model.bert(input_ids=x).last_hidden_state
            sel = torch.from_numpy(chosen).to(device)
            logits = model.cls(hidden[sel])
        return torch.nn.functional.cross_entropy(logits.float(), torch.from_numpy(batch_rows).to(device)[sel])

    def dev_loss():
        model.eval()
        g = np.random.default_rng(0)
        with torch.inference_mode():
            losses = [mlm_loss(dev[i:i + 32], g).item() for i in range(0, len(dev), 32)]
        model.train()
        return float(np.mean(losses))

    def lr_scale(step):
        """Head phase: the head warms up, the encoder stands still. Then both warm up over
        ``warmup_steps`` and decay linearly to zero at ``max_steps``."""
        if step < head_only:
            return 0.0, min(1.0, (step + 1) / max(1, warm))
        k, n = step - head_only, total - head_only
        s = (k + 1) / warm if k < warm else max(0.0, (n - k) / max(1, n - warm))
        return s, s

    history = [{"step": 0, "dev_loss": round(dev_loss(), 4)}]
    log.info("step 0 held-out MLM loss %.4f", history[0]["dev_loss"])
    t0 = t_body = time.time()
    model.train()
    order = np.arange(len(rows))
    pos = len(order)
    step = 0
    out = Path(cfg["output_dir"])
    while step < total:
        if pos + cfg["batch_size"] > len(order):
            rng.shuffle(order)
            pos = 0
        batch = rows[order[pos:pos + cfg["batch_size"]]]
        pos += cfg["batch_size"]
        for g, lr, sc in zip(opt.param_groups, base_lrs, lr_scale(step)):
            g["lr"] = lr * sc
        loss = mlm_loss(batch, rng, body_grad=step >= head_only)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        if cfg["max_minutes"] and step == head_only + 10:
            # fit the schedule to the time limit: the rate reaches zero by the last step that fits
            per = (time.time() - t_body) / 10
            fit = step + int((60 * cfg["max_minutes"] - (time.time() - t0)) / per)
            if fit < total:
                log.info("%.2f s per step: %d steps fit in %s minutes (max_steps %d)", per, fit,
                         cfg["max_minutes"], total)
                total = max(fit, step + 1)
        if step == head_only:
            t_body = time.time()
            history.append({"step": step, "dev_loss": round(dev_loss(), 4), "phase": "head only",
                            "elapsed_s": round(time.time() - t0)})
            log.info("eval %s", json.dumps(history[-1]))
        if step % cfg["log_every"] == 0:
            el = time.time() - t0
            log.info("step %d/%d loss %.4f %.0f tokens/s", step, total, loss.item(),
                     step * cfg["batch_size"] * cfg["seq_len"] / el)
        out_of_time = cfg["max_minutes"] and time.time() - t0 > 60 * cfg["max_minutes"]
        if step % cfg["save_every"] == 0 or step == total or out_of_time:
            history.append({"step": step, "dev_loss": round(dev_loss(), 4),
                            "elapsed_s": round(time.time() - t0)})
            log.info("eval %s", json.dumps(history[-1]))
            _save(model, tok, out, cfg, history)
        if out_of_time:
            log.info("time limit reached at step %d", step)
            break
    return history[-1]


def _save(model, tok, out: Path, cfg, history):
    """The encoder only (BertModel weights), ready to be a base for `train ner`."""
    out.mkdir(parents=True, exist_ok=True)
    model.bert.save_pretrained(out)
    tok.save_pretrained(out)
    (out / "hebnews_mlm.json").write_text(json.dumps({"config": cfg, "history": history}, indent=1))
