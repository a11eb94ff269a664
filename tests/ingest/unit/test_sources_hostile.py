"""Hostile CSVs: an unclosed quote costs its own line, not the file; every physical line is
accounted for (header, record, error row or blank line), whatever the lines hold."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadflow.ingest.sources import open_source
from leadflow.ingest.sources.base import RawRow

HEADER = b"Email,First Name,Last Name,Company,Phone\n"


def good(i: int) -> bytes:
    return f"lead{i}@example.com,Ada,Lovelace,Acme {i},+1 202 555 {i % 10000:04d}\n".encode()


def read(path: Path) -> tuple[list[RawRow], list[int], int]:
    with open_source(path) as (info, rows):
        rows = list(rows)
        return rows, list(info.blank_lines), info.header_line


def test_one_unclosed_quote_costs_its_own_line_not_the_990_after_it(tmp_path: Path) -> None:
    lines = [good(i) for i in range(1000)]
    lines[9] = (
        b'lead9@example.com,"Ada,Lovelace,Acme,+1 202 555 0009\n'  # the quote is never closed
    )
    path = tmp_path / "broken.csv"
    path.write_bytes(HEADER + b"".join(lines))
    rows, blank, _ = read(path)
    errors = [row for row in rows if row.error_kind]
    assert [(row.line_no, row.error_kind) for row in errors] == [(11, "unclosed_quote")]
    assert "line 11" in errors[0].error and "resumed on line 12" in errors[0].error
    assert len([row for row in rows if row.values]) == 999 and blank == []
    assert [row.line_no for row in rows] == list(range(2, 1002))


def test_a_quote_closed_on_a_later_line_is_a_record_when_it_fits_the_header(tmp_path: Path) -> None:
    path = tmp_path / "address.csv"
    path.write_bytes(
        HEADER + good(0) + b'ada@example.com,Ada,Lovelace,"Acme\nBuilding 2",+1\n' + good(2)
    )
    rows, _, _ = read(path)
    assert [(row.line_no, row.end_line) for row in rows] == [(2, None), (3, 4), (5, None)]
    assert rows[1].values == ["ada@example.com", "Ada", "Lovelace", "Acme\nBuilding 2", "+1"]


def test_blank_lines_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_bytes(HEADER + good(0) + b"\n,,,,\n" + good(1) + b"\r\n")
    rows, blank, _ = read(path)
    assert [row.line_no for row in rows] == [2, 5] and blank == [3, 4, 6]


HOSTILE_LINES = st.one_of(
    st.integers(0, 9999).map(good),
    st.just(b"\n"),
    st.just(b",,,,\n"),
    st.sampled_from(
        [
            b'=HYPERLINK("http://x"),a,b,c,d\n',
            b"a@b.com,=cmd|' /C calc'!A0,x,y,z\n",
            b"a@b.com,-2+3+cmd|' /C calc'!A0,x,y,z\n",
            b"a@b.com,@SUM(A1),x,y,z\n",
        ]
    ),
    st.sampled_from(
        [
            "a@b.com,\u202eAda,Love\u2066lace,x,y\n".encode(),
            b"a@b.com,A\x00da,x,y,z\n",
            b"a@b.com,\xff\xfeAda,x,y,z\n",
            b"a@b.com,\xc3,x,y,z\n",
        ]
    ),
    st.sampled_from(
        [b'a@b.com,"open,x,y,z\n', b'"\n', b'a@b.com,x,y,"z\n', b'a@b.com,"x"y",z,w,v\n']
    ),
    st.integers(1, 3000).map(lambda n: b"a@b.com," + b"L" * n + b",x,y,z\n"),
    st.lists(
        st.sampled_from([b"a", b",", b'"', b" ", b"\t", b"\xe4\xb8\xad", b"="]), max_size=12
    ).map(lambda parts: b"".join(parts) + b"\n"),
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(HOSTILE_LINES, max_size=40))
def test_every_physical_line_of_a_hostile_file_is_accounted_for_once(
    tmp_path: Path, lines: list[bytes]
) -> None:
    path = tmp_path / "hostile.csv"
    path.write_bytes(HEADER + b"".join(lines))
    rows, blank, header_line = read(path)
    covered = [header_line, *blank]
    for row in rows:
        covered += range(row.line_no, (row.end_line or row.line_no) + 1)
    assert sorted(covered) == list(range(1, len(lines) + 2))
