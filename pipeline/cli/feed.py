"""hebnews feed: annotate what is new in RSS/Atom feeds (for cron)."""
from __future__ import annotations

import sys
from pathlib import Path

from ..fetch import DEFAULT_MAX_BYTES
from ..pages import DEFAULT_MAX_CHARS
from .common import (EXIT_INPUT, EXIT_OK, EXIT_OUTPUT, _batch_option, _db_option, _err, _positive,
                     _precision_option, load_annotator, open_db_sink)


def cmd_feed(args) -> int:
    sink = open_db_sink(args)  # a --db that cannot be used stops the run before the model loads
    try:
        return _feed(args, sink)
    finally:
        if sink:
            sink.close()


def _feed(args, sink) -> int:
    from ..feeds import LockHeld, default_state, lock_path, run_feeds, run_lock, stats_line
    from ..feedstate import StateError

    if sink:  # run_feeds stops at an item the store does not take; the next run does it again
        sink.note = "the run stops here; the next run does this item and the ones after it again"
        sink.refused_note = "its output was written and the run goes on (hebnews index OUT --db reports the same)"
    try:
        with run_lock(lock_path(Path(args.state) if args.state else default_state(Path(args.output)))):
            pass  # a run in progress: exit at once, without loading the model (run_feeds locks)
        annotator = load_annotator(args)
        stats = run_feeds(annotator, args.sources, Path(args.output),
                          Path(args.state) if args.state else None, timeout=args.timeout,
                          retries=args.retries, fmt=args.format, fetch_pages=not args.no_pages,
                          max_bytes=args.max_bytes, max_chars=args.max_chars, after_write=sink)
    except LockHeld as exc:
        print(f"hebnews: {exc}; nothing done", file=sys.stderr)
        return EXIT_OK
    except StateError as exc:  # the state file: a full disk, or not a hebnews state
        _err(f"{exc.filename}: {exc.strerror}")
        return EXIT_OUTPUT
    except OSError as exc:
        _err(f"{args.output}: {exc.strerror or exc}")
        return EXIT_OUTPUT
    print(stats_line(stats))  # also with -q: the cron log's record of a run
    if stats.stopped_by is not None:
        _err(f"stopped by signal {stats.stopped_by} after {len(stats.written)} items; the next run goes on")
        return 128 + stats.stopped_by
    if stats.store_failed:  # the store did not take an item (one line said why): an output error
        return EXIT_OUTPUT
    return EXIT_INPUT if stats.failed or (sink and sink.failed) else EXIT_OK


def add_parser(sub, common) -> None:
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
    _db_option(f)
    f.add_argument("--device", default="auto")
    f.add_argument("--model", help="model folder (default: models/hebnews-ner)")
    _precision_option(f)
    _batch_option(f)
    f.set_defaults(func=cmd_feed)
