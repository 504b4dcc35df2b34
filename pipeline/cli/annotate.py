"""hebnews annotate: files, folders, globs, stdin and JSONL archives -> annotated documents."""
from __future__ import annotations

import glob
import json
import sys
from pathlib import Path

from .common import (EXIT_INPUT, EXIT_MODEL, EXIT_OK, EXIT_OUTPUT, EXIT_USAGE, _encoding, _err,
                     _precision_option, load_annotator, log)


FILE_SUFFIXES = (".json", ".jsonl", ".html", ".conll", ".txt")  # an -o named so is no folder


def expand_inputs(inputs: list[str], pattern: str) -> list[tuple[str, str]]:
    """(path, output name without suffix) for each input file; '-' is stdin."""
    out: list[tuple[str, str]] = []
    for item in inputs:
        if item == "-":
            out.append(("-", "stdin"))
            continue
        p = Path(item)
        if p.is_dir():
            files = sorted(f for f in p.rglob(pattern) if f.is_file()
                           and not any(part.startswith(".") for part in f.relative_to(p).parts))
            out += [(str(f), str(f.relative_to(p).with_suffix(""))) for f in files]
        elif p.exists() or not glob.has_magic(item):
            out.append((item, p.stem))  # a missing plain path is reported when it is read
        else:
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                out.append((item, p.stem))
            out += [(m, Path(m).stem) for m in matches if Path(m).is_file()]
    seen: dict[str, int] = {}
    named = []
    for path, name in out:  # two inputs with the same stem must not overwrite each other
        k = seen.get(name, 0)
        seen[name] = k + 1
        named.append((path, name if k == 0 else f"{name}-{k + 1}"))
    return named


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
    has_jsonl = any(p.endswith(".jsonl") for p, _ in inputs)
    if has_jsonl and not _to_jsonl_file(args):
        return "JSONL archive input needs JSONL output: --format jsonl -o FILE.jsonl"
    if not _many_inputs(args, inputs) or _to_jsonl_file(args):
        return None
    if not args.output:
        return "several inputs need -o DIR (or -o FILE.jsonl with --format jsonl)"
    return _folder_problem(args.output, "; or --format jsonl -o FILE.jsonl")


def _many_inputs(args, inputs: list[tuple[str, str]]) -> bool:
    return (len(inputs) > 1 or any(p.endswith(".jsonl") for p, _ in inputs)
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
    annotator = load_annotator(args, batch_sentences=args.batch_sentences)
    if _many_inputs(args, inputs):
        return _annotate_many(args, annotator, inputs)
    return _annotate_one(args, annotator, inputs)


def _annotate_many(args, annotator, inputs: list[tuple[str, str]]) -> int:
    from ..batch import OutputError, run_batch, run_jsonl

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
    from ..readers import InputError, read_document
    from ..writers import atomic_write_text, render

    failed = 0

    def readable():
        nonlocal failed
        for path, name in inputs:
            try:
                text, meta = read_document(path, args.encoding, args.input_format)
            except InputError as exc:
                _err(str(exc))
                failed += 1
                continue
            yield text, meta

    try:
        for doc in annotator.annotate_stream(readable()):
            text = render(doc, args.format)
            if args.output:
                atomic_write_text(args.output, text)
            else:
                sys.stdout.write(text)
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
        from ..engines.ray import annotate_with_ray
    except ImportError:
        _err("--engine ray needs Ray Data: pip install 'hebnews[ray]'")
        return EXIT_USAGE
    inputs = [p for item in args.inputs for p in
              ([item] if item.endswith((".jsonl", ".json")) else [x for x, _ in expand_inputs([item], args.pattern)])]
    def present(p):  # remote URIs (s3://, gs://) are Ray's to read
        return "://" in p or Path(p).is_file()

    missing = [p for p in inputs if not present(p)]
    for p in missing:
        _err(f"{p}: no such file")
    inputs = [p for p in inputs if present(p)]
    if not inputs:
        return EXIT_INPUT
    from ..model import ModelError, resolve_device

    try:
        device = str(resolve_device(args.device))
    except ModelError as exc:
        _err(str(exc))
        return EXIT_MODEL
    res = annotate_with_ray(inputs, args.output, args.model, device=device, address=args.ray_address,
                            workers=args.ray_workers, batch_sentences=args.batch_sentences)
    for e in res["errors"]:
        _err(e)
    if not args.quiet:
        print(json.dumps({"written": res["written"], "failed": res["failed"] + len(missing)}))
    return EXIT_INPUT if res["failed"] or missing else EXIT_OK


def add_parser(sub, common) -> None:
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
