"""The nightly crawl (issue #5): every registered portal, incrementally, politely, resumably.

Modules, one job each:

* ``scope``       years and sources a run covers (``--years``/``--since``, ``--resume``'s scope);
* ``state``       the SQLite state store beside the dataset: runs, frontier, per-URL history, lock;
* ``conditional`` a per-source fetcher view: conditional GETs, 304 bodies from the WARC archive;
* ``engine``      list → select → fetch → parse → hand to the writer, per source, concurrently;
* ``parsing``     parser worker processes (forked early, die with the crawl) or a thread;
* ``writer``      the single dataset writer (batched upserts, then state commits);
* ``report``      progress events, the end-of-run summary and the run manifest;
* ``runner``      one run from lock to exit code (shared by the CLI and the farm benchmark);
* ``reparse``     re-parse every stored report from the raw archive, offline.

User documentation: docs/crawl.md.
"""
