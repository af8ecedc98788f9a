"""Command-line entry point: ``ogi-scrape <command> …``.

Sub-commands live in ``ogi_scrape.commands`` (one module each) and are discovered here,
so the dispatcher never needs editing. Expected errors (``OgiError``) become one clear
message on stderr and their documented exit code; only real bugs show a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from ogi_scrape import __version__, commands
from ogi_scrape.errors import EXIT_INTERNAL, OgiError


def _command_modules():
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        if hasattr(module, "COMMAND"):
            yield module


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ogi-scrape",
        description="Scrape, parse, check and export 政府信息公开工作年度报告 tables.",
    )
    parser.add_argument("--version", action="version", version=f"ogi-scrape {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        p = sub.add_parser(module.COMMAND, help=module.HELP, description=module.__doc__)
        module.configure(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args._run(args) or 0)
    except OgiError as exc:
        print(f"ogi-scrape {args.command}: error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception:  # a bug: keep the traceback, it is what a maintainer needs
        import traceback

        traceback.print_exc()
        print("ogi-scrape: internal error (a bug); please report it with the traceback above",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
