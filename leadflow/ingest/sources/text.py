"""Text from campaign files: decoding that never stops a run, and capped physical lines for csv."""

from __future__ import annotations

import codecs
import io
import re
from typing import BinaryIO, NoReturn, TextIO

from leadflow.core.errors import RecordTooLarge, RunawayRecord
from leadflow.ingest.sources import base
from leadflow.core.statuses import QuarantineReason

MARK_ERRORS = "leadflow-sources-mark"
PIECE_CHARS = 1 << 20  # most of one line read at a time; read at call time, so tests can lower it
_MARKED = re.compile("[\ud800-\udfff]")  # lone surrogates: no codec yields them for valid input
_START, _FIELD, _QUOTED, _QUOTE_IN_QUOTED, _END = range(5)


def _mark_undecodable(exc: UnicodeError) -> tuple[str, int]:
    """Decode each bad byte as the lone surrogate U+DC00+byte and carry on.

    Not errors="surrogateescape": it refuses bytes below 0x80, which a broken UTF-16 code unit
    or GB18030 sequence can hold, and the whole stream would raise. Not per-line decoding: a
    UTF-16 file cannot be split on b"\\n", and a quoted CSV field spans lines; one stream decoder
    keeps both right. The marks cannot come from valid input, so a row holding one is exactly a
    row with undecodable bytes, and the bytes can be named in the error.
    """
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return "".join(chr(0xDC00 + byte) for byte in bad), exc.end


codecs.register_error(MARK_ERRORS, _mark_undecodable)


def open_text(raw: BinaryIO, encoding: str, newline: str | None) -> TextIO:
    return io.TextIOWrapper(raw, encoding=encoding, errors=MARK_ERRORS, newline=newline)


def undecodable_reason(text: str, encoding: str, where: str) -> str | None:
    """Why decoded text is unreadable, naming the bytes; None when it is fine."""
    marks = _MARKED.findall(text)
    if not marks:
        return None
    raw = bytes(ord(c) - 0xDC00 for c in marks[:8] if 0xDC00 <= ord(c) <= 0xDCFF)
    what = f"bytes {raw!r} are" if raw else "an unpaired surrogate is"
    return (
        f"{where}: {what} not valid {encoding}; save the file as CSV UTF-8 "
        f"or pass the encoding it was saved in (encoding=...)"
    )


class LineFeeder:
    """Physical lines for csv.reader: counted, checked, and capped at MAX_RECORD_CHARS a record.

    The caller calls begin_record() before asking csv for each record; `start` is then the line
    the record starts on and `problem` says (kind, reason) if any of its lines was unreadable.
    A record over the cap is skipped up to its end without holding it, and RecordTooLarge is
    raised through csv.reader (which must then be made again over this feeder).
    """

    def __init__(self, handle: TextIO, delimiter: str, encoding: str):
        self._readline = handle.readline
        self._size = PIECE_CHARS
        self._limit = base.MAX_RECORD_CHARS
        self._specials = re.compile(f'["\r\n{re.escape(delimiter)}]')
        self._encoding = encoding
        self._pending = ""
        self._replay: list[str] = []  # lines given back by push_back, read again first
        self.line_no = 0  # physical lines consumed so far
        self.begin_record()

    def begin_record(self) -> None:
        self.start = self.line_no + 1
        self.problem: tuple[str, str] | None = None
        self._chars = 0
        self._lines = 0  # lines of this record already handed to csv
        self.record_lines: list[str] = []  # those lines (bounded by MAX_RECORD_CHARS)

    def push_back(self, lines: list[str]) -> None:
        """Read these lines again, next (recovering from an unclosed quote)."""
        self._replay[:0] = lines
        self.line_no -= len(lines)

    def __iter__(self) -> LineFeeder:
        return self

    def __next__(self) -> str:
        if self._lines >= base.MAX_RECORD_LINES:
            raise RunawayRecord(self.start)  # csv is still inside quotes: stop it here
        if self._replay:
            line = self._replay.pop(0)
        else:
            line, complete = self._piece()
            if not line:
                raise StopIteration
            if not complete:
                line = self._rest_of_line(line)
        self.record_lines.append(line)
        self.line_no += 1
        self._chars += len(line)
        if self._chars > self._limit:
            self._skip_record([line])
        self._lines += 1
        # isascii() is O(1) on CPython's compact strings: most lines skip the regex.
        if ("\x00" in line or not line.isascii()) and self.problem is None:
            self._check(line)
        return line

    def _piece(self) -> tuple[str, bool]:
        """Up to PIECE_CHARS of the current line, and whether it ends that line."""
        head, self._pending = self._pending, ""
        if head == "\r":  # read ahead below: a line of its own, or the start of "\r\n"
            return self._end_at_cr(head)
        part = self._readline(self._size)
        text = head + part
        if len(part) < self._size or part[-1] == "\n":
            return text, True  # readline stopped at a line end or at the end of the file
        if part[-1] == "\r":  # the size cap can split "\r\n"
            return self._end_at_cr(text)
        return text, False

    def _end_at_cr(self, text: str) -> tuple[str, bool]:
        after = self._readline(1)
        if after == "\n":
            return text + after, True
        self._pending = after  # the next line's first character, kept for the next read
        return text, True

    def _rest_of_line(self, first: str) -> str:
        parts, size, complete = [first], len(first), False
        while not complete:
            if self._chars + size > self._limit:
                self._skip_record(parts)
            piece, complete = self._piece()
            if not piece:
                break
            parts.append(piece)
            size += len(piece)
        return "".join(parts)

    def _check(self, line: str) -> None:
        if "\x00" in line:
            self.problem = (
                QuarantineReason.NUL_BYTE,
                f"line {self.line_no}: contains a NUL byte (\\x00), which no text "
                "holds: remove it, or re-export the file as CSV UTF-8 if it is binary",
            )
        elif _MARKED.search(line):
            reason = undecodable_reason(line, self._encoding, f"line {self.line_no}")
            self.problem = (QuarantineReason.UNDECODABLE, reason or "undecodable")

    def _skip_record(self, seen: list[str]) -> NoReturn:
        # csv only asks for another line while inside quotes, so that is where a later line starts.
        state = _QUOTED if self._lines else _START
        for text in seen:
            state = self._scan(state, text)
        while state != _END:
            piece, complete = self._piece()
            if not piece:
                break
            state = self._scan(state, piece)
            self.line_no += complete
        where = (
            f"lines {self.start}-{self.line_no}"
            if self.line_no > self.start
            else f"line {self.start}"
        )
        cause = (
            "a quote opened in it is never closed, so the rest of the file was skipped: fix that quote"
            if state == _QUOTED
            else "remove the oversized value"
        )
        raise RecordTooLarge(
            self.start,
            f"{where}: record is over {self._limit:,} characters and was skipped; {cause}",
        )

    def _scan(self, state: int, text: str) -> int:
        """csv's quoting rules (doublequote, strict=False) over text; _END where the record ends."""
        pos = 0
        for match in self._specials.finditer(text):
            char = match.group()
            if state == _QUOTED:
                state = _QUOTE_IN_QUOTED if char == '"' else _QUOTED
            else:
                if match.start() > pos:  # ordinary characters in between
                    state = _FIELD
                if char in "\r\n":
                    return _END
                if char == '"':
                    state = (
                        _FIELD if state == _FIELD else _QUOTED
                    )  # opens a field, or "" inside one
                else:
                    state = _START
            pos = match.end()
        return _FIELD if len(text) > pos and state in (_START, _QUOTE_IN_QUOTED) else state
