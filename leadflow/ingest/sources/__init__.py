"""Streaming readers for campaign files: CSV, TSV, XLSX, JSON and JSON Lines.

Pure I/O (no database, no Prefect). `open_source` detects format, encoding, delimiter and the
header row below a webinar report's preamble, then yields RawRows lazily; a row that cannot be
read is a RawRow with `error_kind` set, and the rest still flow.
"""

from leadflow.ingest.sources.base import RawRow, SourceInfo
from leadflow.core.errors import EmptySource, UnreadableSource
from leadflow.ingest.sources.core import open_source

__all__ = ["EmptySource", "RawRow", "SourceInfo", "UnreadableSource", "open_source"]
