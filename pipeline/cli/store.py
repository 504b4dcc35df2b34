"""hebnews index | quotes | entities | report: the annotation store (:mod:`hebnews.store`)."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sqlite3
import sys
import time
from pathlib import Path

from ..io.sources import first_line as _first_line
from .common import EXIT_INPUT, EXIT_OK, EXIT_OUTPUT, EXIT_USAGE, CommandError, _err, _positive
from .documents import _where, document_sources

# hebnews index commits a batch every COMMIT_DOCUMENTS documents or COMMIT_SECONDS, whichever
# comes first (a killed run loses at most that batch; the rerun does it again)
COMMIT_DOCUMENTS, COMMIT_SECONDS = 100, 1.0
NOT_DOCUMENTS = ("errors.jsonl",)  # annotate's list of bad inputs, beside the outputs

QUOTE_KEYS = ["day", "speaker", "person", "gender", "gender_from", "cue", "quote", "title", "url",
              "source", "document"]
QUOTE_TABLE = [("day", "יום"), ("speaker", "דובר/ת"), ("gender", "מגדר"), ("cue", "פועל"),
               ("where", "כתבה"), ("quote", "ציטוט")]
ENTITY_KEYS = ["rank", "name", "label", "mentions", "documents"]
ENTITY_TABLE = [("rank", "#"), ("name", "שם"), ("label", "סוג"), ("mentions", "אזכורים"),
                ("documents", "כתבות")]


def _day(value: str) -> str:
    """--since: a date, YYYY-MM-DD (checked in the command, so that a bad one is one line)."""
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise CommandError(EXIT_USAGE, f"--since {value!r}: not a date (YYYY-MM-DD)") from None


def open_store(path: str, create: bool = False, readonly: bool = False):
    from ..store import Store, StoreError

    try:
        return Store.open(path, create=create, readonly=readonly)
    except StoreError as exc:
        raise CommandError(EXIT_OUTPUT if create else EXIT_INPUT, str(exc)) from None


def open_questions(args):
    """The store of a question (quotes, entities, report), opened read-only, and its --since as
    YYYY-MM-DD: a store that holds no documents, or none of --since or later, is a
    :class:`CommandError` (exit 1); a --search without a word to search for (exit 2)."""
    from ..store.queries import fts_query

    since = _day(args.since) if args.since is not None else None
    search = getattr(args, "search", None)
    if search is not None and not fts_query(search):  # else it would filter nothing: every row
        raise CommandError(EXIT_USAGE, f"--search {search!r}: no word to search for (punctuation "
                           "and niqqud are not in the search index)")
    store = open_store(args.db, readonly=True)
    newest = store.db.execute("SELECT max(day) FROM documents").fetchone()[0]
    if newest is None or (since and since > newest):
        store.close()
        if newest is None:
            raise CommandError(EXIT_INPUT, f"{args.db}: the store is empty (add documents: "
                               f"hebnews index OUT_DIR --db {args.db})")
        raise CommandError(EXIT_INPUT, f"--since {since}: no documents from that day on in {args.db} "
                           f"(the newest is of {newest})")
    return store, since


def document_files(inputs: list[str]) -> tuple[list[str], list[str]]:
    """(the .json and .jsonl files of ``inputs``: folders searched recursively, hidden files and
    annotate's errors.jsonl left out; the inputs that do not exist)."""
    files, missing = [], []
    for name in inputs:
        p = Path(name)
        if p.is_dir():
            found = [f for f in p.rglob("*") if f.suffix in (".json", ".jsonl") and f.is_file()
                     and not f.name.startswith(".") and f.name not in NOT_DOCUMENTS
                     and not f.name.endswith(".errors.jsonl")]
            files += [str(f) for f in sorted(found)]
        elif p.exists():
            files.append(name)
        else:
            missing.append(name)
    return files, missing


class _Batches:
    """Commits the store every COMMIT_DOCUMENTS documents or COMMIT_SECONDS."""

    def __init__(self, store):
        self.store, self.n, self.since = store, 0, time.monotonic()

    def __call__(self) -> None:
        self.n += 1
        if self.n >= COMMIT_DOCUMENTS or time.monotonic() - self.since > COMMIT_SECONDS:
            self.store.commit()
            self.n, self.since = 0, time.monotonic()


def _index_file(store, path: str, counts: dict[str, int], batches: _Batches) -> None:
    from ..io.sources import NOT_A_DOCUMENT, load_document
    from ..store.keys import at_line, location

    lines = set()
    try:
        loc = location(path)
        for lineno, raw in document_sources(path):
            lines.add(lineno)
            if lineno == 1 and raw.strip() in ("{", b"{"):  # not JSON lines: each line would fail
                _err(f"{path}: one indented JSON document, not one document per line (name it .json)")
                counts["failed"] += 1
                return
            try:
                counts[store.add(load_document(raw), path=at_line(loc, lineno))] += 1
            except (*NOT_A_DOCUMENT, OverflowError, sqlite3.IntegrityError,
                    sqlite3.InterfaceError) as exc:  # (duplicate ids, odd values)
                _err(f"{_where(path, lineno)}: not a readable hebnews document ({_first_line(exc)})")
                counts["failed"] += 1
            batches()
    except OSError as exc:
        _err(f"{path}: cannot read ({exc.strerror or exc})")
        counts["failed"] += 1
        return
    if path.endswith(".jsonl"):  # read whole: rows of the lines it no longer has go
        counts["removed"] += store.drop_lines(loc, lines)


def cmd_index(args) -> int:
    from ..io.runtime import StopFlag

    files, missing = document_files(args.inputs)
    for name in missing:
        _err(f"{name}: no such file or directory")
    store = open_store(args.db, create=True)
    counts = {"added": 0, "replaced": 0, "unchanged": 0, "duplicate": 0, "removed": 0,
              "failed": len(missing)}
    try:
        with StopFlag() as stop:
            batches = _Batches(store)
            for path in files:
                if stop():
                    break
                _index_file(store, path, counts, batches)
            store.commit()
        print(json.dumps({**counts, **store.counts()}))
    except sqlite3.Error as exc:
        store.db.close()  # what was not committed is dropped: a rerun does it
        raise CommandError(EXIT_OUTPUT, f"{args.db}: cannot write ({exc})") from None
    store.close()
    if stop.signum is not None:
        _err(f"stopped by signal {stop.signum}; run the same command again to finish")
        return 128 + stop.signum
    return EXIT_INPUT if counts["failed"] else EXIT_OK


def _write_rows(fmt: str, table: list[tuple[str, str]], keys: list[str], rows: list[dict], what: str) -> None:
    from ..store.table import write_csv, write_jsonl, write_table

    if fmt == "csv":
        write_csv(sys.stdout, keys, rows)
    elif fmt == "jsonl":
        write_jsonl(sys.stdout, keys, rows)
    elif not rows:
        print(f"hebnews: no {what} found", file=sys.stderr)
    else:
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        write_table(sys.stdout, table, rows, width)


def cmd_quotes(args) -> int:
    from ..store.queries import quote_rows

    store, since = open_questions(args)
    with store:
        rows = quote_rows(store.db, speaker=args.speaker, since=since, gender=args.gender,
                          search=args.search, limit=args.limit)
    for r in rows:
        r["where"] = r["title"] or Path(r["source"] or r["document"]).name
    _write_rows(args.format, QUOTE_TABLE, QUOTE_KEYS, rows, "quotes")
    return EXIT_OK


def cmd_entities(args) -> int:
    from ..store.queries import entity_rows

    store, since = open_questions(args)
    with store:
        rows = entity_rows(store.db, args.top, label=args.type, since=since, search=args.search)
    for rank, r in enumerate(rows, 1):
        r["rank"] = rank
    _write_rows(args.format, ENTITY_TABLE, ENTITY_KEYS, rows, "entities")
    return EXIT_OK


def _is_store_file(out: Path, db: Path) -> bool:
    """Whether writing ``out`` would write the store ``db`` or its -wal, -shm or -journal file
    (the same path, or a link to it: the report would replace the database with a page)."""
    real = db.resolve()
    for f in (real, *(real.with_name(real.name + s) for s in ("-wal", "-shm", "-journal"))):
        try:
            if out.resolve() == f or out.exists() and f.exists() and out.samefile(f):
                return True
        except OSError:
            continue
    return False


def cmd_report(args) -> int:
    from ..store.report import write_report

    out = Path(args.output)
    # the report is a page with its article pages in a folder beside it: -o is a regular file or
    # a new path (not a folder, a device or a pipe), checked before anything is written
    if out.exists() and not out.is_file() or out.is_symlink() and not out.resolve().is_file():
        raise CommandError(EXIT_USAGE, f"{args.output}: the report is written to a new or a regular "
                           "file (its article pages go in a folder beside it)")
    if _is_store_file(out, Path(args.db)):
        raise CommandError(EXIT_USAGE, f"{args.output}: that is the store --db {args.db} (or its "
                           "journal): the report is written to another file")
    store, since = open_questions(args)
    with store:
        try:
            pages = write_report(store.db, out, since)
        except OSError as exc:
            raise CommandError(EXIT_OUTPUT, f"{args.output}: cannot write ({exc.strerror or exc})") from None
    folder = Path(args.output).stem + "-articles"
    print(f"{args.output}: report of {pages} articles (their pages: {folder}/ beside it)")
    return EXIT_OK


def add_parser(sub, common) -> None:
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", required=True, metavar="FILE", help="the store: one SQLite file")
    since = argparse.ArgumentParser(add_help=False)
    since.add_argument("--since", metavar="DATE", help="only documents of DATE (YYYY-MM-DD) or later")
    fmt = argparse.ArgumentParser(add_help=False)
    fmt.add_argument("--format", choices=("table", "csv", "jsonl"), default="table",
                     help="table (default: for a terminal, right to left), csv or jsonl")
    i = sub.add_parser("index", parents=[common, db], help="add annotated documents to a store",
                       description="Add .json and .jsonl outputs of hebnews (folders searched "
                       "recursively) to the store --db FILE (created when missing). A document is "
                       "known by its feed item or url, else by the file it is in (and its line in a "
                       ".jsonl), so annotate --db and index of the same outputs agree. Incremental: a "
                       "document already there with the same content is skipped, a changed one "
                       "replaces its old rows; of two files with the same url or item, the first in "
                       "path order is kept (a warning names the other: duplicate); a killed run leaves "
                       "the store consistent and the same command finishes it. Prints one JSON line of "
                       "counts.")
    i.add_argument("inputs", nargs="+", metavar="OUT_DIR_OR_FILE")
    i.set_defaults(func=cmd_index)
    q = sub.add_parser("quotes", parents=[common, db, since, fmt], help="quotes in a store",
                       description="The quotes in the store, oldest first.")
    q.add_argument("--speaker", metavar="NAME", help="the speaker: a full name, or a surname")
    q.add_argument("--gender", choices=("female", "male", "unknown"), help="the speaker's gender")
    q.add_argument("--search", metavar="WORDS", help="quotes with all these words (word* for a prefix)")
    q.add_argument("--limit", type=_positive(int), metavar="N", help="at most N quotes")
    q.set_defaults(func=cmd_quotes)
    e = sub.add_parser("entities", parents=[common, db, since, fmt], help="the most mentioned entities",
                       description="The entities with the most mentions (every span the tagger found): "
                       "people joined across documents (a surname meets the one full name that ends "
                       "with it), other types by label and name.")
    e.add_argument("--top", type=_positive(int), default=20, metavar="N", help="how many (20)")
    e.add_argument("--type", type=str.upper, metavar="LABEL", help="only this type (PER, ORG, GPE, LOC, ...)")
    e.add_argument("--search", metavar="WORDS", help="only in articles with all these words")
    e.set_defaults(func=cmd_entities)
    r = sub.add_parser("report", parents=[common, db, since], help="an HTML report of a store",
                       description="One self-contained right-to-left HTML page: mentions per day "
                       "of the top names, the most quoted people and their quotes, the share of "
                       "quotes by speaker gender per day, the articles. The articles' pages (as "
                       "hebnews view makes them) are written beside it in REPORT-articles/.")
    r.add_argument("-o", "--output", required=True, metavar="REPORT.html")
    r.set_defaults(func=cmd_report)
