"""Offline mode: send requests for real portal hosts to a loopback replica instead.

Tests and demos must exercise the very code path the nightly crawl uses, with the real
URLs (``http://www.luding.gov.cn/…``) in every record, yet never touch the network. A
``Mirror`` maps logical host names to a loopback ``(address, port)``; the request goes there
over plain HTTP (``https`` logical URLs too) with the logical ``Host`` header. Any host not
in the mirror is unreachable: there is no network to fall back to.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


class Mirror:
    def __init__(self, mapping: dict[str, tuple[str, int]]):
        self._map = {host.lower(): (addr, int(port)) for host, (addr, port) in mapping.items()}

    @classmethod
    def all_to(cls, address: str, port: int, hosts: set[str] | list[str]) -> "Mirror":
        return cls({h: (address, port) for h in hosts})

    @classmethod
    def from_replica(cls, server) -> "Mirror":
        """Every host a running ``ReplicaServer`` serves."""
        return cls.all_to(server.bind_host, server.port, server.hosts())

    def hosts(self) -> list[str]:
        return sorted(self._map)

    def __contains__(self, host: str) -> bool:
        return host.lower() in self._map

    def route(self, url: str) -> tuple[str, str] | None:
        """``(physical_url, host_header)`` for a logical URL, or None if the host is not mirrored."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host not in self._map:
            return None
        addr, port = self._map[host]
        host_header = parts.netloc.rsplit("@", 1)[-1]
        default_port = {"http": 80, "https": 443}.get(parts.scheme)
        if parts.port in (None, default_port):
            host_header = host
        physical = urlunsplit(("http", f"{addr}:{port}", parts.path or "/", parts.query, ""))
        return physical, host_header
