"""Serve the replica portals on loopback so a person can poke at them with curl or a browser.

Requests are routed by Host header, so use e.g.
``curl -H 'Host: www.luding.gov.cn' http://127.0.0.1:8765/`` or treat the server as an HTTP
proxy: ``curl -x http://127.0.0.1:8765 http://www.luding.gov.cn/``.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

from ogi_scrape.errors import UsageError

COMMAND = "replica"
HELP = "serve fixture replica portals over HTTP on 127.0.0.1 (until Ctrl-C)"


def configure(parser) -> None:
    parser.add_argument("--root", type=Path, default=Path("fixtures/portals"),
                        help="folder with one sub-folder per host name (default: %(default)s)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0,
                        help="port to listen on (default: a free port, printed at start)")
    parser.add_argument("--quiet", action="store_true", help="do not print one line per request")
    parser.add_argument("--fault", action="append", default=[], metavar="HOST/PATH=PLAN",
                        help="inject a fault plan, e.g. 'www.luding.gov.cn/=status:503,ok' "
                             "(repeatable; behaviours as in site.toml [[faults]])")


def _parse_fault(spec: str) -> tuple[str, str, list[str]]:
    target, sep, plan = spec.partition("=")
    host, slash, path = target.partition("/")
    if not sep or not slash or not host or not plan.strip():
        raise UsageError(f"--fault {spec!r}: expected HOST/PATH=PLAN",
                         hint="e.g. --fault 'www.luding.gov.cn/index.html=status:503,ok'")
    return host, "/" + path, [step.strip() for step in plan.split(",") if step.strip()]


def run(args) -> int:
    from ogi_scrape.replica.server import ReplicaConfigError, ReplicaServer

    def log(entry, status):
        print(f"{status} {entry.method} {entry.host}{entry.target}", flush=True)

    try:
        server = ReplicaServer(args.root, host=args.host, port=args.port,
                               on_request=None if args.quiet else log)
    except ReplicaConfigError as exc:
        raise UsageError(str(exc)) from None
    try:
        for spec in args.fault:
            server.inject(*_parse_fault(spec))
    except ReplicaConfigError as exc:
        raise UsageError(f"--fault: {exc}") from None
    try:
        server.start()
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
                         hint="choose another --port, or 0 for any free port") from None
    hosts = server.hosts()
    print(f"serving {len(hosts)} replica site(s) from {args.root} on "
          f"http://{args.host}:{server.port}/", flush=True)
    for host in hosts:
        print(f"  {host}", flush=True)
    print(f"try: curl -x http://{args.host}:{server.port} http://{hosts[0] if hosts else 'HOST'}/"
          "   (Ctrl-C to stop)", flush=True)
    def on_term(signum, frame):       # `kill PID` stops as cleanly as Ctrl-C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr)
    finally:
        server.stop()
    return 0
