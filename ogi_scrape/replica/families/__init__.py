"""Dynamic behaviour of replica portals, one module per platform family.

A site whose ``site.toml`` says ``family = "<name>"`` gets its requests offered first to
``ogi_scrape.replica.families.<name>.handle(request, site)``; the handler returns a
``ReplicaResponse`` or ``None`` to fall through to static files. The request, site and
response objects are documented in ``ogi_scrape.replica.server``. Keep portal knowledge in
the handler (and its fixture data), never in the shared server.
"""
