"""JSON and JSON Lines: one RawRow per object, values as strings.

JSON is streamed, not loaded: the text is read in chunks and each array element is decoded on
its own (json.JSONDecoder.raw_decode), so memory holds about one element at a time. A broken
element ends the file with an "invalid_json" error row after every good row before it: JSON
cannot be resynchronised reliably. JSON Lines is read line by line; a broken line is one error row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TextIO

from leadflow.ingest.sources import base
from leadflow.ingest.sources.base import RawRow, number_text
from leadflow.core.errors import EmptySource, RecordTooLarge, UnreadableSource
from leadflow.ingest.sources.text import undecodable_reason
from leadflow.core.statuses import QuarantineReason

CHUNK_CHARS = 64 * 1024
_SPACE = re.compile(r"[ \t\r\n]*")
SHAPE = 'JSON must be an array of objects, or an object holding one (e.g. {"leads": [...]})'


def jsonl_rows(handle: TextIO, encoding: str) -> Iterator[RawRow]:
    """One row per non-blank line (opened with newline=None: every line end reads as "\\n")."""
    limit, line_no = base.MAX_RECORD_CHARS, 0
    while line := handle.readline(limit):
        line_no += 1
        where = f"line {line_no}"
        if len(line) == limit and not line.endswith("\n"):
            while (more := handle.readline(limit)) and not more.endswith("\n"):
                pass  # drop the rest of the oversized line without holding it
            yield RawRow(
                line_no,
                error_kind=QuarantineReason.FIELD_TOO_LARGE,
                error=f"{where}: longer than {limit:,} characters; remove the oversized value",
            )
            continue
        text = line.lstrip("\ufeff") if line_no == 1 else line
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            reason = undecodable_reason(text, encoding, where)
            yield RawRow(
                line_no,
                error_kind=QuarantineReason.UNDECODABLE
                if reason
                else QuarantineReason.INVALID_JSON,
                error=reason or f"{where}: {exc.msg} at column {exc.colno}; fix or remove the line",
            )
            continue
        row = to_row(line_no, value, where, encoding)
        if row is not None:
            yield row


def to_row(number: int, value: object, where: str, encoding: str) -> RawRow | None:
    """An object as a row; anything else as an error row; None for an object with no values."""
    if not isinstance(value, dict):
        preview = json.dumps(value, ensure_ascii=False)[:40]
        return RawRow(
            number,
            error_kind=QuarantineReason.NOT_AN_OBJECT,
            error=f"{where}: a {type(value).__name__} ({preview}), not an object of fields",
        )
    record = {str(key): value_text(item) for key, item in value.items()}
    joined = "".join(record.values())
    reason = undecodable_reason("".join(record) + joined, encoding, where)
    if reason:
        return RawRow(number, error_kind=QuarantineReason.UNDECODABLE, error=reason)
    return RawRow(number, record=record) if joined.strip() else None


def value_text(value: object) -> str:
    """null -> "", true -> "true", 1.0 -> "1"; nested objects and lists as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class JsonStream:
    """The records of a JSON file: a top-level array, or the first array of objects under a
    top-level key (other keys are skipped; keys after that array are not read).

    The constructor reads up to the first record, so a file of the wrong shape fails at open.
    """

    def __init__(self, handle: TextIO, name: str, encoding: str):
        self._read, self._name, self._encoding = handle.read, name, encoding
        self._decoder = json.JSONDecoder()
        self._buf, self._pos, self._eof, self._lines_dropped = "", 0, False, 0
        try:
            self._empty = not self._find_records()
        except (json.JSONDecodeError, RecordTooLarge) as exc:
            raise UnreadableSource(f"{name}: {SHAPE}; {self._line(self._pos)}: {exc}") from exc

    def rows(self) -> Iterator[RawRow]:
        index = 0
        while not self._empty:
            index += 1
            self._next_char()
            start = self._pos
            try:
                value = self._value()
            except json.JSONDecodeError as exc:
                yield RawRow(
                    index,
                    error_kind=QuarantineReason.INVALID_JSON,
                    error=f"element {index} ({self._line(exc.pos)}): {exc.msg}; fix the file",
                )
                return
            except RecordTooLarge as exc:
                yield RawRow(
                    index,
                    error_kind=QuarantineReason.FIELD_TOO_LARGE,
                    error=f"element {index} ({self._line(self._pos)}): {exc}",
                )
                return
            if self._pos - start > base.MAX_RECORD_CHARS:  # whole, but too big to be a lead: as CSV
                row: RawRow | None = RawRow(
                    index,
                    error_kind=QuarantineReason.FIELD_TOO_LARGE,
                    error=f"element {index}: over {base.MAX_RECORD_CHARS:,} characters",
                )
            else:
                row = to_row(index, value, f"element {index}", self._encoding)
            if row is not None:
                yield row
            self._compact()
            after = self._next_char()
            if after == "]":
                return
            if after != ",":
                found = repr(after) if after else "the end of the file"
                yield RawRow(
                    index + 1,
                    error_kind=QuarantineReason.INVALID_JSON,
                    error=f"after element {index} ({self._line(self._pos)}): expected ',' or ']', "
                    f"found {found}; fix the file",
                )
                return
            self._pos += 1

    def _find_records(self) -> bool:
        """Move to the first record; False when the records array is empty."""
        first = self._next_char()
        if first == "\ufeff":  # a BOM read as text (encoding="utf-8" given for a UTF-8-BOM file)
            self._pos += 1
            first = self._next_char()
        if not first:
            raise EmptySource(f"{self._name}: the file is empty")
        if first not in "[{":
            raise UnreadableSource(f"{self._name}: {SHAPE}; it starts with {first!r}")
        self._pos += 1
        if first == "[":
            return self._next_char() != "]"
        return self._find_list_in_object()

    def _find_list_in_object(self) -> bool:
        saw_empty = False
        while self._next_char() not in ("}", ""):
            if not isinstance(self._value(), str) or self._next_char() != ":":
                raise UnreadableSource(f"{self._name}: {SHAPE}; bad key ({self._line(self._pos)})")
            self._pos += 1
            if self._next_char() == "[":
                start, self._pos = self._pos, self._pos + 1
                if self._next_char() == "{":
                    return True
                self._pos = start  # not a list of objects: skip it whole
                saw_empty |= self._value() == []
            else:
                self._value()
            if self._next_char() == ",":
                self._pos += 1
        if saw_empty:
            return False
        raise UnreadableSource(f"{self._name}: {SHAPE}; this object holds no list of objects")

    def _next_char(self) -> str:
        """The next non-whitespace character, not consumed; "" at the end of the file."""
        while True:
            self._pos = _SPACE.match(self._buf, self._pos).end()  # type: ignore[union-attr]
            if self._pos < len(self._buf) or not self._more(CHUNK_CHARS):
                return self._buf[self._pos : self._pos + 1]

    def _value(self) -> object:
        """One JSON value from here; reads more (doubling) until it is whole or too large."""
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buf, self._pos)
                if end < len(self._buf) or self._eof:  # a number at the buffer's end may go on
                    self._pos = end
                    return value
            except json.JSONDecodeError:
                if self._eof:
                    raise
            if len(self._buf) - self._pos > base.MAX_RECORD_CHARS:
                raise RecordTooLarge(
                    0, f"over {base.MAX_RECORD_CHARS:,} characters, or never closed"
                )
            # Doubling what is held keeps the re-decoding of a long element linear overall.
            self._more(max(CHUNK_CHARS, len(self._buf) - self._pos))

    def _more(self, size: int) -> bool:
        chunk = self._read(size)
        self._buf += chunk
        self._eof = not chunk
        return bool(chunk)

    def _compact(self) -> None:
        # Drop what has been read, counting its lines so later errors can say where they are.
        if self._pos > CHUNK_CHARS:
            self._lines_dropped += self._buf.count("\n", 0, self._pos)
            self._buf, self._pos = self._buf[self._pos :], 0

    def _line(self, pos: int) -> str:
        return f"line {self._lines_dropped + self._buf.count(chr(10), 0, pos) + 1}"
