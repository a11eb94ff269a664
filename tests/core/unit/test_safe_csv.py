"""One rule for spreadsheet formulas: every export neutralises them, ingest refuses them."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.core.safe_csv import SafeWriter, is_formula, restore
from leadflow.ingest.normalize import normalize_row
from leadflow.core.types import Quarantined

PAYLOADS = [
    '=HYPERLINK("http://evil.example","click")',
    "=cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "+SUM(A1:A9)",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
    " =cmd|'/C calc'!A0",
]
DATA = [
    "+1 (555) 123-4567",
    "+1 555 123 4567 ext. 12",
    "-12.5",
    "+44 20 7946 0958",
    "-",
    "Ada",
    "a@b.com",
    "",
    "O'Brien",
    "+1 (555) 123-4567 ext. 1234 / mobile +1 555 987 6543",
    "- VP Sales -",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formulas_and_dde_payloads_are_refused_at_ingest(payload: str) -> None:
    assert is_formula(payload)
    row = normalize_row({"email": "ada@example.com", "company": payload}, 1, 2)
    assert isinstance(row, Quarantined) and row.kind == "formula_cell" and "company" in row.reason


@pytest.mark.parametrize("value", DATA)
def test_numbers_phones_and_words_are_data(value: str) -> None:
    assert not is_formula(value)


def test_every_cell_of_an_export_is_neutralised_headers_included() -> None:
    handle = io.StringIO()
    writer = SafeWriter(handle)
    writer.writerow(['=HYPERLINK("x")', "email", 3])
    writer.writerows([["-2+3+cmd|' /C calc'!A0", "@x", -4], ["\tTAB", "\rCR", None]])
    rows = list(csv.reader(io.StringIO(handle.getvalue())))
    assert rows[0] == ['\'=HYPERLINK("x")', "email", "3"]
    assert rows[1] == ["'-2+3+cmd|' /C calc'!A0", "'@x", "-4"]  # a number stays a number
    assert rows[2] == ["'\tTAB", "'\rCR", ""]


@given(st.text() | st.sampled_from(["'=x", "''-1+cmd", "'+", "=", "'"]))
def test_what_an_export_neutralises_reads_back_as_it_was(cell: str) -> None:
    handle = io.StringIO()
    SafeWriter(handle).writerow([cell])
    [[back]] = list(csv.reader(io.StringIO(handle.getvalue()))) or [[""]]
    assert not back.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert restore(back) == cell
