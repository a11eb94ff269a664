"""CSV and TSV campaign files: encodings, delimiters, header detection, bad input."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from leadflow.core.errors import PermanentError, SourceNotFound
from leadflow.ingest.sources import RawRow, SourceInfo, open_source
from leadflow.core.errors import EmptySource, UnreadableSource
from leadflow.ingest.sources import base, text

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sources"


def read(path: Path, **options: str) -> tuple[SourceInfo, list[RawRow]]:
    with open_source(path, **options) as (info, rows):
        return info, list(rows)


def write(path: Path, content: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(content.encode(encoding))
    return path


def table(rows: list[RawRow]) -> list[tuple[int, list[str] | None]]:
    return [(row.line_no, row.values) for row in rows]


# --- encodings -------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_utf8_with_and_without_bom(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path / "leads.csv", "Email,Name\r\nzoë@example.com,Zoë Ölund\r\n", encoding)
    info, rows = read(path)
    assert info == SourceInfo("csv", encoding, ",", 1, ["Email", "Name"], 0)
    assert table(rows) == [(2, ["zoë@example.com", "Zoë Ölund"])]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_with_bom_is_excel_unicode_text(tmp_path: Path, encoding: str) -> None:
    # Excel's "Unicode text" (.txt): UTF-16 with a BOM, tab-separated, CRLF.
    content = "\ufeffEmail\tName\tCompany\r\nli@example.cn\t李雷\tACME, Inc.\r\nann@example.com\tAnn\t\r\n"
    info, rows = read(write(tmp_path / "export.txt", content, encoding))
    assert (info.format, info.encoding, info.delimiter, info.headers) == (
        "tsv",
        "utf-16",
        "\t",
        ["Email", "Name", "Company"],
    )
    assert table(rows) == [
        (2, ["li@example.cn", "李雷", "ACME, Inc."]),
        (3, ["ann@example.com", "Ann", ""]),
    ]


def test_gb18030_chinese_export_is_detected(tmp_path: Path) -> None:
    lines = ["姓名,公司名称,邮箱,手机,职位,省份"] + [
        f"王芳{i},上海云帆智能科技有限公司,wangfang{i}@yunfan.cn,1380013{i:04d},市场总监,上海市"
        for i in range(30)
    ]
    info, rows = read(write(tmp_path / "tradeshow.csv", "\r\n".join(lines) + "\r\n", "gb18030"))
    assert info.encoding == "gb18030"
    assert info.headers == ["姓名", "公司名称", "邮箱", "手机", "职位", "省份"]
    assert len(rows) == 30 and rows[0] == RawRow(
        2,
        [
            "王芳0",
            "上海云帆智能科技有限公司",
            "wangfang0@yunfan.cn",
            "13800130000",
            "市场总监",
            "上海市",
        ],
    )


def test_explicit_encoding_wins(tmp_path: Path) -> None:
    path = write(tmp_path / "leads.csv", "Email,Name\nj@example.de,José Müller\n", "cp1252")
    info, rows = read(path, encoding="CP1252")
    assert info.encoding == "cp1252" and rows[0].values == ["j@example.de", "José Müller"]
    # Wrong on purpose: still the caller's choice, and nothing is flagged (latin-1 decodes anything).
    _, rows = read(path, encoding="latin-1")
    assert rows[0].values == ["j@example.de", "José Müller"]
    with pytest.raises(UnreadableSource, match="unknown encoding"):
        read(path, encoding="no-such-codec")


def test_undecodable_line_is_an_error_row_and_the_rest_flows(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes(
        b"Email,Name\nann@example.com,Ann\nrene@example.fr,Ren\xe9\nbo@example.com,Bo\n"
    )
    _, rows = read(path, encoding="utf-8")
    assert table(rows) == [
        (2, ["ann@example.com", "Ann"]),
        (3, None),
        (4, ["bo@example.com", "Bo"]),
    ]
    assert rows[1].error_kind == "undecodable"
    assert "b'\\xe9'" in (rows[1].error or "") and "utf-8" in (rows[1].error or "")


def test_undecodable_line_after_the_detection_sample(tmp_path: Path) -> None:
    # Detection sees clean UTF-8 in its bounded sample; a Latin-1 line further on is one error row.
    good = "".join(f"user{i}@example.com,Name {i}\n" for i in range(60_000))  # > 1 MiB
    path = tmp_path / "leads.csv"
    path.write_bytes(
        b"Email,Name\n" + good.encode() + b"rene@example.fr,Ren\xe9\nlast@example.com,Last\n"
    )
    info, rows = read(path)
    assert info.encoding == "utf-8" and len(rows) == 60_002
    assert (rows[-2].line_no, rows[-2].error_kind) == (60_002, "undecodable")
    assert rows[-1] == RawRow(60_003, ["last@example.com", "Last"])


def test_broken_utf16_code_unit_does_not_stop_the_stream(tmp_path: Path) -> None:
    # A lone high surrogate: its bytes include 0x00, which errors="surrogateescape" would refuse.
    data = codecs.BOM_UTF16_LE + "Email\tName\r\na@example.com\t".encode("utf-16-le") + b"\x00\xd8"
    data += "A\r\nb@example.com\tB\r\n".encode("utf-16-le")
    _, rows = read(write_bytes(tmp_path / "u.txt", data))
    assert [(r.line_no, r.error_kind) for r in rows] == [(2, "undecodable"), (3, None)]
    assert rows[1].values == ["b@example.com", "B"]


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- delimiters and header -------------------------------------------------------------------


def test_zoom_preamble_is_skipped(tmp_path: Path) -> None:
    info, rows = read(FIXTURES / "zoom_attendee_report.csv")
    assert (info.header_line, info.skipped_preamble, info.delimiter) == (7, 5, ",")
    assert info.headers[:4] == ["Attended", "First Name", "Last Name", "Email"]
    assert [r.line_no for r in rows] == [8, 9, 11]
    assert rows[1].values is not None and rows[1].values[4] == "Compilers, Inc."
    assert rows[2].values is not None and rows[2].values[4] == 'Bletchley "Park" Trust'


def test_header_without_email_is_the_row_with_most_aliases(tmp_path: Path) -> None:
    content = "Exported by,CRM\nFirst Name,Last Name,Company\nAda,Lovelace,Engines\n"
    info, rows = read(write(tmp_path / "x.csv", content))
    assert (info.header_line, info.skipped_preamble, table(rows)) == (
        2,
        1,
        [(3, ["Ada", "Lovelace", "Engines"])],
    )


def test_header_defaults_to_first_non_empty_row(tmp_path: Path) -> None:
    info, rows = read(write(tmp_path / "x.csv", "\n\nfoo,bar\n1,2\n"))
    assert (info.header_line, info.headers, info.skipped_preamble, table(rows)) == (
        3,
        ["foo", "bar"],
        0,
        [(4, ["1", "2"])],
    )


@pytest.mark.parametrize(
    ("name", "delimiter"), [("a.tsv", "\t"), ("a.csv", ";"), ("a.csv", "|"), ("a.dat", ";")]
)
def test_delimiter_is_sniffed(tmp_path: Path, name: str, delimiter: str) -> None:
    content = (
        delimiter.join(["Email", "Company", "Notes"])
        + "\n"
        + delimiter.join(["a@example.com", "Müller, Schmidt & Co", "likes; commas, and | pipes"])
        + "\n"
    )
    info, rows = read(write(tmp_path / name, content.replace("likes; commas, and | pipes", '"x"')))
    assert (info.delimiter, info.format) == (delimiter, "tsv" if delimiter == "\t" else "csv")
    assert rows[0].values == ["a@example.com", "Müller, Schmidt & Co", "x"]


def test_semicolon_csv_with_commas_in_values(tmp_path: Path) -> None:
    content = 'E-Mail;Firma;Ort\nx@example.de;Meier, Söhne GmbH;Köln\ny@example.de;"A;B";Bonn\n'
    info, rows = read(write(tmp_path / "de.csv", content))
    assert info.delimiter == ";"
    assert table(rows) == [
        (2, ["x@example.de", "Meier, Söhne GmbH", "Köln"]),
        (3, ["y@example.de", "A;B", "Bonn"]),
    ]


def test_file_format_tsv_forces_tabs(tmp_path: Path) -> None:
    info, rows = read(
        write(tmp_path / "x.csv", "Email\tName, Full\na@b.com\tA, B\n"), file_format="tsv"
    )
    assert (info.format, info.headers, rows[0].values) == (
        "tsv",
        ["Email", "Name, Full"],
        ["a@b.com", "A, B"],
    )


# --- record structure ------------------------------------------------------------------------


def test_embedded_newlines_keep_the_starting_line(tmp_path: Path) -> None:
    content = (
        'Email,Notes\r\na@x.com,"line one\r\nline two"\r\nb@x.com,plain\r\n'
        'c@x.com,"three\nlines\rhere, ""quoted"""\r\nd@x.com,end\r\n'
    )
    _, rows = read(write(tmp_path / "x.csv", content))
    assert table(rows) == [
        (2, ["a@x.com", "line one\r\nline two"]),
        (4, ["b@x.com", "plain"]),
        (5, ["c@x.com", 'three\nlines\rhere, "quoted"']),
        (8, ["d@x.com", "end"]),
    ]


