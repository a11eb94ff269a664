"""JSON and JSON Lines campaign files: shapes, value text, broken records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leadflow.ingest.sources import RawRow, SourceInfo, open_source
from leadflow.core.errors import EmptySource, UnreadableSource
from leadflow.ingest.sources import base, records


def read(path: Path, **options: str) -> tuple[SourceInfo, list[RawRow]]:
    with open_source(path, **options) as (info, rows):
        return info, list(rows)


def write(path: Path, content: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(content.encode(encoding))
    return path


def kinds(rows: list[RawRow]) -> list[tuple[int, str | None]]:
    return [(row.line_no, row.error_kind) for row in rows]


# --- JSON ------------------------------------------------------------------------------------


def test_json_array_values_become_text(tmp_path: Path) -> None:
    leads = [
        {
            "email": "a@x.com",
            "employees": 250,
            "phone": 13800138000.0,
            "score": 2.5,
            "opt_in": True,
            "fax": None,
            "tags": ["cfo", "emea"],
            "address": {"city": "Köln", "zip": "50667"},
        },
        {"Email": "李雷@例子.cn", "名": "雷"},
    ]
    info, rows = read(
        write(tmp_path / "leads.json", json.dumps(leads, ensure_ascii=False, indent=2))
    )
    assert info == SourceInfo("json", "utf-8", None, 0, [], 0)
    assert rows == [
        RawRow(
            1,
            record={
                "email": "a@x.com",
                "employees": "250",
                "phone": "13800138000",
                "score": "2.5",
                "opt_in": "true",
                "fax": "",
                "tags": '["cfo","emea"]',
                "address": '{"city":"Köln","zip":"50667"}',
            },
        ),
        RawRow(2, record={"Email": "李雷@例子.cn", "名": "雷"}),
    ]


def test_json_object_holding_a_list_of_leads(tmp_path: Path) -> None:
    content = json.dumps(
        {
            "exported": "2026-11-12",
            "count": 2,
            "tags": ["a", "b"],
            "empty": [],
            "meta": {"fields": [{"name": "email"}]},
            "leads": [{"email": "a@x.com"}, {"email": "b@x.com"}],
            "after": [{"x": 1}],
        }
    )
    _, rows = read(write(tmp_path / "export.json", content))
    assert rows == [RawRow(1, record={"email": "a@x.com"}), RawRow(2, record={"email": "b@x.com"})]


@pytest.mark.parametrize("content", ["[]", " [ ] ", '{"leads": []}', '{"count": 0, "leads": [ ]}'])
def test_json_with_no_records_has_no_rows(tmp_path: Path, content: str) -> None:
    assert read(write(tmp_path / "x.json", content))[1] == []


def test_json_non_object_elements_are_error_rows(tmp_path: Path) -> None:
    content = '[{"email": "a@x.com"}, "b@x.com", [1, 2], null, {}, {"email": "c@x.com"}]'
    _, rows = read(write(tmp_path / "x.json", content))
    assert kinds(rows) == [
        (1, None),
        (2, "not_an_object"),
        (3, "not_an_object"),
        (4, "not_an_object"),
        (6, None),
    ]
    assert "element 2: a str" in (rows[1].error or "")


def test_json_broken_element_ends_the_file_after_the_good_rows(tmp_path: Path) -> None:
    content = '[\n{"email": "a@x.com"},\n{"email": "b@x.com",},\n{"email": "c@x.com"}\n]'
    _, rows = read(write(tmp_path / "x.json", content))
    assert kinds(rows) == [(1, None), (2, "invalid_json")]
    assert "element 2 (line 3)" in (rows[1].error or "")


@pytest.mark.parametrize(
    "content", ['[{"email": "a@x.com"} {"email": "b@x.com"}]', '[{"email": "a@x.com"},']
)
def test_json_missing_comma_or_truncated(tmp_path: Path, content: str) -> None:
    _, rows = read(write(tmp_path / "x.json", content))
    assert kinds(rows) == [(1, None), (2, "invalid_json")]


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("", EmptySource),
        ("  \n", EmptySource),
        ("42", UnreadableSource),
        ('{"count": 1}', UnreadableSource),
        ('{"count": 1, "x": ', UnreadableSource),
        ('{"tags": ["a"]}', UnreadableSource),
    ],
)
def test_json_of_the_wrong_shape_raises(
    tmp_path: Path, content: str, error: type[Exception]
) -> None:
    with pytest.raises(error, match="x.json"):
        read(write(tmp_path / "x.json", content))


def test_json_is_streamed_across_small_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tiny chunks put numbers, strings and escapes across chunk ends; values must not be cut.
    leads = [
        {"email": f"u{i}@x.com", "n": i * 1001, "f": i / 8, "s": 'a"b\\c\u00e9\u4e2d' * (i % 3)}
        for i in range(300)
    ]
    path = write(tmp_path / "x.json", json.dumps({"leads": leads}))
    expected = read(path)[1]
    monkeypatch.setattr(records, "CHUNK_CHARS", 7)
    assert read(path)[1] == expected
    assert expected[299] == RawRow(
        300,
        record={"email": "u299@x.com", "n": "299299", "f": "37.375", "s": 'a"b\\c\u00e9\u4e2d' * 2},
    )


def test_json_element_over_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "MAX_RECORD_CHARS", 1000)
    content = json.dumps(
        [{"email": "a@x.com"}, {"email": "b@x.com", "blob": "z" * 5000}, {"email": "c@x.com"}]
    )
    _, rows = read(write(tmp_path / "x.json", content))
    assert kinds(rows) == [(1, None), (2, "field_too_large"), (3, None)]
    # One that never ends is read only up to about the cap, then reported.
    content = '[{"email": "a@x.com"}, {"blob": "' + "z" * 200_000
    _, rows = read(write(tmp_path / "x.json", content))
    assert kinds(rows) == [(1, None), (2, "field_too_large")] and "never closed" in (
        rows[1].error or ""
    )


def test_json_utf16_and_undecodable_values(tmp_path: Path) -> None:
    assert read(write(tmp_path / "u.json", '[{"email": "ü@x.com"}]', "utf-16"))[1] == [
        RawRow(1, record={"email": "ü@x.com"})
    ]
    path = tmp_path / "bad.json"
    path.write_bytes(b'[{"email": "a@x.com"}, {"name": "Ren\xe9"}]')
    _, rows = read(path, encoding="utf-8")
    assert kinds(rows) == [(1, None), (2, "undecodable")] and "b'\\xe9'" in (rows[1].error or "")


# --- JSON Lines ------------------------------------------------------------------------------


def test_jsonl_broken_line_is_one_error_row(tmp_path: Path) -> None:
    content = (
        '\ufeff{"email": "a@x.com"}\r\n\r\n{"email": "b@x.com",\n["not", "an", "object"]\n'
        '{"email": "c@x.com", "n": 7}\n'
    )
    info, rows = read(write(tmp_path / "x.jsonl", content))
    assert (info.format, info.header_line, info.headers) == ("jsonl", 0, [])
    assert kinds(rows) == [(1, None), (3, "invalid_json"), (4, "not_an_object"), (5, None)]
    assert rows[1].error is not None and rows[1].error.startswith("line 3: ")
    assert rows[3].record == {"email": "c@x.com", "n": "7"}


def test_jsonl_oversized_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "MAX_RECORD_CHARS", 100)
    content = '{"email": "a@x.com"}\n{"blob": "' + "z" * 1000 + '"}\n{"email": "c@x.com"}\n'
    _, rows = read(write(tmp_path / "x.ndjson", content))
    assert kinds(rows) == [(1, None), (2, "field_too_large"), (3, None)]


def test_jsonl_undecodable_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"email": "a@x.com"}\n{"name": "Ren\xe9"}\n\xff\n{"email": "c@x.com"}\n')
    _, rows = read(path, encoding="utf-8")
    assert kinds(rows) == [(1, None), (2, "undecodable"), (3, "undecodable"), (4, None)]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('[{"email": "a@x.com"}]', "json"),
        ('{"leads": [{"email": "a@x.com"}]}', "json"),
        ('{\n  "leads": [{"email": "a@x.com"}]\n}', "json"),
        ('{"email": "a@x.com"}\n{"email": "b@x.com"}\n', "jsonl"),
        ("Email,Name\na@x.com,A\n", "csv"),
    ],
)
def test_format_is_sniffed_when_the_extension_is_unknown(
    tmp_path: Path, content: str, expected: str
) -> None:
    info, rows = read(write(tmp_path / "export.dat", content))
    assert info.format == expected and rows[0].line_no == (2 if expected == "csv" else 1)


def test_file_format_overrides_the_extension(tmp_path: Path) -> None:
    info, rows = read(write(tmp_path / "leads.csv", '{"email": "a@x.com"}\n'), file_format="jsonl")
    assert (info.format, rows) == ("jsonl", [RawRow(1, record={"email": "a@x.com"})])
    with pytest.raises(ValueError, match="file_format must be one of"):
        read(tmp_path / "leads.csv", file_format="xml")
