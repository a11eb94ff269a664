"""open_source: any supported campaign file as header facts plus a lazy stream of raw rows."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import BinaryIO

from leadflow.core.errors import SourceNotFound
from leadflow.ingest.sources.base import RawRow, SourceInfo
from leadflow.core.errors import EmptySource, UnreadableSource
from leadflow.ingest.sources.detect import (
    SAMPLE_BYTES,
    SNIFF_CHARS,
    detect_encoding,
    detect_format,
    sample_text,
    sniff_delimiter,
)
from leadflow.ingest.sources.records import JsonStream, jsonl_rows
from leadflow.ingest.sources.tabular import open_csv
from leadflow.ingest.sources.text import open_text
from leadflow.ingest.sources.xlsx import open_xlsx

Opened = tuple[SourceInfo, Iterator[RawRow]]


@contextmanager
def open_source(
    path: Path | str,
    *,
    encoding: str | None = None,
    file_format: str | None = None,
    sheet: str | None = None,
) -> Iterator[Opened]:
    """(facts about the file, its data rows) for a CSV, TSV, XLSX, JSON or JSON Lines file.

    Rows are read lazily while the block is open; memory stays bounded whatever the file size.
    Problems with one row come back as RawRow errors; problems with the whole file raise:
    SourceNotFound, EmptySource, UnreadableSource (all PermanentError). `encoding` and
    `file_format` override detection; `sheet` picks an XLSX sheet (default: the first).
    """
    path = Path(path)
    with ExitStack() as stack:
        raw = stack.enter_context(_open_binary(path))
        sample = raw.read(SAMPLE_BYTES)
        if not sample:
            raise EmptySource(f"{path.name}: the file is empty")
        override = _codec(encoding) if encoding else None
        fmt = detect_format(path, sample, file_format, override)
        raw.seek(0)
        if fmt == "xlsx":
            yield stack.enter_context(open_xlsx(raw, path.name, sheet))
            return
        codec = override or detect_encoding(sample)
        text = sample_text(sample, codec)
        if len(sample) < SNIFF_CHARS and not text.strip():
            raise EmptySource(f"{path.name}: the file holds only blank lines")
        # JSON Lines gets universal newlines (JSON strings cannot hold a raw line break); CSV
        # gets newline="" so line ends inside quoted fields stay as written.
        handle = stack.enter_context(open_text(raw, codec, newline=None if fmt == "jsonl" else ""))
        if fmt == "json":
            yield (
                SourceInfo("json", codec, None, 0, [], 0),
                JsonStream(handle, path.name, codec).rows(),
            )
        elif fmt == "jsonl":
            yield SourceInfo("jsonl", codec, None, 0, [], 0), jsonl_rows(handle, codec)
        else:
            delimiter = "\t" if fmt == "tsv" else sniff_delimiter(text)
            yield open_csv(handle, path.name, codec, delimiter)


def _open_binary(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as exc:  # missing, a folder, no permission: all mean "cannot read that file"
        raise SourceNotFound(
            f"campaign file not found or not readable: {path} ({exc.strerror})"
        ) from exc


def _codec(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError as exc:
        raise UnreadableSource(
            f"unknown encoding {encoding!r}; use a Python codec name such as "
            f"utf-8, utf-16, gb18030 or cp1252"
        ) from exc