def test_tiny_read_pieces_give_the_same_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Forces every line through the long-line path, including "\r\n" split between two reads.
    content = (
        'Email,Notes\r\na@x.com,"one\r\ntwo"\r\nbb@x.com,plain\r\r\nc@x.com,"x\ry"\rd@x.com,end'
    )
    path = write(tmp_path / "x.csv", content)
    expected = read(path)
    for size in (1, 2, 3, 4, 5, 7):
        monkeypatch.setattr(text, "PIECE_CHARS", size)
        assert read(path) == expected
    assert [r.line_no for r in expected[1]] == [2, 4, 6, 8]


def test_duplicate_headers_are_suffixed_and_kept(tmp_path: Path) -> None:
    info, rows = read(
        write(tmp_path / "x.csv", "Email, Name ,Email,Email\na@x.com,A,b@x.com,c@x.com\n")
    )
    assert info.headers == ["Email", "Name", "Email (2)", "Email (3)"]
    assert rows[0].values == ["a@x.com", "A", "b@x.com", "c@x.com"]


def test_ragged_rows_are_returned_as_is(tmp_path: Path) -> None:
    _, rows = read(
        write(tmp_path / "x.csv", "Email,Name,Company\na@x.com\nb@x.com,B,Co,extra,more\n")
    )
    assert table(rows) == [(2, ["a@x.com"]), (3, ["b@x.com", "B", "Co", "extra", "more"])]


