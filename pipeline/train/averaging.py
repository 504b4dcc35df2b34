"""Weight averages of NER models: the epochs of one run (checkpoint averaging) and models
fine-tuned from one encoder (model soups, uniform, weighted or greedy on NEMO dev)."""
from __future__ import annotations

import json
import logging
from pathlib import Path

from ..corpora import DataMissing
from ..corpora.bmes import nemo_token_single
from .ner import evaluate, save

log = logging.getLogger(__name__)


def _mean_state(states: list[dict], weights: list[float] | None = None) -> dict:
    """The average of state dicts with the same keys, in fp32: uniform, or weighted by
    ``weights`` (normalised to sum 1)."""
    w = [1.0] * len(states) if weights is None else [float(x) for x in weights]
    total = sum(w)
    return {k: sum(s[k].float() * (x / total) for s, x in zip(states, w)) for k in states[0]}


def _dev_scores(model, tok, dev) -> dict:
    """The ``best`` fields of ``hebnews_training.json`` for a model scored on NEMO dev."""
    scores = evaluate(model, tok, dev)
    return {"dev_f1": scores["f1"], "dev_precision": scores["precision"], "dev_recall": scores["recall"],
            "f1": scores["f1"], "per_label": scores["per_label"]}


def average_checkpoints(run_dir: Path, states_dir: Path, epochs: list[int], out_dir: Path,
                        data_dir: str | Path | None = None) -> dict:
    """Uniform average of the fp32 epoch states a run kept (``keep_epoch_states``), saved like a
    trained model (fp16) with the run's config and history; scored on NEMO dev when the data
    directory is there."""
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    missing = [e for e in epochs if not (states_dir / f"epoch{e}.pt").is_file()]
    if missing:
        raise FileNotFoundError(f"no state for epoch(s) {missing} in {states_dir}")
    tok = AutoTokenizer.from_pretrained(run_dir)
    model = AutoModelForTokenClassification.from_pretrained(run_dir, dtype=torch.float32)
    states = [torch.load(states_dir / f"epoch{e}.pt", map_location="cpu") for e in epochs]
    model.load_state_dict(_mean_state(states))
    meta = json.loads((run_dir / "hebnews_training.json").read_text())
    cfg = {**meta["config"], "averaged_epochs": list(epochs)}
    # the run's best-epoch scores do not describe the average: drop them unless it is scored
    best = {k: v for k, v in meta["best"].items() if k not in ("dev_f1", "dev_precision", "dev_recall", "f1",
                                                                 "per_label")}
    best["averaged_epochs"] = list(epochs)
    if data_dir is not None:
        try:
            best.update(_dev_scores(model, tok, nemo_token_single(data_dir, "dev")))
        except DataMissing:
            log.warning("no NEMO dev in %s: the average is not scored", data_dir)
    save(model, tok, out_dir, cfg, best, meta["history"])
    return {"output": str(out_dir), "epochs": list(epochs),
            **{k: best[k] for k in ("dev_f1", "dev_precision", "dev_recall") if k in best}}


def soup(models: list[Path], out_dir: Path, data_dir: str | Path | None = None, greedy: bool = False,
         weights: list[float] | None = None) -> dict:
    """A model soup: the weight average (uniform unless ``weights``) of NER models fine-tuned
    from the same encoder (same labels, same vocabulary), written like a trained model (fp16)
    with the first model's tokenizer, config and history.

    ``greedy`` (Wortsman et al. 2022, "Model soups"): ingredients are sorted by their own NEMO dev
    F1 and each is kept only when adding it to the soup does not lower dev F1; this needs the data
    directory. The result records every ingredient's and every tried soup's dev F1.

    ``weights`` (not with ``greedy``): one per model, e.g. 4,1 to add one new model to a soup of
    four as its fifth ingredient (the result equals the uniform soup of all five)."""
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    if len(models) < 2:
        raise ValueError("a soup needs at least two model folders")
    if weights is not None:
        if greedy:
            raise ValueError("--weights and --greedy do not mix: a greedy soup is uniform")
        if len(weights) != len(models) or any(w <= 0 for w in weights):
            raise ValueError(f"--weights needs {len(models)} positive numbers, one per model")
    for m in models:
        if not (m / "config.json").is_file():
            raise FileNotFoundError(f"not a model folder (no config.json): {m}")
    tok = AutoTokenizer.from_pretrained(models[0])
    base = AutoModelForTokenClassification.from_pretrained(models[0], dtype=torch.float32)
    ref = base.state_dict()
    states = [{k: v.clone() for k, v in ref.items()}]
    for m in models[1:]:
        mod = AutoModelForTokenClassification.from_pretrained(m, dtype=torch.float32)
        if mod.config.id2label != base.config.id2label:
            raise ValueError(f"{m}: labels differ from {models[0]}; only models of one label set mix")
        st = mod.state_dict()
        if st.keys() != ref.keys() or any(st[k].shape != v.shape for k, v in ref.items()):
            raise ValueError(f"{m}: weights do not match {models[0]} (another base encoder?)")
        states.append(st)

    def mix(chosen: list[int]):
        base.load_state_dict(_mean_state([states[i] for i in chosen],
                                         None if weights is None else [weights[i] for i in chosen]))

    dev = None
    if data_dir is not None:
        try:
            dev = nemo_token_single(data_dir, "dev")
        except DataMissing:
            if greedy:
                raise
            log.warning("no NEMO dev in %s: the soup is not scored", data_dir)
    elif greedy:
        raise ValueError("a greedy soup is chosen on NEMO dev: give the data directory")
    trail = []
    chosen = list(range(len(models)))
    if greedy:
        own = []
        for i in range(len(models)):
            mix([i])
            own.append(evaluate(base, tok, dev)["f1"])
            trail.append({"models": [str(models[i])], "dev_f1": own[-1]})
        order = sorted(range(len(models)), key=lambda i: -own[i])
        chosen, best_f1 = [order[0]], own[order[0]]
        for i in order[1:]:
            mix(chosen + [i])
            f1 = evaluate(base, tok, dev)["f1"]
            trail.append({"models": [str(models[j]) for j in chosen + [i]], "dev_f1": f1})
            if f1 >= best_f1:
                chosen, best_f1 = chosen + [i], f1
    mix(chosen)
    meta = json.loads((models[0] / "hebnews_training.json").read_text()) \
        if (models[0] / "hebnews_training.json").is_file() else {"config": {}, "best": {}, "history": []}
    cfg = {**meta["config"], "soup": [str(models[i]) for i in chosen]}
    if weights is not None:
        cfg["soup_weights"] = [weights[i] for i in chosen]
    best = {"soup": [str(models[i]) for i in chosen], "soup_trail": trail}
    if dev is not None:
        best.update(_dev_scores(base, tok, dev))
    save(base, tok, out_dir, cfg, best, meta.get("history", []))
    return {"output": str(out_dir), "soup": best["soup"], "trail": trail,
            **{k: best[k] for k in ("dev_f1", "dev_precision", "dev_recall") if k in best}}
