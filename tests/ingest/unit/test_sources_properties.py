"""Properties of the CSV reader: exact round trips of csv-written tables, and bounded memory."""

from __future__ import annotations

import csv
import io
import os
import re
import sys
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadflow.ingest.sources import open_source
from leadflow.ingest.sources import text as source_text

HEADER = ["Email", "Name", "Company", "Title", "Phone"]
LINE_BREAK = re.compile(
    r"\r\n|\r|\n"
)  # what a person's editor counts as a line, as the reader does
# NUL is its own error case (nul_byte); surrogates cannot be written in any encoding.
ANY_TEXT = st.text(
    st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=12
)
TRICKY_TEXT = st.text(st.sampled_from(list(",;\t\"\r\n |'x é中😀\u2028\x85")), max_size=8)
CELL = st.one_of(ANY_TEXT, TRICKY_TEXT)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    width = draw(st.integers(2, len(HEADER)))
    rows = draw(st.lists(st.lists(CELL, min_size=1, max_size=width + 1), max_size=8))
    return HEADER[:width], rows


def csv_text(
    header: list[str], rows: list[list[str]], delimiter: str
) -> tuple[str, list[tuple[int, list[str]]]]:
    """The file text, and (starting line, values) for every row the reader should return."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    expected = []
    for row in rows:
        line_no = len(LINE_BREAK.findall(out.getvalue())) + 1
        writer.writerow(row)
        if "".join(row).strip():  # completely empty rows are skipped by design
            expected.append((line_no, row))
    return out.getvalue(), expected


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("roundtrip")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    table=tables(),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030"]),
    piece=st.sampled_from([1 << 20, 3]),
)
def test_csv_written_tables_read_back_exactly(
    folder: Path,
    table: tuple[list[str], list[list[str]]],
    delimiter: str,
    encoding: str,
    piece: int,
) -> None:
    header, rows = table
    content, expected = csv_text(header, rows, delimiter)
    path = folder / "table.csv"
    path.write_bytes(content.encode(encoding))  # every encoding here can represent every character
    # gb18030 has no BOM and random characters are no realistic sample to detect from, so the
    # test names it; detection of real GB18030 exports is tested in test_sources_csv.py.
    override = {"encoding": "gb18030"} if encoding == "gb18030" else {}
    original, source_text.PIECE_CHARS = source_text.PIECE_CHARS, piece  # 3: the long-line path
    try:
        with open_source(path, **override) as (info, stream):
            got = [(row.line_no, row.values) for row in stream]
    finally:
        source_text.PIECE_CHARS = original
    assert (info.headers, info.header_line, info.skipped_preamble, info.delimiter) == (
        header,
        1,
        0,
        delimiter,
    )
    assert got == expected


def test_reading_200k_rows_keeps_memory_flat(tmp_path: Path) -> None:
    # Laziness without timing: the file is ~13 MB; holding its rows would take far more than 4 MB.
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("First Name,Last Name,Email,Company,Country\r\n")
        for i in range(200_000):
            handle.write(
                f"Ada{i},Lovelace,ada.{i}@example.com,Analytical Engines Ltd,United Kingdom\r\n"
            )
    tracemalloc.start()
    try:
        count = 0
        with open_source(path) as (_, rows):
            for row in rows:
                count += 1
                assert row.values is not None
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000 and row.line_no == 200_001
    assert peak < 4 * 1024 * 1024, f"peak {peak:,} bytes"


@pytest.mark.skipif(sys.platform == "win32", reason="cutting a file that is open for reading")
def test_first_row_comes_before_the_file_is_read(tmp_path: Path) -> None:
    # Cut the file on disk once the first row is out: a reader that had already read (or
    # materialised) the file would still return every row; a lazy one stops at the cut.
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("Email,Name\n")
        handle.writelines(f"user{i}@example.com,User {i}\n" for i in range(400_000))  # ~11 MB
    with open_source(path) as (_, rows):
        first = next(rows)
        os.truncate(path, 3 * 1024 * 1024)
        rest = sum(1 for _ in rows)
    assert first.line_no == 2 and rest < 150_000
