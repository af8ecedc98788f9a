"""The Parquet research dataset (issue #4): tables ``reports``, ``values``, ``checks``,
``report_versions`` and the wide views ``wide_s2``/``wide_s3``/``wide_s4``, partitioned
``year=<int>/province=<2 digits>``, published atomically as immutable snapshots.

Pipeline-facing API::

    from ogi_scrape.dataset import Dataset, ReportMeta, report_key
    ds = Dataset(Path("data"))
    summary = ds.upsert([(meta, parse_result.to_dict()), ...])   # new/changed/updated/unchanged
    ds.read("values", year=2024, province="51")                   # pyarrow.Table

Researchers read ``data/<table>`` with pandas/polars/duckdb directly (docs/dataset.md).
"""

from ogi_scrape.dataset.dataset import Dataset, UpsertSummary, open_dataset
from ogi_scrape.dataset.records import DatasetError, ReportMeta, report_key
from ogi_scrape.dataset.schema import SCHEMA_VERSION, TABLES

__all__ = ["Dataset", "DatasetError", "ReportMeta", "SCHEMA_VERSION", "TABLES", "UpsertSummary",
           "open_dataset", "report_key"]
