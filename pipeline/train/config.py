"""Training configs: one dataclass per recipe, whose fields are every key a config may set (and
their defaults), and the loader of the YAML files in ``configs/``.

A config file states keys of one recipe (:class:`NerConfig` for ``hebnews train ner``,
:class:`MlmConfig` for ``hebnews train mlm``). It may start from another file with
``extends: OTHER.yaml`` (a path relative to its own folder): the other file, and whatever that
one extends, is read first and this file's keys replace its keys (a whole value each: a list is
replaced, not appended to). Keys no file states take the dataclass defaults, and command-line
flags (``--epochs``, ...) go on top of everything. A key the recipe does not know, or a value of
the wrong type, is an error naming the key and the file, before anything loads.

The device recipe (``configs/device_recipe.yaml``, :class:`DeviceRecipe`) holds an ``mlm`` and a
``ner`` section of the same keys; :func:`load_device_recipe` checks them the same way.

Only the standard library is imported at module level (PyYAML inside :func:`read_yaml`): a GPU
machine's bare Python runs this.
"""
from __future__ import annotations

import difflib
import typing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path


class ConfigError(ValueError):
    """A config file (or a config dict) that the recipe cannot take; the message is one line."""


@dataclass
class NerConfig:
    """``hebnews train ner``: fine-tuning on NEMO (:func:`hebnews.train.ner.train`). The
    defaults are the recipe of the shipped model's ingredients (``configs/train_ner.yaml``,
    ``models/hebnews-ner/hebnews_training.json``), apart from ``threads`` (a machine setting)."""
    base_model: str = "build/e5-he"  # output of `hebnews train prune`
    output_dir: str = "models/hebnews-ner"
    epochs: int = 8
    learning_rate: float = 1e-4
    embedding_learning_rate: float = 5e-5
    # the token-classification head's own rate (None: learning_rate)
    classifier_learning_rate: float | None = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    batch_size: int = 16
    max_length: int = 256
    seed: int = 13
    eval_every: int = 0  # steps; 0 = once per epoch
    log_every: int = 50
    threads: int = 0  # 0 = torch default
    device: str = "auto"  # auto (cuda when available), cpu, cuda, cuda:N; bf16 autocast on cuda
    freeze_embeddings: bool = False  # keep the word-embedding matrix fixed (embedding_learning_rate unused)
    # extra training data (never a dev or test sentence of NEMO, never an IAHLT test file)
    extra_iahlt_dev: bool = True  # IAHLTwiki + IAHLTknesset dev Entity= gold, NEMO types, same head
    # our own character-span gold (data/ner/*.jsonl) on the NER head: a list of
    # {"path": FILE, "fold": "i/k" (optional: only the articles of fold i of k), "repeat": N}
    extra_gold: list = field(default_factory=list)
    aux_bmc: bool = True  # BMC sentences not in NEMO, through a second (auxiliary) head: BMC labels
    aux_pos: int = 0  # N > 0: N HebPipe sentences (IAHLT UD, not in NEMO) through an auxiliary UPOS head
    aux_weight: float = 1.0  # loss weight of the auxiliary heads' batches
    keep_epoch_states: str = ""  # folder for an fp32 state dict per epoch (checkpoint averaging)
    # document context: N > 0 trains on runs of consecutive sentences packed up to N sub-words
    # (re-packed every epoch with run lengths drawn from N/2..N, so boundaries move), and the
    # saved model reads documents as streams of N-sub-word windows (config hebnews_context_length)
    context_length: int = 0


@dataclass
class MlmConfig:
    """``hebnews train mlm``: the domain-adaptive masked-LM pass (:func:`hebnews.train.mlm.train`)."""
    base_model: str = "build/e5-he"
    output_dir: str = "build/e5-he-mlm"
    seq_len: int = 128
    batch_size: int = 32
    learning_rate: float = 1e-4
    head_learning_rate: float = 5e-4
    warmup_steps: int = 100
    max_steps: int = 600
    # steps that train the fresh MLM head alone (encoder frozen) before the encoder moves: a
    # random head's first gradients would otherwise be pushed into the pretrained encoder
    head_only_steps: int = 0
    freeze_embeddings: bool = False  # keep the word-embedding matrix (tied to the decoder) fixed
    device: str = "auto"  # auto (cuda when available), cpu, cuda, cuda:N; bf16 autocast on cuda
    max_minutes: float = 0  # stop early after this many minutes (0 = no limit); the schedule is by steps
    mask_prob: float = 0.15
    seed: int = 13
    log_every: int = 20
    save_every: int = 100
    threads: int = 0


