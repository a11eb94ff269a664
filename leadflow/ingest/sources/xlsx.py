"""Excel workbooks (.xlsx), read row by row with openpyxl's read-only mode."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any, BinaryIO

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from leadflow.ingest.sources.base import RawRow, SourceInfo, number_text
from leadflow.core.errors import UnreadableSource
from leadflow.ingest.sources.detect import unique_headers
from leadflow.ingest.sources.tabular import split_header
from leadflow.core.statuses import QuarantineReason

# What openpyxl raises for a file that is not a workbook or is damaged at open.
_NOT_A_WORKBOOK = (
    InvalidFileException,
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    OSError,
    SyntaxError,
)


@contextmanager
def open_xlsx(
    raw: BinaryIO, name: str, sheet: str | None
) -> Iterator[tuple[SourceInfo, Iterator[RawRow]]]:
    """The first sheet (or `sheet`), formulas as written (`=HYPERLINK(...)`), not their cached values.

    Rows are cut after their last non-empty cell and padded with "" to the header's width:
    a sheet has no ragged rows, only empty cells, and a stray cell far right must not make
    every row look ragged. A value beyond the header's width is kept (the row stays longer).
    """
    try:
        workbook = openpyxl.load_workbook(raw, read_only=True, data_only=False)
    except _NOT_A_WORKBOOK as exc:
        raise UnreadableSource(
            f"{name}: not a readable .xlsx workbook ({exc}); re-save it from Excel"
        ) from exc
    try:
        worksheet = _worksheet(workbook, sheet, name)
        worksheet.reset_dimensions()  # trust the cells, not the size the writer declared
        header, skipped, rows = split_header(_sheet_rows(worksheet), name)
        width = len(header.values or [])
        info = SourceInfo(
            format="xlsx",
            encoding=None,
            delimiter=None,
            header_line=header.line_no,
            headers=unique_headers(header.values or []),
            skipped_preamble=skipped,
        )
        yield info, (_padded(row, width) for row in rows)
    finally:
        workbook.close()


def _worksheet(workbook: Any, sheet: str | None, name: str) -> Any:
    if sheet is None:
        if not workbook.worksheets:
            raise UnreadableSource(f"{name}: the workbook has no worksheet")
        return workbook.worksheets[0]
    if sheet not in workbook.sheetnames:
        raise UnreadableSource(
            f"{name}: no sheet named {sheet!r}; sheets: {', '.join(workbook.sheetnames)}"
        )
    return workbook[sheet]


def _sheet_rows(worksheet: Any) -> Iterator[RawRow]:
    cells = worksheet.iter_rows(
        min_row=1, values_only=True
    )  # one tuple per sheet row, gaps included
    row_no = 0
    while True:
        try:
            row = next(cells)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001
            # A damaged sheet fails inside openpyxl or the XML parser with any exception type;
            # it becomes one error row, and the parser cannot resume, so reading stops there.
            yield RawRow(
                row_no + 1,
                error_kind=QuarantineReason.UNREADABLE,
                error=f"row {row_no + 1}: the sheet cannot be read from here on ({exc}); re-save it",
            )
            return
        row_no += 1
        values = [cell_text(value) for value in row]
        while values and values[-1] == "":
            values.pop()
        if "".join(values).strip():
            yield RawRow(row_no, values)


def _padded(row: RawRow, width: int) -> RawRow:
    if row.values is None or len(row.values) >= width:
        return row
    return RawRow(row.line_no, row.values + [""] * (width - len(row.values)))


def cell_text(value: object) -> str:
    """A cell as text: ints without ".0", dates ISO (a date at midnight as the date alone)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)
