"""Where reports are published: the source registry (data files) and per-platform discovery.

``registry`` reads and validates the TOML files that say which portal serves which division;
``families/`` holds one discovery adapter per platform family (ganzi, trs, hanweb, gkmlpt,
generic). Keeping the two apart means a new county is a data file, and a new platform is one
adapter module, never an edit to shared machinery.
"""

from ogi_scrape.sources.registry import (
    Column,
    Politeness,
    Registry,
    Source,
    default_registry,
    known_families,
    load_registry,
    register_family,
    sources_for,
    sources_in,
)

__all__ = ["Column", "Politeness", "Registry", "Source", "default_registry", "known_families",
           "load_registry", "register_family", "sources_for", "sources_in"]
