"""Excel workbooks: sheet rows, cell values as text, header below a title block."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from leadflow.ingest.sources import RawRow, SourceInfo, open_source
from leadflow.core.errors import EmptySource, UnreadableSource


def read(path: Path, **options: str) -> tuple[SourceInfo, list[RawRow]]:
    with open_source(path, **options) as (info, rows):
        return info, list(rows)


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_values_become_text_and_rows_keep_sheet_numbers(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "leads.xlsx",
        {
            "Leads": [
                ["ON24 Attendee Report"],
                [],
                ["Email", "Employees", "Score", "Registered", "Day", "Opted In", "Phone", "Notes"],
                [
                    "a@x.com",
                    250,
                    0.1,
                    datetime(2026, 11, 10, 9, 30),
                    date(2026, 11, 10),
                    True,
                    13800138000.0,
                    '=HYPERLINK("mailto:a@x.com","a@x.com")',
                ],
                [],
                [
                    "b@x.com",
                    1200.0,
                    2.5,
                    datetime(2026, 11, 11),
                    None,
                    False,
                    "+86 138",
                    "Zoë 😀 李雷\tΩ",
                ],
            ]
        },
    )
    info, rows = read(path)
    assert info == SourceInfo(
        "xlsx",
        None,
        None,
        3,
        ["Email", "Employees", "Score", "Registered", "Day", "Opted In", "Phone", "Notes"],
        1,
    )
    assert rows == [
        RawRow(
            4,
            [
                "a@x.com",
                "250",
                "0.1",
                "2026-11-10T09:30:00",
                "2026-11-10",
                "TRUE",
                "13800138000",
                '=HYPERLINK("mailto:a@x.com","a@x.com")',
            ],
        ),
        RawRow(
            6, ["b@x.com", "1200", "2.5", "2026-11-11", "", "FALSE", "+86 138", "Zoë 😀 李雷\tΩ"]
        ),
    ]


def test_short_rows_are_padded_to_the_header_and_long_ones_kept(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "x.xlsx",
        {"S": [["Email", "Name", "Company"], ["a@x.com"], ["b@x.com", "B", "Co", None, "stray"]]},
    )
    _, rows = read(path)
    assert rows == [RawRow(2, ["a@x.com", "", ""]), RawRow(3, ["b@x.com", "B", "Co", "", "stray"])]


def test_stray_cell_far_right_does_not_widen_every_row(tmp_path: Path) -> None:
    path = workbook(tmp_path / "x.xlsx", {"S": [["Email", "Name"], ["a@x.com", "A"]]})
    book = openpyxl.load_workbook(path)
    book["S"]["Z40"] = " "
    book.save(path)
    info, rows = read(path)
    assert (info.headers, rows) == (["Email", "Name"], [RawRow(2, ["a@x.com", "A"])])


def test_first_sheet_by_default_and_sheet_by_name(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "x.xlsx", {"First": [["Email"], ["1@x.com"]], "Second": [["Email"], ["2@x.com"]]}
    )
    assert read(path)[1] == [RawRow(2, ["1@x.com"])]
    assert read(path, sheet="Second")[1] == [RawRow(2, ["2@x.com"])]
    with pytest.raises(UnreadableSource, match="no sheet named 'Third'; sheets: First, Second"):
        read(path, sheet="Third")


def test_duplicate_headers_in_a_sheet(tmp_path: Path) -> None:
    info, _ = read(
        workbook(
            tmp_path / "x.xlsx", {"S": [["Email", "Email", "Phone"], ["a@x.com", "b@x.com", 1]]}
        )
    )
    assert info.headers == ["Email", "Email (2)", "Phone"]


def test_empty_sheet_raises_and_header_only_has_no_rows(tmp_path: Path) -> None:
    with pytest.raises(EmptySource):
        read(workbook(tmp_path / "empty.xlsx", {"S": []}))
    assert read(workbook(tmp_path / "h.xlsx", {"S": [[None], ["Email", "Name"]]}))[1] == []


def test_not_a_workbook_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(UnreadableSource, match="fake.xlsx: not a readable .xlsx workbook"):
        read(path)


def test_xlsx_content_is_sniffed_without_extension(tmp_path: Path) -> None:
    path = workbook(tmp_path / "x.xlsx", {"S": [["Email"], ["a@x.com"]]})
    renamed = path.rename(tmp_path / "download")
    info, rows = read(renamed)
    assert (info.format, rows) == ("xlsx", [RawRow(2, ["a@x.com"])])


def test_damaged_sheet_gives_rows_then_one_error_row(tmp_path: Path) -> None:
    import zipfile

    path = workbook(tmp_path / "x.xlsx", {"S": [["Email"]] + [[f"{i}@x.com"] for i in range(200)]})
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet[: len(sheet) // 2]  # cut in the middle of the rows
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(damaged, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    _, rows = read(damaged)
    assert rows[0] == RawRow(2, ["0@x.com"]) and len(rows) > 10
    assert rows[-1].error_kind == "unreadable" and "re-save" in (rows[-1].error or "")
