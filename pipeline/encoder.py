"""A lean runtime for our BERT token classifier: torch + safetensors + tokenizers only.

Importing ``transformers`` costs about two seconds before the first article is read; for a
``BertForTokenClassification`` folder (ours) this module builds the same network from
``config.json`` and ``model.safetensors`` with plain torch layers and PyTorch's fused
attention, and tokenises with the Rust ``tokenizers`` library directly. Outputs equal the
``transformers`` model's (a test holds them to 1e-4); any other architecture, or
``backend="transformers"``, goes through ``transformers`` as before.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .readers import not_text

SUPPORTED = ("BertForTokenClassification",)


def supports(config: dict) -> bool:
    return (any(a in SUPPORTED for a in config.get("architectures") or [])
            and config.get("hidden_act", "gelu") == "gelu"
            and config.get("position_embedding_type", "absolute") == "absolute")


@dataclass
class Output:
    logits: object
    hidden_states: tuple | None = None


def build(config: dict):
    import torch
    import torch.nn.functional as F
    from torch import nn

    h = config["hidden_size"]
    heads = config["num_attention_heads"]
    eps = config.get("layer_norm_eps", 1e-12)

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = nn.Linear(h, 3 * h)
            self.out = nn.Linear(h, h)
            self.ln1 = nn.LayerNorm(h, eps=eps)
            self.up = nn.Linear(h, config["intermediate_size"])
            self.down = nn.Linear(config["intermediate_size"], h)
            self.ln2 = nn.LayerNorm(h, eps=eps)

        def forward(self, x, bias):
            b, t, _ = x.shape
            q, k, v = self.qkv(x).view(b, t, 3, heads, h // heads).permute(2, 0, 3, 1, 4)
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
            x = self.ln1(x + self.out(a.transpose(1, 2).reshape(b, t, h)))
            return self.ln2(x + self.down(F.gelu(self.up(x))))

    class BertTagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.word = nn.Embedding(config["vocab_size"], h)
            self.position = nn.Embedding(config["max_position_embeddings"], h)
            self.token_type = nn.Embedding(config.get("type_vocab_size", 2), h)
            self.ln = nn.LayerNorm(h, eps=eps)
            self.layers = nn.ModuleList(Layer() for _ in range(config["num_hidden_layers"]))
            self.classifier = nn.Linear(h, config.get("num_labels") or len(config["id2label"]))
            self.config = type("Config", (), {"hidden_size": h, "id2label": {int(k): v for k, v in
                                                                            config["id2label"].items()},
                                              "num_labels": len(config["id2label"])})()

        def forward(self, input_ids, attention_mask, output_hidden_states: bool = False):
            t = input_ids.shape[1]
            pos = torch.arange(t, device=input_ids.device)
            x = self.ln(self.word(input_ids) + self.position(pos)[None] + self.token_type.weight[0])
            # additive mask: padded keys get -inf-like scores
            bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
            states = [x] if output_hidden_states else None
            for layer in self.layers:
                x = layer(x, bias)
                if states is not None:
                    states.append(x)
            return Output(self.classifier(x), tuple(states) if states is not None else None)

    return BertTagger()


def _hf_state_to_ours(sd: dict, n_layers: int) -> dict:
    import torch

    p = "bert." if "bert.embeddings.word_embeddings.weight" in sd else ""
    out = {
        "word.weight": sd[f"{p}embeddings.word_embeddings.weight"],
        "position.weight": sd[f"{p}embeddings.position_embeddings.weight"],
        "token_type.weight": sd[f"{p}embeddings.token_type_embeddings.weight"],
        "ln.weight": sd[f"{p}embeddings.LayerNorm.weight"],
        "ln.bias": sd[f"{p}embeddings.LayerNorm.bias"],
        "classifier.weight": sd["classifier.weight"],
        "classifier.bias": sd["classifier.bias"],
    }
    for i in range(n_layers):
        L = f"{p}encoder.layer.{i}."
        for kind in ("weight", "bias"):
            out[f"layers.{i}.qkv.{kind}"] = torch.cat([sd[f"{L}attention.self.{n}.{kind}"]
                                                       for n in ("query", "key", "value")])
            out[f"layers.{i}.out.{kind}"] = sd[f"{L}attention.output.dense.{kind}"]
            out[f"layers.{i}.ln1.{kind}"] = sd[f"{L}attention.output.LayerNorm.{kind}"]
            out[f"layers.{i}.up.{kind}"] = sd[f"{L}intermediate.dense.{kind}"]
            out[f"layers.{i}.down.{kind}"] = sd[f"{L}output.dense.{kind}"]
            out[f"layers.{i}.ln2.{kind}"] = sd[f"{L}output.LayerNorm.{kind}"]
    return out


def read_safetensors(file: Path, module) -> dict:
    """``module.load_file(file)`` (``module``: safetensors.torch or safetensors.numpy); a path whose
    bytes are not UTF-8, which the Rust library cannot take, is loaded from the file's bytes."""
    if not_text(str(file)):
        return module.load(file.read_bytes())
    return module.load_file(str(file))


def load_model(path: Path, dtype, device):
    """The folder's BertForTokenClassification as our module (eval mode)."""
    import safetensors.torch

    import torch

    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    with torch.device("meta"):  # no random initialisation of weights that are replaced at once
        model = build(config)
    sd = read_safetensors(path / "model.safetensors", safetensors.torch)
    ours = _hf_state_to_ours(sd, config["num_hidden_layers"])
    # assign: the loaded tensors become the parameters (strict: every one of them is replaced)
    model.load_state_dict({k: v.to(dtype) for k, v in ours.items()}, assign=True)
    return model.to(device=device, dtype=dtype).eval()


class WordTokenizer:
    """The folder's tokenizer.json through the Rust ``tokenizers`` library, with the special
    token ids the classifier needs and the call ``encode_words`` makes."""

    def __init__(self, path: Path):
        from tokenizers import Tokenizer

        # (from the text: a folder whose name is not UTF-8 is no path the Rust library takes)
        self.tk = Tokenizer.from_str((path / "tokenizer.json").read_text(encoding="utf-8"))
        self.tk.no_padding()
        self.tk.no_truncation()
        cfg_path = path / "tokenizer_config.json"
        cfg = json.loads(cfg_path.read_text(encoding="utf-8")) if cfg_path.is_file() else {}
        special = path / "special_tokens_map.json"
        if special.is_file():
            cfg = {**json.loads(special.read_text(encoding="utf-8")), **cfg}

        def tid(name: str, default: str) -> int:
            tok = cfg.get(name, default)
            tok = tok.get("content", default) if isinstance(tok, dict) else tok
            i = self.tk.token_to_id(tok)
            if i is None:
                raise ValueError(f"tokenizer has no {name} {tok!r}")
            return i

        self.cls_token_id = tid("cls_token", "<s>")
        self.sep_token_id = tid("sep_token", "</s>")
        self.pad_token_id = tid("pad_token", "<pad>")

    def encode_pretokenized(self, sentences: list[list[str]]):
        """(ids, word_ids) per sentence, no special tokens."""
        encs = self.tk.encode_batch(sentences, is_pretokenized=True, add_special_tokens=False)
        return [(e.ids, e.word_ids) for e in encs]
