"""hebnews annotate: files, folders, globs, stdin and JSONL archives -> annotated documents."""
from __future__ import annotations

import json
from pathlib import Path

from ..io.sources import expand_inputs, is_archive
from .common import (EXIT_INPUT, EXIT_MODEL, EXIT_OK, EXIT_OUTPUT, EXIT_USAGE, _db_option, _encoding, _err,
                     _batch_option, _precision_option, load_annotator, log, open_db_sink)


FILE_SUFFIXES = (".json", ".jsonl", ".html", ".conll", ".txt")  # an -o named so is no folder


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


# what an output file's name says it holds: --format by default, and the formats it may be given
SUFFIX_FORMATS = {".jsonl": ("jsonl",), ".json": ("json", "jsonl"), ".html": ("html",), ".htm": ("html",),
                  ".conll": ("conll",)}


def _output_format(args) -> str | None:
    """Set ``args.format`` when not given: what the -o file's name says (x.jsonl: jsonl, x.html:
    html, x.conll: conll), else json; the problem when a given one contradicts the name (--format
    json -o x.jsonl would write an indented document that no JSONL reader takes)."""
    out = Path(args.output) if args.output else None
    fits = SUFFIX_FORMATS.get(out.suffix.lower()) if out is not None and not out.is_dir() else None
    if args.format is None:
        args.format = "jsonl" if args.engine == "ray" else (fits[0] if fits else "json")
    elif fits and args.format not in fits:
        return (f"{args.output}: --format {args.format} does not write a {out.suffix} file; "
                f"pass --format {fits[0]} (or leave --format out), or name the output otherwise")
    return None


def cmd_annotate(args) -> int:
    problem = _output_format(args)
    if problem:
        _err(problem)
        return EXIT_USAGE
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
    sink = open_db_sink(args)  # a --db that cannot be used stops the run before the model loads
    try:
        annotator = load_annotator(args)
        if _many_inputs(args, inputs):
            code = _annotate_many(args, annotator, inputs, sink)
        else:
            code = _annotate_one(args, annotator, inputs, sink)
    finally:
        if sink:
            sink.close()
    return EXIT_INPUT if code == EXIT_OK and sink and sink.failed else code


def _annotate_many(args, annotator, inputs: list[tuple[str, str]], sink=None) -> int:
    from ..batch import OutputError, run_batch, run_jsonl

    catch_up = sink.catch_up if sink else None  # outputs a killed run wrote but did not index
    try:
        if _to_jsonl_file(args):
            res = run_jsonl(annotator, inputs, Path(args.output), resume=not args.overwrite,
                            quiet=args.quiet, encoding=args.encoding, on_error=_err,
                            input_format=args.input_format, after_write=sink, catch_up=catch_up)
        else:
            res = run_batch(annotator, inputs, Path(args.output), args.format,
                            resume=not args.overwrite, quiet=args.quiet, encoding=args.encoding,
                            on_error=_err, input_format=args.input_format, after_write=sink,
                            catch_up=catch_up)
    except OutputError as exc:
        _err(str(exc))
        return EXIT_OUTPUT
    log.info("%d written, %d already done, %d failed", res.written, res.skipped, res.failed)
    if res.stopped_by is not None:
        _err(f"stopped by signal {res.stopped_by} after {res.written} documents; "
             "run the same command again to finish")
        return 128 + res.stopped_by
    return EXIT_INPUT if res.failed else EXIT_OK


