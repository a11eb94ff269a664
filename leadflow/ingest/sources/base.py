"""What a campaign-file reader hands back: rows, facts about the file, and its errors."""

from __future__ import annotations

from dataclasses import dataclass, field


# One record (a CSV record, a JSON element or line) larger than this becomes a "field_too_large"
# error row instead of being read: no lead field is megabytes long, and the cap bounds memory when
# a quote is never closed and the rest of the file would otherwise become one field.
# Read at call time, so tests can lower it.
MAX_RECORD_CHARS = 10 * 1024 * 1024
# A quoted field may hold line breaks (an address), but a record running over this many
# physical lines is an unclosed quote: its first line is quarantined and reading resumes on
# the next line. Read at call time, so tests (and a caller who knows the file) can change it.
MAX_RECORD_LINES = 100

# The header must be within the first this-many non-empty rows (webinar report preambles).
HEADER_SCAN_ROWS = 50


@dataclass(frozen=True)
class RawRow:
    """One row as read. Exactly one of values, record or error_kind is set."""

    line_no: (
        int  # where a person finds it: CSV/TSV/JSONL line where it starts, XLSX row, JSON index
    )
    values: list[str] | None = None  # a table row, aligned to the headers, as-is (may be ragged)
    record: dict[str, str] | None = None  # a JSON / JSON Lines object, values as strings
    error_kind: str | None = None  # "undecodable", "field_too_large", "invalid_json", ...
    error: str | None = None  # the human reason, naming what to fix
    end_line: int | None = None  # the last physical line a multi-line record spans


@dataclass(frozen=True)
class SourceInfo:
    format: str  # "csv" | "tsv" | "xlsx" | "json" | "jsonl"
    encoding: str | None  # the codec used (None for xlsx)
    delimiter: str | None  # None for xlsx, json, jsonl
    header_line: int  # 1-based line/row of the header (0 for json/jsonl)
    headers: list[str]  # as written, stripped; repeats suffixed: "Email", "Email (2)"
    skipped_preamble: (
        int  # non-empty rows above the header that were skipped (blank lines not counted)
    )
    # Blank lines, filled in as the rows are read: every physical line is accounted for.
    blank_lines: list[int] = field(default_factory=list)


def number_text(value: float) -> str:
    """A number as a person would type it: 13800138000.0 -> "13800138000", 0.1 -> "0.1"."""
    if value.is_integer():
        return str(int(value))
    return format(value, ".15g")  # Excel shows 15 significant digits; hides binary noise
