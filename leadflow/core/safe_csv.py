"""The one CSV writer of every export, and the one rule for spreadsheet formulas.

A cell that starts with ``= + - @``, a tab or a carriage return runs as a formula when
the file is opened in a spreadsheet (CSV injection: ``=HYPERLINK(...)``, DDE payloads
such as ``=cmd|' /C calc'!A0`` or ``-2+3+cmd|...``). OWASP's rule: such a cell is written
with a leading apostrophe, headers included. Ingest refuses the cells a spreadsheet would
run: any starting with ``=`` or ``@``, and those starting with ``+`` or ``-`` that call a
function or carry a DDE pipe or a sheet reference; a phone number (``+1 (555) 123-4567 ext.
12 / mobile ...``) or a signed number is data.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# After a leading + or -: what makes it a formula (a call, a DDE pipe, a sheet reference).
_FORMULA_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\s*\(|[|!]")


def neutralise(cell: Any) -> Any:
    """A string cell made inert in a spreadsheet; numbers and None pass as they are.

    A cell already written as ``'=...`` gets its apostrophe too, so ``restore`` is exact.
    """
    if isinstance(cell, str) and cell.lstrip("'").startswith(FORMULA_START):
        return f"'{cell}"
    return cell


def restore(cell: str) -> str:
    """The cell as it was before ``neutralise`` (reading an export back in)."""
    return cell[1:] if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_START) else cell


def is_formula(value: str) -> bool:
    """Would a spreadsheet run this input cell? Leading blanks do not hide one."""
    text = value.lstrip(" \t\r\n")
    if not text.startswith(FORMULA_START) or len(text) < 2:
        return False
    return text[0] in "=@" or bool(_FORMULA_PART.search(text))


class SafeWriter:
    """``csv.writer`` whose every cell, header row included, goes through ``neutralise``."""

    def __init__(self, handle: TextIO, **options: Any):
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
