"""Guess what a campaign file is: its format, text encoding, delimiter and header row.

Every guess looks at a bounded sample from the start of the file, never the whole file.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections import Counter
from pathlib import Path

from charset_normalizer import from_bytes

from leadflow.ingest.normalize import ALIAS_TO_FIELD, header_key
from leadflow.ingest.sources.base import HEADER_SCAN_ROWS
from leadflow.core.errors import UnreadableSource

SAMPLE_BYTES = 1 << 20  # read once at open; enough for the UTF-8 check and every sniff
GUESS_BYTES = 64 * 1024  # what charset-normalizer sees: its cost grows with the input
SNIFF_CHARS = 64 * 1024  # text used to pick the delimiter and the format
FORMATS = ("csv", "tsv", "xlsx", "json", "jsonl")
DELIMITERS = (",", ";", "\t", "|")  # in order of preference when the evidence ties
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
# UTF-32 first: its little-endian BOM starts with UTF-16's.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
ZIP_MAGIC, OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
LEGACY_EXCEL = "legacy Excel (.xls) files are not supported: save it as .xlsx or CSV UTF-8"


# --- encoding --------------------------------------------------------------------------------


def detect_encoding(sample: bytes) -> str:
    """BOM, then strict UTF-8, then charset-normalizer on a bounded window of the sample."""
    for bom, name in BOMS:
        if sample.startswith(bom):
            return name
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return utf16
    bad_at = _first_non_utf8(sample)
    return "utf-8" if bad_at is None else _guess(sample, bad_at)


def _utf16_without_bom(sample: bytes) -> str | None:
    # Valid UTF-8 too (NUL is ASCII), so check first: mostly-ASCII UTF-16 is every other byte NUL.
    head = sample[:4096]
    if len(head) < 4 or head.count(0) < len(head) // 4:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd > 4 * even:
        return "utf-16-le"
    return "utf-16-be" if even > 4 * odd else None


def _first_non_utf8(sample: bytes) -> int | None:
    try:
        # Incremental, not final: the sample may end in the middle of a character.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError as exc:
        return exc.start
    return None


def _guess(sample: bytes, bad_at: int) -> str:
    # Look where UTF-8 failed (an ASCII preamble tells charset-normalizer nothing), in whole lines.
    low = max(0, bad_at - GUESS_BYTES // 2)
    start = 0 if low == 0 else (sample.find(b"\n", low, bad_at) + 1 or low)
    end = sample.rfind(b"\n", bad_at, start + GUESS_BYTES) + 1 or start + GUESS_BYTES
    matches = from_bytes(sample[start:end])
    best = matches.best()
    if best is None:
        return "utf-8"  # no idea: bad bytes then surface as "undecodable" rows, not silent garbage
    name = codecs.lookup(best.encoding).name
    if name in ("gb2312", "gbk"):
        return "gb18030"  # a superset: Chinese exports say GB2312 but use GBK/GB18030 characters
    ties = {codecs.lookup(m.encoding).name for m in matches if m.chaos == best.chaos}
    return "cp1252" if "cp1252" in ties else name  # Western Excel's default among equals


def sample_text(sample: bytes, encoding: str) -> str:
    """The start of the file as text, for sniffing only (bad bytes replaced, BOM dropped)."""
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(
        sample[: SNIFF_CHARS * 4]
    )
    return text[:SNIFF_CHARS].lstrip("\ufeff")


# --- format ----------------------------------------------------------------------------------


def detect_format(path: Path, sample: bytes, file_format: str | None, encoding: str | None) -> str:
    """The caller's word, else the extension, else the content. "csv" may turn out "tsv"."""
    if file_format is not None:
        if file_format not in FORMATS:
            raise ValueError(
                f"file_format must be one of {', '.join(FORMATS)}, not {file_format!r}"
            )
        return file_format
    # Workbook bytes win over the name: a workbook saved as "leads.csv" is still a workbook.
    if sample.startswith(ZIP_MAGIC):
        return "xlsx"
    if sample.startswith(
        OLE_MAGIC
    ):  # a ".xls" that is really text (common in exports) is read as text
        raise UnreadableSource(f"{path.name}: {LEGACY_EXCEL}")
    return EXTENSIONS.get(path.suffix.lower()) or _sniff_format(sample, encoding)


