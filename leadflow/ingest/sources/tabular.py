"""Tables: CSV/TSV rows streamed from text, and the header row found above the data."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from typing import TextIO

from leadflow.ingest.sources import base
from leadflow.ingest.sources.base import RawRow, SourceInfo
from leadflow.core.errors import EmptySource, RecordTooLarge, UnreadableSource
from leadflow.ingest.sources.detect import choose_header, unique_headers
from leadflow.ingest.sources.text import LineFeeder


def open_csv(handle: TextIO, name: str, encoding: str, delimiter: str) -> tuple[SourceInfo, Iterator[RawRow]]:
    """Header facts and the data rows after the header, read lazily from `handle`."""
    header, skipped, rows = split_header(csv_rows(handle, delimiter, encoding), name)
    info = SourceInfo(format="tsv" if delimiter == "\t" else "csv", encoding=encoding, delimiter=delimiter,
                      header_line=header.line_no, headers=unique_headers(header.values or []),
                      skipped_preamble=skipped)
    return info, rows


def split_header(rows: Iterator[RawRow], name: str) -> tuple[RawRow, int, Iterator[RawRow]]:
    """(header row, rows skipped above it, the rows after it) from the first HEADER_SCAN_ROWS rows."""
    head = list(itertools.islice(rows, base.HEADER_SCAN_ROWS))
    readable = [(i, row.values) for i, row in enumerate(head) if row.values is not None]
    if not readable:
        if head:
            raise UnreadableSource(f"{name}: no readable header row; first problem: {head[0].error}")
        raise EmptySource(f"{name}: the file is empty (no header row, no data)")
    at = readable[choose_header([values for _, values in readable])][0]
    return head[at], at, itertools.chain(head[at + 1:], rows)


def csv_rows(handle: TextIO, delimiter: str, encoding: str) -> Iterator[RawRow]:
    """Every non-empty record, or an error row for one that cannot be read; never raises for content."""
    feeder = LineFeeder(handle, delimiter, encoding)
    reader = _reader(feeder, delimiter)
    while True:
        feeder.begin_record()
        try:
            values = next(reader)
        except StopIteration:
            return
        except RecordTooLarge as exc:
            yield RawRow(exc.start, error_kind="field_too_large", error=str(exc))
            reader = _reader(feeder, delimiter)  # the old one is mid-record; start clean on the next line
            continue
        except csv.Error as exc:
            # Not expected (strict=False, raised field limit, whole lines); if it happens, one
            # record is lost, not the file.
            yield RawRow(feeder.start, error_kind="unreadable", error=f"line {feeder.start}: {exc}")
            reader = _reader(feeder, delimiter)
            continue
        if feeder.problem is not None:
            kind, reason = feeder.problem
            yield RawRow(feeder.start, error_kind=kind, error=reason)
        elif "".join(values).strip():
            yield RawRow(feeder.start, values)


def _reader(feeder: LineFeeder, delimiter: str) -> Iterator[list[str]]:
    # Process-wide setting: only ever raised, so that LineFeeder's own cap, which can skip an
    # oversized record cleanly, is the one that applies rather than csv's mid-line error.
    if csv.field_size_limit() <= base.MAX_RECORD_CHARS:
        csv.field_size_limit(base.MAX_RECORD_CHARS + 1)
    return csv.reader(feeder, delimiter=delimiter, quotechar='"', doublequote=True,
                      skipinitialspace=False, strict=False)
