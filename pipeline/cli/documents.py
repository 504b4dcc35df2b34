"""hebnews validate and hebnews view: documents (.json, or .jsonl of them) -> checks, HTML pages."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from ..io.sources import document_sources
from ..io.sources import first_line as _first_line
from .annotate import _folder_problem
from .common import EXIT_INPUT, EXIT_OK, EXIT_OUTPUT, EXIT_USAGE, _err

if TYPE_CHECKING:
    from ..document import Document


def _where(path: str, lineno: int | None) -> str:
    return path if lineno is None else f"{path}:{lineno}"


def cmd_validate(args) -> int:
    import jsonschema

    from ..document import validate

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


def _read_documents(path: str) -> Iterator[tuple[int | None, "Document | None"]]:
    """(line number, document) per document of a .json or .jsonl file; a document that cannot
    be read is reported in one line naming FILE or FILE:LINE and comes as None."""
    from ..document import Document

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
    from ..writers import atomic_write_text, render

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


def add_parser(sub, common) -> None:
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
