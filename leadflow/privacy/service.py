"""The person commands' services: export and erase by address, in one transaction each."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from leadflow.core.clock import as_utc
from leadflow.core.db import session_scope
from leadflow.core.settings import get_settings
from leadflow.privacy.erase import ErasureReport, erase_person
from leadflow.privacy.person_data import as_csv, as_json, person_rows


def export_person(email: str, folder: Path, now: datetime | None = None) -> tuple[Path, Path]:
    """Write <folder>/<address>.json (everything, by table) and .csv (one value a line)."""
    at = as_utc(now)
    with session_scope() as session:
        found = person_rows(session, email)
        session.rollback()  # an export writes nothing
    folder.mkdir(parents=True, exist_ok=True)
    stem = found.email.replace("/", "_")
    json_path, csv_path = folder / f"{stem}.json", folder / f"{stem}.csv"
    json_path.write_text(as_json(found, at), encoding="utf-8")
    csv_path.write_text(as_csv(found), encoding="utf-8")
    return json_path, csv_path


def erase(email: str, now: datetime | None = None) -> ErasureReport:
    at = as_utc(now)
    with session_scope() as session:
        return erase_person(
            session, person_rows(session, email), get_settings().secret_key.get_secret_value(), at
        )
