"""hebnews command line: annotate | feed | eval | train | view | validate | index | quotes |
entities | report.

One module per command, each with ``add_parser`` and its ``cmd_*`` function; :data:`COMMANDS`
is the table. Exit codes: 0 all went well; 1 some inputs failed (the others were written);
2 usage error; 3 the model or device cannot be used; 4 corpus data missing (eval/train); 5 an
output cannot be written (what was written before stays). Heavy imports (torch, transformers)
happen inside the commands so that --help is instant.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys

from ..version import __version__
from . import annotate, documents, evaluate, feed, store, train
from .common import (EXIT_DATA, EXIT_INPUT, EXIT_MODEL, EXIT_OK, EXIT_OUTPUT, EXIT_USAGE, CommandError,
                     StdoutError, _err, _GuardedStdout, _stdout_failed, printable_record,
                     text_options_problem)
from .annotate import expand_inputs


COMMANDS = (annotate, feed, evaluate, train, documents, store)  # in the order --help lists them


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

    for command in COMMANDS:
        command.add_parser(sub, common)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    problem = text_options_problem(args)
    if problem:
        _err(problem)
        return EXIT_USAGE
    chatty = args.verbose or args.cmd == "train"  # training always logs loss and dev scores
    level = logging.ERROR if args.quiet else logging.INFO if chatty else logging.WARNING
    fmt = "%(asctime)s %(message)s" if args.cmd == "train" else "hebnews: %(levelname)s: %(message)s"
    fresh = not logging.root.handlers
    logging.basicConfig(level=level, format=fmt)
    if fresh:  # (not in process under a test's own handlers)
        logging.root.handlers[0].addFilter(printable_record)
    if not args.verbose:
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    stdout, sys.stdout = sys.stdout, _GuardedStdout(sys.stdout)
    try:
        code = args.func(args)
        sys.stdout.flush()
        return code
    except CommandError as exc:
        _err(str(exc))
        return exc.code
    except StdoutError as exc:
        return _stdout_failed(exc.error, stdout)
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    finally:
        sys.stdout = stdout


__all__ = ["COMMANDS", "EXIT_DATA", "EXIT_INPUT", "EXIT_MODEL", "EXIT_OK", "EXIT_OUTPUT", "EXIT_USAGE",
           "build_parser", "expand_inputs", "main"]
