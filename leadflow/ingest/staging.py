"""Fetch a campaign file and stage every row durably, as received, before any cleaning."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.core.bulk_writes import insert_new_rows
from leadflow.core.statuses import RowStatus
from leadflow.core.clock import as_utc
from leadflow.core.db import session_scope
from leadflow.ingest.normalize import alias_hint, map_columns
from leadflow.core.errors import SourceNotFound, TransientError
from leadflow.core.models import SourceRecord
from leadflow.core.models.leads import payload_digest
from leadflow.core.settings import get_settings
from leadflow.ingest.sources import RawRow, open_source
from leadflow.ingest.policy import ingest_policy
from leadflow.core.runtime import log

INSERT_CHUNK = 2000


@dataclass
class StageResult:
    source_hash: str
    rows: int
    new_rows: int
    unknown_columns: list[str]
    format: str = "csv"
    encoding: str | None = None
    skipped_preamble: int = 0
    batches: list[tuple[int, int]] = field(default_factory=list)
    pending_rows: int = 0  # rows of this file still staged (new ones and a crashed run's)
    blank_lines: int = 0  # counted, not staged: every physical line is accounted for


def fetch_source(source: str) -> str:
    """A local path for ``source``: itself, or an http(s) URL downloaded by streaming."""
    if urlparse(source).scheme not in ("http", "https"):
        return source
    target_dir = get_settings().data_dir / "downloads"
    target_dir.mkdir(parents=True, exist_ok=True)
    name = Path(urlparse(source).path).name or "download"
    target = target_dir / f"{hashlib.sha256(source.encode()).hexdigest()[:12]}-{name}"
    try:
        with requests.get(source, stream=True, timeout=(10, 60)) as answer:
            if answer.status_code >= 500 or answer.status_code == 429:
                raise TransientError(f"{source}: HTTP {answer.status_code}, will retry")
            if answer.status_code >= 400:
                raise SourceNotFound(f"{source}: HTTP {answer.status_code}")
            with target.open("wb") as handle:
                for block in answer.iter_content(1 << 20):
                    handle.write(block)
    except requests.RequestException as exc:
        raise TransientError(f"{source}: {exc}") from exc
    log().info("fetched %s (%d bytes)", source, target.stat().st_size)
    return str(target)


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _payload(row: RawRow, headers: list[str]) -> dict[str, Any]:
    if row.error_kind:
        return {
            "error": row.error or row.error_kind,
            "error_kind": row.error_kind,
            "headers": headers,
        }
    if row.record is not None:
        return {"record": row.record}
    return {"headers": headers, "values": row.values}


STAGED_KEY = ("campaign_id", "source_hash", "line_no")


def _staged_batches(
    session: Session, campaign_id: int, source_hash: str, size: int
) -> tuple[list[tuple[int, int]], int]:
    ids = session.scalars(
        select(SourceRecord.id)
        .where(
            SourceRecord.campaign_id == campaign_id,
            SourceRecord.source_hash == source_hash,
            SourceRecord.status == RowStatus.STAGED,
        )
        .order_by(SourceRecord.id)
    ).all()
    return [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)], len(ids)


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert, skipping lines another run of the same file staged meanwhile (two at once);
    one statement per chunk on PostgreSQL (bulk_writes)."""
    insert_new_rows(session, SourceRecord.__table__, rows, STAGED_KEY)


def _staged_lines(session: Session, campaign_id: int, source_hash: str) -> set[int]:
    """Lines of this file already staged for this campaign (a re-run stages only the rest)."""
    return set(
        session.scalars(
            select(SourceRecord.line_no).where(
                SourceRecord.campaign_id == campaign_id, SourceRecord.source_hash == source_hash
            )
        )
    )


def _warn_unknown(name: str, headers: list[str]) -> list[str]:
    _, unknown = map_columns(headers, ingest_policy().aliases)
    if unknown:
        log().warning(
            "%s: ignoring unknown columns: %s; to map them, add under aliases: in "
            "ingest_rules/ingest.yaml:\n%s",
            name,
            ", ".join(unknown),
            "\n".join(alias_hint(h) for h in unknown),
        )
    return unknown


def _record(
    row: RawRow, headers: list[str], campaign_id: int, path: Path, source_hash: str, at: datetime
) -> dict[str, Any]:
    payload = _payload(row, headers)
    return {
        "campaign_id": campaign_id,
        "source_name": path.name,
        "source_hash": source_hash,
        "line_no": row.line_no,
        "payload": payload,
        "status": RowStatus.STAGED,
        "payload_hash": payload_digest(payload),
        "received_at": at,
    }


def stage_file(
    source: str,
    campaign_id: int,
    batch_size: int,
    now: datetime | None = None,
    encoding: str | None = None,
) -> StageResult:
    """Keep every row as received before touching it, so nothing can be lost.

    Idempotent: a row already staged for this campaign (same file content, same line)
    is not staged again; rows left 'staged' by a crashed run are batched again.
    Streams: memory stays bounded whatever the file's size.
    """
    path = Path(source)
    if not path.is_file():
        raise SourceNotFound(f"campaign file not found: {source}")
    source_hash, received = _file_hash(path), as_utc(now)
    total = new = 0
    with open_source(path, encoding=encoding) as (info, rows), session_scope() as session:
        unknown = _warn_unknown(path.name, info.headers)
        known = _staged_lines(session, campaign_id, source_hash)
        chunk: list[dict[str, Any]] = []
        for row in rows:
            total += 1
            if row.line_no not in known:
                chunk.append(_record(row, info.headers, campaign_id, path, source_hash, received))
            if len(chunk) >= INSERT_CHUNK:
                _insert_new(session, chunk)
                new, chunk = new + len(chunk), []
        if chunk:
            _insert_new(session, chunk)
            new += len(chunk)
        batches, pending = _staged_batches(session, campaign_id, source_hash, batch_size)
    log().info(
        "%s (%s, %s): %d rows, %d newly staged, %d batches; %d report lines skipped above the "
        "header, %d blank lines",
        path.name,
        info.format,
        info.encoding,
        total,
        new,
        len(batches),
        info.skipped_preamble,
        len(info.blank_lines),
    )
    return StageResult(
        source_hash,
        total,
        new,
        unknown,
        info.format,
        info.encoding,
        info.skipped_preamble,
        batches,
        pending,
        len(info.blank_lines),
    )
