"""Tables: CSV/TSV rows streamed from text, and the header row found above the data."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from leadflow.ingest.sources import base
from leadflow.ingest.sources.base import RawRow, SourceInfo
from leadflow.core.errors import EmptySource, RecordTooLarge, RunawayRecord, UnreadableSource
from leadflow.ingest.sources.detect import choose_header, unique_headers
from leadflow.ingest.sources.text import LineFeeder
from leadflow.core.statuses import QuarantineReason


@dataclass
class _Shape:
    """What the reader learns as it goes: the blank lines seen."""

    blank_lines: list[int] = field(default_factory=list)


def open_csv(
    handle: TextIO, name: str, encoding: str, delimiter: str
) -> tuple[SourceInfo, Iterator[RawRow]]:
    """Header facts and the data rows after the header, read lazily from `handle`."""
    shape = _Shape()
    header, skipped, rows = split_header(csv_rows(handle, delimiter, encoding, shape), name)
    info = SourceInfo(
        format="tsv" if delimiter == "\t" else "csv",
        encoding=encoding,
        delimiter=delimiter,
        header_line=header.line_no,
        headers=unique_headers(header.values or []),
        skipped_preamble=skipped,
        blank_lines=shape.blank_lines,
    )
    return info, rows


def split_header(rows: Iterator[RawRow], name: str) -> tuple[RawRow, int, Iterator[RawRow]]:
    """(header row, rows skipped above it, the rows after it) from the first HEADER_SCAN_ROWS rows."""
    head = list(itertools.islice(rows, base.HEADER_SCAN_ROWS))
    readable = [(i, row.values) for i, row in enumerate(head) if row.values is not None]
    if not readable:
        if head:
            raise UnreadableSource(
                f"{name}: no readable header row; first problem: {head[0].error}"
            )
        raise EmptySource(f"{name}: the file is empty (no header row, no data)")
    at = readable[choose_header([values for _, values in readable])][0]
    return head[at], at, itertools.chain(head[at + 1 :], rows)


def csv_rows(
    handle: TextIO, delimiter: str, encoding: str, shape: _Shape | None = None
) -> Iterator[RawRow]:
    """Every non-empty record, or an error row for one that cannot be read; never raises for content.

    A quote left open makes csv read on across line breaks. A record that runs over
    MAX_RECORD_LINES lines, or spans lines without being well-formed CSV (its quote closes
    before a character that is not a delimiter, or never), is taken for that: its first
    line becomes an ``unclosed_quote`` error row and reading resumes on the line after it,
    so the quote costs the lines up to the next one that parses.
    """
    shape = shape or _Shape()
    feeder = LineFeeder(handle, delimiter, encoding)
    reader = _reader(feeder, delimiter)
    while True:
        feeder.begin_record()
        try:
            values = next(reader)
        except StopIteration:
            return
        except RunawayRecord:
            yield _unclosed_quote(feeder, f"it runs over {base.MAX_RECORD_LINES} lines")
            reader = _reader(feeder, delimiter)
            continue
        except RecordTooLarge as exc:
            yield RawRow(
                exc.start,
                error_kind=QuarantineReason.FIELD_TOO_LARGE,
                error=str(exc),
                end_line=feeder.line_no if feeder.line_no > exc.start else None,
            )
            # The old reader is mid-record: start clean on the next line.
            reader = _reader(feeder, delimiter)
            continue
        except csv.Error as exc:
            # Not expected (strict=False, raised field limit, whole lines); if it happens, one
            # record is lost, not the file.
            yield _unreadable(feeder, exc)
            reader = _reader(feeder, delimiter)
            continue
        spans = feeder.line_no > feeder.start
        if spans and _malformed(feeder.record_lines, delimiter):
            yield _unclosed_quote(
                feeder, f"read on to line {feeder.line_no}, it is not well-formed CSV"
            )
            reader = _reader(feeder, delimiter)
            continue
        if feeder.problem is not None:
            kind, reason = feeder.problem
            yield RawRow(
                feeder.start,
                error_kind=kind,
                error=reason,
                end_line=feeder.line_no if spans else None,
            )
        elif "".join(values).strip():
            yield RawRow(feeder.start, values, end_line=feeder.line_no if spans else None)
        else:
            shape.blank_lines.extend(range(feeder.start, feeder.line_no + 1))


def _unreadable(feeder: LineFeeder, exc: csv.Error) -> RawRow:
    return RawRow(
        feeder.start, error_kind=QuarantineReason.UNREADABLE, error=f"line {feeder.start}: {exc}"
    )


def _malformed(lines: list[str], delimiter: str) -> bool:
    """Does a record that spans lines break CSV's quoting rules (read strictly)?"""
    try:
        records = list(
            csv.reader(
                io.StringIO("".join(lines), newline=""),
                delimiter=delimiter,
                quotechar='"',
                doublequote=True,
                strict=True,
            )
        )
    except csv.Error:
        return True
    return len(records) != 1


def _unclosed_quote(feeder: LineFeeder, how: str) -> RawRow:
    """The record's first line as an error row; its other lines are read again."""
    start, first = feeder.start, feeder.record_lines[:1]
    feeder.push_back(feeder.record_lines[1:])
    raw = first[0].rstrip("\r\n")[:200] if first else ""
    return RawRow(
        start,
        error_kind=QuarantineReason.UNCLOSED_QUOTE,
        error=f"line {start}: a quote opened on this line is never closed ({how}); this line "
        f"is set aside and reading resumed on line {start + 1}: {raw!r}",
    )


def _reader(feeder: LineFeeder, delimiter: str) -> Iterator[list[str]]:
    # Process-wide setting: only ever raised, so that LineFeeder's own cap, which can skip an
    # oversized record cleanly, is the one that applies rather than csv's mid-line error.
    if csv.field_size_limit() <= base.MAX_RECORD_CHARS:
        csv.field_size_limit(base.MAX_RECORD_CHARS + 1)
    return csv.reader(
        feeder,
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        skipinitialspace=False,
        strict=False,
    )
