"""Replica government portals served over real HTTP on loopback (see ``server`` for details)."""

from ogi_scrape.replica.server import (
    FAULT_KINDS,
    LoggedRequest,
    ReplicaConfigError,
    ReplicaRequest,
    ReplicaResponse,
    ReplicaServer,
    ReplicaSite,
)

__all__ = ["ReplicaServer", "ReplicaRequest", "ReplicaResponse", "ReplicaSite", "LoggedRequest",
           "ReplicaConfigError", "FAULT_KINDS"]