def _annotate_one(args, annotator, inputs: list[tuple[str, str]], sink=None) -> int:
    from ..io.sinks import write_one
    from ..io.sources import read_records
    from ..writers import output_target

    failed = 0

    def report(where: str, msg: str):
        nonlocal failed
        _err(msg)
        failed += 1

    records = read_records(inputs, report, args.encoding, args.input_format, ids=False)
    try:
        for doc in annotator.annotate_stream((rec.text, rec.meta) for rec in records):
            write_one(doc, args.format, args.output)
            if sink:  # keyed by the file written (stdout, a pipe: by the input)
                how, target = output_target(args.output) if args.output else ("stream", None)
                sink(doc, target if how == "replace" else None)
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
    if args.db:
        _err("--db is not taken with --engine ray: index the shards afterwards (hebnews index OUT --db FILE)")
        return EXIT_USAGE
    try:
        from ..engines.ray import annotate_with_ray
    except ImportError:
        _err("--engine ray needs Ray Data: pip install 'hebnews[ray]'")
        return EXIT_USAGE
    inputs = expand_inputs(args.inputs, args.pattern)
    from ..model import ModelError, resolve_device

    from ..runtimes import resolve_runtime

    try:  # the workers' options are checked here, before Ray starts
        device = str(resolve_device(args.device))
        resolve_runtime(args.runtime, device, args.precision, args.backend)
    except ModelError as exc:
        _err(str(exc))
        return EXIT_MODEL
    res = annotate_with_ray(inputs, args.output, args.model, device=device, address=args.ray_address,
                            workers=args.ray_workers, batch_sentences=args.batch_sentences,
                            encoding=args.encoding, input_format=args.input_format,
                            precision=args.precision, runtime=args.runtime, backend=args.backend,
                            on_error=_err)
    if not args.quiet:
        print(json.dumps({"written": res.written, "failed": res.failed}))
    return EXIT_INPUT if res.failed else EXIT_OK


def add_parser(sub, common) -> None:
    a = sub.add_parser("annotate", parents=[common], help="annotate files, folders, globs or stdin",
                       description="Annotate Hebrew text. INPUT is a file, a directory (searched "
                       "recursively for --pattern), a glob or - (stdin). One input: -o FILE or "
                       "stdout. Several: -o DIR writes DIR/<name>.json each (or -o FILE.jsonl "
                       "with --format jsonl). A bad input is reported and skipped; exit 1.")
    a.add_argument("inputs", nargs="+", metavar="INPUT")
    a.add_argument("-o", "--output", help="output file (one input) or directory (several)")
    a.add_argument("--format", choices=("json", "jsonl", "html", "conll"), default=None,
                   help="json, jsonl, html (a page per document + index.html for several) or conll "
                   "(token TAB BIOES tag); default: what the -o file's name says (x.jsonl, x.html, "
                   "x.conll), else json")
    a.add_argument("--device", default="auto", help="auto (default), cpu, cuda or cuda:N")
    a.add_argument("--model", help="model folder (default: $HEBNEWS_MODEL or models/hebnews-ner)")
    a.add_argument("--pattern", default="*.txt", help="file pattern inside directories (*.txt)")
    a.add_argument("--encoding", default="auto", type=_encoding,
                   help="input encoding; auto (default): UTF-8, a BOM, or Hebrew text in UTF-16, "
                   "windows-1255 or ISO-8859-8 (detected and checked)")
    a.add_argument("--input-format", choices=("auto", "text", "html"), default="auto",
                   help="auto (default): HTML pages are detected and their main text extracted "
                   "(trafilatura); text: take the input as it is; html: always extract")
    a.add_argument("--backend", choices=("auto", "lite", "transformers"), default="auto",
                   help="encoder runtime: lite (our lean BERT runtime, no transformers import: the "
                   "default for BERT folders), transformers, or auto")
    _precision_option(a)
    _batch_option(a)
    a.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="local (default) or ray: Ray Data over a local instance or a cluster "
                   "(pip install 'hebnews[ray]'; needs --format jsonl and -o DIR)")
    a.add_argument("--ray-address", help="join an existing Ray cluster (e.g. auto or ray://head:10001)")
    a.add_argument("--ray-workers", type=int, default=2, help="model replicas (Ray actors), default 2")
    _db_option(a)
    a.add_argument("--overwrite", action="store_true",
                   help="with -o DIR: redo inputs whose output already exists (default: skip them, "
                   "so a killed run started again finishes the job)")
    a.set_defaults(func=cmd_annotate)
