"""Look up administrative divisions: which code is 泸定? which counties are in 甘孜?

Every other command takes ``--county``/``--province`` through the same resolver, so this is
the place to find out why a name is ambiguous or unknown before starting a crawl.

Examples::

    ogi-scrape regions 泸定                 # 513322  county  四川省/甘孜藏族自治州/泸定县
    ogi-scrape regions 四川/甘孜/泸定 513322 --json
    ogi-scrape regions --list --province 四川 --prefecture 甘孜
    ogi-scrape regions 泸定 --sources --registry my_portals/   # validate + show portals
"""

from __future__ import annotations

import json
import sys

from ogi_scrape.errors import UsageError
from ogi_scrape.sources.registry import add_registry_argument

COMMAND = "regions"
HELP = "look up division codes and names (counties, prefectures, provinces)"


def configure(parser) -> None:
    parser.add_argument("queries", nargs="*", metavar="NAME|CODE|PATH",
                        help="e.g. 泸定, 513322, 四川/甘孜/泸定")
    parser.add_argument("--level", choices=["province", "prefecture", "county"],
                        help="only accept divisions of this level")
    parser.add_argument("--list", action="store_true",
                        help="list divisions (default level: county) inside --province/--prefecture")
    parser.add_argument("--province", help="scope for --list")
    parser.add_argument("--prefecture", help="scope for --list")
    parser.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    parser.add_argument("--sources", action="store_true",
                        help="also show the registered portals of each division (validates the "
                             "registry, including --registry files)")
    add_registry_argument(parser)


def _record(d) -> dict:
    return {"code": d.code, "name": d.name, "level": d.level, "path": d.path,
            "province": d.province, "prefecture": d.prefecture, "short_name": d.short_name,
            "aliases": list(d.aliases), "note": d.note}


def run(args) -> int:
    from ogi_scrape.regions import divisions, resolve

    if args.list:
        if args.queries:
            raise UsageError("--list takes no names; use --province/--prefecture to scope it")
        found = divisions(province=args.province, prefecture=args.prefecture,
                          level=args.level or "county")
    else:
        if not args.queries:
            raise UsageError("give at least one name, code or path, or use --list",
                             hint="e.g. ogi-scrape regions 泸定")
        found = [resolve(q, level=args.level) for q in args.queries]
    registry = None
    if args.sources or args.registry:
        from ogi_scrape.sources.registry import registry_from_args

        registry = registry_from_args(args)
        for warning in registry.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    for d in found:
        portals = registry.sources_for(d.code) if registry and args.sources else []
        if args.json:
            record = _record(d)
            if registry and args.sources:
                record["sources"] = [{"id": s.id, "base_url": s.base_url, "family": s.family,
                                      "file": str(s.path)} for s in portals]
            print(json.dumps(record, ensure_ascii=False))
            continue
        print(f"{d.code}  {d.level:<10}  {d.path}")
        for s in portals:
            print(f"    source {s.id}: {s.base_url} [{s.family}] ({s.path})")
    return 0