@dataclass
class DeviceRecipe:
    """``python3 -m hebnews.train.device run``: masked LM, NER with each seed, a soup."""
    minutes: float = 0  # time budget: a seed that would end past it is skipped (0 = none)
    seeds: list = field(default_factory=lambda: [13])
    greedy: bool = True  # greedy soup on NEMO dev (else uniform)
    mlm: dict | None = None  # MlmConfig keys; empty or null: no masked-LM stage
    ner: dict = field(default_factory=dict)  # NerConfig keys


SECTIONS = {"mlm": MlmConfig, "ner": NerConfig}  # the device recipe's sections


def defaults(schema) -> dict:
    """Every key of a recipe with its default, in the dataclass's order."""
    return asdict(schema())


def _type_ok(value, tp) -> bool:
    if isinstance(tp, str) or tp is typing.Any:
        return True
    args = typing.get_args(tp)
    if type(None) in args:  # X | None
        return value is None or any(_type_ok(value, a) for a in args if a is not type(None))
    origin = typing.get_origin(tp) or tp
    if origin is bool:
        return isinstance(value, bool)
    if origin is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, origin)


def check(schema, cfg: dict, source: str) -> None:
    """Raise :class:`ConfigError` (naming ``source`` and the key) for a key the recipe does not
    know or a value of the wrong type."""
    if not isinstance(cfg, dict):
        raise ConfigError(f"{source}: expected a mapping of keys to values, got {type(cfg).__name__}")
    types = typing.get_type_hints(schema)
    for key, value in cfg.items():
        if key not in types:
            close = difflib.get_close_matches(str(key), types, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"{source}: unknown key {key!r} for {schema.__name__}{hint}")
        if not _type_ok(value, types[key]):
            want = getattr(types[key], "__name__", str(types[key]))
            raise ConfigError(f"{source}: {key} must be {want}, got {value!r}")


def resolve(schema, cfg: dict, source: str = "config") -> dict:
    """``cfg`` checked and completed with the defaults: what a recipe trains with."""
    check(schema, cfg, source)
    return {**defaults(schema), **cfg}


def read_yaml(path: Path) -> dict:
    """One YAML file's top-level mapping (an empty file: an empty mapping)."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({' '.join(str(exc).split())})") from None
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys to values, got {type(data).__name__}")
    return data


def layers(path: Path | str) -> list[tuple[Path, dict]]:
    """The files a config is built from, the one it ``extends`` (recursively) first, each with
    its own keys (``extends`` removed)."""
    chain: list[tuple[Path, dict]] = []
    seen: list[Path] = []
    path = Path(path)
    while True:
        if path.resolve() in seen:
            raise ConfigError(f"{path}: 'extends' goes round in a circle: {' -> '.join(map(str, seen + [path]))}")
        seen.append(path.resolve())
        data = read_yaml(path)
        parent = data.pop("extends", None)
        chain.append((path, data))
        if parent is None:
            return chain[::-1]
        if not isinstance(parent, str):
            raise ConfigError(f"{path}: extends must be one file name, got {parent!r}")
        nxt = path.parent / parent
        if not nxt.is_file():
            raise ConfigError(f"{path}: extends {parent!r}, which is not a file ({nxt})")
        path = nxt


def load(path: Path | str, schema, overrides: dict | None = None) -> dict:
    """A config file through its ``extends`` chain, checked layer by layer, with the defaults
    below and ``overrides`` (command-line flags) on top."""
    cfg: dict = {}
    for p, data in layers(path):
        check(schema, data, str(p))
        cfg.update(data)
    if overrides:
        check(schema, overrides, "command line")
        cfg.update(overrides)
    return resolve(schema, cfg, str(path))


def check_device_recipe(recipe: dict, source: str) -> None:
    """The device recipe's keys, and those of its ``mlm`` and ``ner`` sections, checked."""
    check(DeviceRecipe, recipe, source)
    for name, schema in SECTIONS.items():
        if recipe.get(name):
            check(schema, recipe[name], f"{source} ({name} section)")


def load_device_recipe(path: Path | str) -> dict:
    """The device recipe as written, checked; :func:`hebnews.train.device.run` completes its
    sections with the defaults."""
    data = read_yaml(Path(path))
    check_device_recipe(data, str(path))
    return data
