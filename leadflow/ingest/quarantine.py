"""Quarantine: see the rows that did not make it, fix them, send them back through."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.core.safe_csv import SafeWriter, restore
from leadflow.core.db import session_scope
from leadflow.core.models import Campaign, SourceRecord, row_status_is
from leadflow.ingest.normalize import map_columns
from leadflow.core.models.leads import payload_digest
from leadflow.core.errors import QuarantineError
from leadflow.core.statuses import RowStatus

META = ("_record_id", "_line", "_reason")


@dataclass(frozen=True)
class QuarantinedRow:
    id: int
    campaign: str
    source: str
    line: int
    code: str | None
    reason: str | None
    payload: dict


def list_rows(
    session: Session, campaign: str | None = None, code: str | None = None, limit: int | None = None
) -> list[QuarantinedRow]:
    query = (
        select(SourceRecord, Campaign.name)
        .join(Campaign, Campaign.id == SourceRecord.campaign_id)
        .where(row_status_is(RowStatus.QUARANTINED))
        .order_by(SourceRecord.id)
    )
    if campaign:
        query = query.where(Campaign.name == campaign)
    if code:
        query = query.where(SourceRecord.reason_code == code)
    if limit:
        query = query.limit(limit)
    return [
        QuarantinedRow(r.id, name, r.source_name, r.line_no, r.reason_code, r.reason, r.payload)
        for r, name in session.execute(query)
    ]


def export(rows: Iterable[QuarantinedRow], folder: Path) -> list[Path]:
    """One CSV per source file, its own headers after _record_id, _line, _reason."""
    folder.mkdir(parents=True, exist_ok=True)
    by_source: dict[tuple[str, tuple[str, ...]], list[QuarantinedRow]] = {}
    for row in rows:
        headers = tuple(
            row.payload.get("headers") or sorted(row.payload.get("record", {})) or ["raw"]
        )
        by_source.setdefault((row.source, headers), []).append(row)
    written = []
    for n, ((source, headers), group) in enumerate(sorted(by_source.items()), start=1):
        path = folder / f"{Path(source.replace(':', '-')).stem}.{n}.quarantine.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = SafeWriter(handle)  # cells, headers and the reason's raw text alike
            writer.writerow([*META, *headers])
            for row in group:
                reason = row.reason or ""
                if "raw" in row.payload:
                    reason += f" | raw: {row.payload['raw'][:500]}"
                writer.writerow([row.id, row.line, reason, *_values(row.payload, headers)])
        written.append(path)
    return written


def _values(payload: dict, headers: tuple[str, ...]) -> list[str]:
    if "values" in payload:
        return [str(v) for v in payload["values"]]
    if "record" in payload:
        return [str(payload["record"].get(h, "")) for h in headers]
    # Unreadable row: blank cells under the file's headers; the raw text is in _reason.
    return ["" for _ in headers]


def _restage(rec: SourceRecord, payload: dict, note: str) -> None:
    history = [
        *rec.payload.get("fixes", []),
        {"before": {k: v for k, v in rec.payload.items() if k != "fixes"}, "note": note},
    ]
    rec.payload = {**payload, "fixes": history}
    rec.payload_hash = payload_digest(rec.payload)  # never the old one: the history grew
    rec.status, rec.reason_code, rec.reason = RowStatus.STAGED, None, None


def _quarantined(session: Session, record_id: int) -> SourceRecord:
    rec = session.get(SourceRecord, record_id)
    if rec is None or rec.status != RowStatus.QUARANTINED:
        raise QuarantineError(f"record {record_id} is not in quarantine")
    return rec


def fix_fields(record_id: int, changes: dict[str, str]) -> int:
    """Set fields of one quarantined row (by header, or by canonical field name) and restage it."""

    with session_scope() as session:
        rec = _quarantined(session, record_id)
        payload = dict(rec.payload)
        if "record" in payload:
            payload["record"] = {**payload["record"], **changes}
        elif "values" in payload:
            headers, values = payload["headers"], list(payload["values"])
            if len(values) != len(headers):
                raise QuarantineError(
                    f"record {record_id} has {len(values)} fields for {len(headers)} "
                    "headers: fix it through an export"
                )
            by_field = {field: header for header, field in map_columns(headers)[0].items()}
            for name, value in changes.items():
                header = name if name in headers else by_field.get(name)
                if header is None:
                    raise QuarantineError(f"record {record_id} has no column {name!r}")
                values[headers.index(header)] = value
            payload["values"] = values
        else:
            raise QuarantineError(
                f"record {record_id} could not be read at all: re-ingest a fixed file"
            )
        _restage(rec, payload, f"set {', '.join(changes)}")
        return rec.id


def apply_export(path: Path) -> list[int]:
    """Restage every row of a (corrected) export; returns the record ids."""
    restaged = []
    with path.open(encoding="utf-8-sig", newline="") as handle, session_scope() as session:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header or tuple(header[:3]) != META:
            raise QuarantineError(
                f"{path}: not a quarantine export (first columns must be {', '.join(META)})"
            )
        headers = [restore(h) for h in header[3:]]
        for values in reader:
            if not values:
                continue
            rec = _quarantined(session, int(values[0]))
            cells = [restore(v) for v in values[3:]]
            if "record" in rec.payload:
                payload = {**rec.payload, "record": dict(zip(headers, cells, strict=False))}
            else:
                # Table rows and unreadable rows alike become a plain row under the headers.
                payload = {"headers": rec.payload.get("headers", headers), "values": cells}
            _restage(rec, payload, f"fixed in {path.name}")
            restaged.append(rec.id)
    return restaged