def _sniff_format(sample: bytes, encoding: str | None) -> str:
    text = sample_text(sample, encoding or detect_encoding(sample)).lstrip()
    if text.startswith("["):
        return "json"
    if text.startswith("{"):
        return "jsonl" if _is_jsonl(text) else "json"
    return "csv"


def _is_jsonl(text: str) -> bool:
    """A first line that is a whole object, and not itself a file of records ({"leads": [...]})."""
    try:
        first = json.loads(text.split("\n", 1)[0])
    except json.JSONDecodeError:
        return False
    return isinstance(first, dict) and not any(
        isinstance(v, list) and v and isinstance(v[0], dict) for v in first.values()
    )


# --- delimiter and header --------------------------------------------------------------------


def sniff_delimiter(text: str) -> str:
    """The candidate under which the rows look most like a table with a known header.

    A known header (an email alias, then the count of aliases) beats consistent field counts,
    which beat the order of DELIMITERS; report lines above the header do not mislead it.
    """

    def score(delimiter: str) -> tuple[bool, int, int]:
        rows = _sample_rows(text, delimiter)
        has_email, aliases = max((_header_evidence(row) for row in rows), default=(False, 0))
        counts = Counter(len(row) for row in rows if len(row) > 1)
        return has_email, aliases, max(counts.values(), default=0)

    scores = {d: score(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (scores[d], -DELIMITERS.index(d)))
    return best if scores[best] != (False, 0, 0) else ","


def _sample_rows(text: str, delimiter: str) -> list[list[str]]:
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append(row)
                if len(rows) >= HEADER_SCAN_ROWS:
                    break
    except csv.Error:
        pass  # a sample cut inside a huge field: sniff on the rows before it
    return rows


def _header_evidence(cells: list[str]) -> tuple[bool, int]:
    """(has an email alias, how many distinct known fields) for a candidate header row."""
    fields = {ALIAS_TO_FIELD.get(header_key(cell)) for cell in cells if len(cell) < 100}
    fields.discard(None)
    return "email" in fields, len(fields)


# Webinar reports list the host and panelists before the people who came; a header
# under one of these section titles is the one that holds the leads.
_LEAD_SECTIONS = ("attendee", "registrant", "participant", "参会", "报名", "观众")


def _section_title(row: list[str]) -> str | None:
    cells = [c.strip() for c in row if c.strip()]
    return cells[0].lower() if len(cells) == 1 else None


def choose_header(rows: list[list[str]]) -> int:
    """Index of the header.

    A row with an email alias right under an "Attendee Details"-like section title wins;
    else the first row with an email alias; else the row with most aliases (>= 2); else 0.
    """
    best, best_count, first_email, title = 0, 1, None, None
    for index, row in enumerate(rows):
        has_email, count = _header_evidence(row)
        if has_email:
            if title and any(word in title for word in _LEAD_SECTIONS):
                return index
            first_email = index if first_email is None else first_email
        if count > best_count:
            best, best_count = index, count
        if any(c.strip() for c in row):
            title = _section_title(row)
    return first_email if first_email is not None else best


def unique_headers(cells: list[str]) -> list[str]:
    """Headers as written (BOM and outer whitespace removed); a repeat becomes "Name (2)"."""
    seen: set[str] = set()
    headers: list[str] = []
    for cell in cells:
        name = cell.replace("\ufeff", "").strip()
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            candidate = f"{name} ({n})".strip()
        seen.add(candidate)
        headers.append(candidate)
    return headers
