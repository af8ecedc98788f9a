"""Parse report pages (HTML or text renderings) into checked records.

PATH may be a file, a folder (its .html/.htm/.shtml/.txt/.docx/.pdf files, recursively) or an
http(s) URL (fetched politely by the project's fetcher). `--format json` prints the
contract of spec/codes.md for one input (an array for several); `jsonl` one object per
line per input; `table` a readable view with flagged cells and failed checks marked.
Exit status: 0 when every input is ok, 6 when some are partial, 7 when some failed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ogi_scrape.errors import EXIT_OK, EXIT_PARSE_FAILED, EXIT_PARSE_PARTIAL, NotFound, UsageError

COMMAND = "parse"
HELP = "parse report pages into checked records (json | jsonl | table)"
SUFFIXES = {".html", ".htm", ".shtml", ".xhtml", ".txt", ".docx", ".pdf"}


def configure(parser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="file, folder or http(s) URL")
    parser.add_argument("--format", choices=("json", "jsonl", "table"), default="table",
                        help="output format (default: table)")
    parser.add_argument("--mirror", metavar="DIR",
                        help="serve URLs from replica portals in DIR instead of the network")


def _inputs(paths: list[str]) -> list[str | Path]:
    out: list[str | Path] = []
    for p in paths:
        if p.startswith(("http://", "https://")):
            out.append(p)
            continue
        path = Path(p)
        if path.is_dir():
            found = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
            if not found:
                raise NotFound(f"{p}: folder holds no .html/.htm/.shtml/.txt/.docx/.pdf files",
                               hint="pass report files or a folder that contains them")
            out.extend(found)
        elif path.is_file():
            out.append(path)
        elif path.exists():
            raise UsageError(f"{p}: not a regular file or folder")
        else:
            raise NotFound(f"{p}: no such file or folder", hint="check the path")
    return out


def _parse_one(item, mirror):
    from ogi_scrape.parse import parse_bytes

    if isinstance(item, Path):
        try:
            data = item.read_bytes()
        except OSError as exc:
            raise UsageError(f"{item}: cannot read ({exc.strerror})") from exc
        return parse_bytes(data, name=str(item))
    from ogi_scrape.commands._fetch_one import fetch_report_page

    data, content_type, final_url = fetch_report_page(item, mirror=mirror)
    return parse_bytes(data, name=item, url=final_url, content_type=content_type)


def run(args) -> int:
    items = _inputs(args.paths)
    results = []
    for item in items:
        result = _parse_one(item, args.mirror)
        results.append(result)
        if args.format == "jsonl":
            print(json.dumps(result.to_dict(), ensure_ascii=False), flush=True)
        elif args.format == "table":
            from ogi_scrape.parse.render import render_table

            render_table(result, sys.stdout)
    if args.format == "json":
        payload = results[0].to_dict() if len(results) == 1 else [r.to_dict() for r in results]
        print(json.dumps(payload, ensure_ascii=False, indent=1))
    statuses = {r.status for r in results}
    if "failed" in statuses:
        return EXIT_PARSE_FAILED
    if "partial" in statuses:
        return EXIT_PARSE_PARTIAL
    return EXIT_OK