def test_empty_and_blank_rows_are_skipped(tmp_path: Path) -> None:
    _, rows = read(write(tmp_path / "x.csv", "Email,Name\n\n,\n  , \t\na@x.com,A\n\n"))
    assert table(rows) == [(5, ["a@x.com", "A"])]


def test_text_is_returned_unchanged(tmp_path: Path) -> None:
    cells = [
        '=HYPERLINK("mailto:a@x.com","a@x.com")',
        "Zoë 😀 李雷 Ωμέγα",
        "bell\x07tab\x0bend\x1f\u2028",
        " padded ",
    ]
    formula = '"=HYPERLINK(""mailto:a@x.com"",""a@x.com"")"'
    content = "Email,Name,Notes,Company\n" + ",".join([formula] + cells[1:]) + "\n"
    _, rows = read(write(tmp_path / "x.csv", content))
    assert rows[0].values == cells


def test_nul_byte_row_is_an_error_and_the_rest_flows(tmp_path: Path) -> None:
    _, rows = read(write(tmp_path / "x.csv", "Email,Name\na@x.com,A\nb@x.com,B\x00B\nc@x.com,C\n"))
    assert [(r.line_no, r.error_kind) for r in rows] == [(2, None), (3, "nul_byte"), (4, None)]
    assert rows[2].values == ["c@x.com", "C"]


