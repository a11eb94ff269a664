"""Read the tables a CRM export is made of: CSV/TSV/XLSX/JSON (leadflow's readers) and Parquet.

Rows come back as dicts of header -> value (str, number, bool or None), so a flat lead
table, an activity log and a CRM outcome file all arrive in one shape. Parquet needs
pyarrow (a dependency of most data tools that write Parquet, e.g. pandas or leadforge).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leadflow.core.errors import EmptySource, TableError, UnreadableSource
from leadflow.ingest.sources import open_source

Row = dict[str, Any]


@dataclass
class Table:
    name: str
    headers: list[str]
    rows: list[Row]
    unreadable: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def _read_parquet(path: Path) -> Table:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise TableError(
            f"{path}: reading Parquet needs pyarrow (pip install pyarrow), "
            "or export the table as CSV"
        ) from None
    data = pq.read_table(path)
    return Table(path.name, list(data.column_names), data.to_pylist())


def _read_rows(path: Path) -> Table:

    table = Table(path.name, [], [])
    try:
        with open_source(path) as (info, rows):
            table.headers = list(info.headers or [])
            for raw in rows:
                if raw.error_kind:
                    table.unreadable.append((raw.line_no, raw.error or raw.error_kind))
                elif raw.record is not None:
                    table.rows.append(dict(raw.record))
                else:
                    values = list(raw.values or [])
                    table.rows.append(dict(zip(table.headers, values, strict=False)))
    except (EmptySource, UnreadableSource) as exc:
        raise TableError(f"{path}: {exc}") from exc
    return table


def read_table(path: Path) -> Table:
    if not path.is_file():
        raise TableError(f"file not found: {path}")
    if path.suffix.lower() in (".parquet", ".pq"):
        return _read_parquet(path)
    return _read_rows(path)


def read_tables(paths: list[Path]) -> Table:
    """Several files with the same columns (train/valid/test splits) as one table."""
    tables = [read_table(p) for p in paths]
    headers = list(dict.fromkeys(h for t in tables for h in t.headers))
    return Table(
        "+".join(t.name for t in tables),
        headers,
        [r for t in tables for r in t.rows],
        [u for t in tables for u in t.unreadable],
    )
