"""Prune the 250k-piece XLM-R vocabulary down to what Hebrew news needs.

Kept: the special tokens, every piece the full tokenizer produces on the raw text of the data
directory (test splits excluded), every piece with a Hebrew letter in it (5k: names that the
1990s corpora never saw still tokenize as the base model learned them), every single-character
piece (with or without the ``▁`` word marker), every number-like piece, and the
highest-scoring pure-ASCII pieces (Latin words, punctuation).
The embedding rows are sliced in the new order; the Unigram scores are kept, so the pruned
tokenizer segments seen text exactly as the full one did.
"""
from __future__ import annotations

import json
import logging
import re
from collections import Counter
from pathlib import Path

from ..lang.he import HEBREW_CHAR

log = logging.getLogger(__name__)
SPECIALS = ("<s>", "<pad>", "</s>", "<unk>")
NUMBER = re.compile("▁?[0-9][0-9.,:/%-]*")


def _is_single_char(piece: str) -> bool:
    core = piece[1:] if piece.startswith("▁") else piece
    return len(core) <= 1


def select_pieces(tokenizer, texts, pieces: list[str], scores: list[float], n_ascii: int,
                  batch: int = 2000) -> tuple[list[int], Counter]:
    """Old ids to keep, in the new order (specials first, <mask> last)."""
    counts: Counter = Counter()
    buf: list[str] = []

    def flush():
        for enc in tokenizer.backend_tokenizer.encode_batch(buf, add_special_tokens=False):
            counts.update(enc.ids)
        buf.clear()

    for text in texts:
        buf.append(text)
        if len(buf) >= batch:
            flush()
    if buf:
        flush()
    keep = set(counts)
    keep.update(i for i, p in enumerate(pieces)
                if _is_single_char(p) or HEBREW_CHAR.search(p) or NUMBER.fullmatch(p))
    ascii_ids = sorted((i for i, p in enumerate(pieces) if p.replace("▁", "").isascii()
                        and p.replace("▁", "")), key=lambda i: -scores[i])
    keep.update(ascii_ids[:n_ascii])
    special_ids = [pieces.index(s) for s in SPECIALS]
    mask_id = pieces.index("<mask>")
    keep -= set(special_ids) | {mask_id}
    order = special_ids + sorted(keep) + [mask_id]
    return order, counts


def prune(model_dir: str | Path, out_dir: str | Path, data_dir: str | Path, n_ascii: int = 20000) -> Path:
    import torch
    from transformers import AutoModel, AutoTokenizer

    from .convert import build_tokenizer, wrap_fast_tokenizer
    from ..corpora.raw import raw_texts

    model_dir, out_dir = Path(model_dir), Path(out_dir)
    tok = AutoTokenizer.from_pretrained(model_dir)
    spec = json.loads(tok.backend_tokenizer.to_str())
    vocab = spec["model"]["vocab"]
    pieces = [p for p, _ in vocab]
    scores = [s for _, s in vocab]
    texts = (t for _, t in raw_texts(data_dir))
    order, counts = select_pieces(tok, texts, pieces, scores, n_ascii)
    seen = len(counts)
    log.info("pieces seen in raw text: %d; kept in all: %d of %d", seen, len(order), len(pieces))

    model = AutoModel.from_pretrained(model_dir)
    old = model.get_input_embeddings().weight.data
    new = torch.nn.Embedding(len(order), old.shape[1], padding_idx=1)
    new.weight.data.copy_(old[torch.tensor(order)])
    model.set_input_embeddings(new)
    model.config.vocab_size = len(order)
    model.config.pad_token_id = 1
    model.config.bos_token_id = 0
    model.config.eos_token_id = 2

    new_pieces = [pieces[i] for i in order]
    new_scores = [scores[i] for i in order]
    # the normaliser is copied unchanged from the full tokenizer
    fast = build_tokenizer(new_pieces, new_scores, {}, unk_id=new_pieces.index("<unk>"))
    from tokenizers import Tokenizer
    fast.normalizer = Tokenizer.from_str(tok.backend_tokenizer.to_str()).normalizer
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    wrap_fast_tokenizer(fast, tok.model_max_length).save_pretrained(out_dir)
    (out_dir / "hebnews_prune.json").write_text(json.dumps(
        {"pieces_full": len(pieces), "pieces_kept": len(order), "pieces_seen_in_raw_text": seen,
         "n_ascii": n_ascii}, indent=1))
    return out_dir
