"""China's province-, prefecture- and county-level divisions (bundled data) and a name resolver.

Everything that needs to know "which county is this?" (the CLI's ``--county``, the registry's
division codes, report titles) goes through here, so the rules for short names, former names
and ambiguity live in one place. The data is a CSV under ``data/`` (see ``data/SOURCES.md``).
"""

from ogi_scrape.regions.resolver import (
    LEVELS,
    Change,
    Division,
    all_divisions,
    children,
    divisions,
    former_names,
    get,
    resolve,
)

__all__ = ["LEVELS", "Change", "Division", "all_divisions", "children", "divisions",
           "former_names", "get", "resolve"]