# --- large records (test sizes 6-12 MB; the cap is 10 MiB characters, a 100 MB field behaves like 12 MB)


def test_large_field_under_the_cap_is_read(tmp_path: Path) -> None:
    big = "x" * (6 * 1024 * 1024)
    _, rows = read(write(tmp_path / "x.csv", f'Email,Notes\na@x.com,"{big}"\nb@x.com,B\n'))
    assert table(rows)[1] == (3, ["b@x.com", "B"])
    assert rows[0].values is not None and rows[0].values[1] == big


def test_a_100_mb_field_is_one_error_row_and_the_next_row_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open(
        "w", encoding="utf-8"
    ) as handle:  # written in chunks: the test holds no 100 MB string
        handle.write('Email,Notes\na@x.com,"')
        for _ in range(100):
            handle.write("z" * (1024 * 1024))
        handle.write('"\nb@x.com,B\n')
    _, rows = read(path)
    assert [(r.line_no, r.error_kind) for r in rows] == [(2, "field_too_large"), (3, None)]
    assert rows[1].values == ["b@x.com", "B"]


def test_field_over_the_cap_is_an_error_row(tmp_path: Path) -> None:
    big = "y" * (12 * 1024 * 1024) + "\n,\n"  # 12 MiB inside quotes, ending on a later line
    _, rows = read(write(tmp_path / "x.csv", f'Email,Notes\na@x.com,"{big}"\nb@x.com,B\n'))
    assert [(r.line_no, r.error_kind) for r in rows] == [(2, "field_too_large"), (5, None)]
    assert "10,485,760 characters" in (rows[0].error or "")


def test_long_unquoted_line_over_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "MAX_RECORD_CHARS", 1000)
    monkeypatch.setattr(text, "PIECE_CHARS", 64)
    content = "Email,Notes\na@x.com," + "z" * 5000 + ',"q""x"\nb@x.com,B\n'
    _, rows = read(write(tmp_path / "x.csv", content))
    assert [(r.line_no, r.error_kind, r.values) for r in rows] == [
        (2, "field_too_large", None),
        (3, None, ["b@x.com", "B"]),
    ]


def test_unclosed_quote_is_one_error_row_not_the_whole_file_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "MAX_RECORD_CHARS", 1000)
    content = 'Email,Notes\na@x.com,ok\nb@x.com,"never closed\n' + "c@x.com,C\n" * 500
    _, rows = read(write(tmp_path / "x.csv", content))
    assert [(r.line_no, r.error_kind) for r in rows] == [(2, None), (3, "field_too_large")]
    assert "never closed" in (rows[1].error or "") and "lines 3-503" in (rows[1].error or "")


# --- whole-file problems ---------------------------------------------------------------------


@pytest.mark.parametrize("content", ["", "\n\n  \r\n", "\ufeff"])
def test_empty_file_raises_empty_source(tmp_path: Path, content: str) -> None:
    with pytest.raises(EmptySource, match="x.csv") as caught:
        read(write(tmp_path / "x.csv", content, "utf-8-sig" if content == "\ufeff" else "utf-8"))
    assert isinstance(caught.value, PermanentError) and "\n" not in str(caught.value)


def test_header_only_has_no_rows(tmp_path: Path) -> None:
    info, rows = read(write(tmp_path / "x.csv", "Email,Name\r\n"))
    assert (info.headers, rows) == (["Email", "Name"], [])


@pytest.mark.parametrize("make", [lambda p: p / "missing.csv", lambda p: p])
def test_missing_file_raises_source_not_found(tmp_path: Path, make) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SourceNotFound):
        read(make(tmp_path))


def test_legacy_xls_is_refused_clearly_but_text_named_xls_is_read(tmp_path: Path) -> None:
    with pytest.raises(UnreadableSource, match=r"\.xlsx or CSV"):
        read(write_bytes(tmp_path / "old.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100))
    info, rows = read(write(tmp_path / "export.xls", "Email\tName\na@x.com\tA\n"))
    assert (info.format, rows) == ("tsv", [RawRow(2, ["a@x.com", "A"])])
