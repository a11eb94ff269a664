"""Assemble a training set from files: a lead table, activity logs and outcomes.

Inputs, as a new user has them:
- a flat lead table that carries the outcome column (converted, won, converted_within_90_days);
- or a lead table plus a CRM outcome export (the format `outcomes import` reads, one shared
  reader), joined by lead id or email;
- or a folder exported by a generator or a warehouse (tables/ and tasks/ with Parquet or CSV).
Activity logs (one row per touch, session, call...) join by the lead table's id or email.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from leadflow.core.errors import BadOutcomeRow, DatasetError
from leadflow.scoring.features import (
    CREATED_NAMES,
    Dropped,
    Guard,
    Kind,
    aggregate,
    describe_log,
    find_column,
    find_label,
    infer_kinds,
    leaky_dates,
    snake,
    snapshot_dates,
    too_good,
)
from leadflow.scoring.tables import Row, Table, read_table, read_tables
from leadflow.scoring.values import to_bool, to_date
from leadflow.report.outcome_rows import header_map, parse_status
from leadflow.core.statuses import CrmStatus

LEAD_KEYS = ("lead_id", "leadid", "email", "email_address", "contact_email", "record_id", "id")
OUTCOME_TABLES = ("opportunities", "opportunity", "deals", "outcomes")
TABLE_SUFFIXES = (".parquet", ".csv", ".tsv", ".xlsx", ".jsonl", ".json")


@dataclass
class Dataset:
    rows: list[Row]  # one per lead: feature name -> value
    labels: list[bool]
    created: list[datetime | None]  # for the time-based split
    kinds: dict[str, Kind]  # the features a model may use
    guard: Guard = field(default_factory=Guard)
    source: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class Inputs:
    leads: Table
    activities: list[Table] = field(default_factory=list)
    outcomes: Table | None = None
    leaky: set[str] = field(default_factory=set)
    snapshot_days: int | None = None


def _tables_in(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in TABLE_SUFFIXES
        and "manifest" not in p.stem
        and p.stem != "feature_dictionary"
    )


def _declared_leaks(folder: Path) -> set[str]:
    """A feature dictionary (name, ..., leakage_risk) next to the data marks columns to drop."""
    path = folder / "feature_dictionary.csv"
    if not path.is_file():
        return set()
    table = read_table(path)
    flag = find_column(table.headers, ["leakage_risk", "leakage", "leaky"])
    name = find_column(table.headers, ["name", "column", "feature"])
    if not flag or not name:
        return set()
    return {str(r[name]) for r in table.rows if to_bool(r.get(flag))}


def read_folder(folder: Path) -> Inputs:
    """tasks/<task>/*.{parquet,csv} hold leads with the outcome; tables/ hold activity logs."""
    manifest = folder / "manifest.json"
    snapshot_days = None
    if manifest.is_file():
        snapshot_days = json.loads(manifest.read_text(encoding="utf-8")).get("snapshot_day")
    task_files = sorted((folder / "tasks").glob("*/*")) if (folder / "tasks").is_dir() else []
    task_files = [
        p for p in task_files if p.suffix.lower() in TABLE_SUFFIXES and "manifest" not in p.stem
    ]
    tables_dir = folder / "tables" if (folder / "tables").is_dir() else folder
    logs = [
        p
        for p in _tables_in(tables_dir)
        if p.stem not in ("leads", "accounts", "contacts", *OUTCOME_TABLES)
    ]
    if task_files:
        leads = read_tables(task_files)
    elif (tables_dir / "leads.parquet").is_file() or (tables_dir / "leads.csv").is_file():
        leads = read_table(next(p for p in _tables_in(tables_dir) if p.stem == "leads"))
        for other in (p for p in _tables_in(tables_dir) if p.stem in ("accounts", "contacts")):
            join_attributes(leads, read_table(other))
    else:
        raise DatasetError(f"{folder}: no tasks/ split and no leads table")
    outcomes = next(
        (
            read_table(p)
            for p in _tables_in(tables_dir)
            if p.stem in OUTCOME_TABLES and not task_files
        ),
        None,
    )
    return Inputs(
        leads, [read_table(p) for p in logs], outcomes, _declared_leaks(folder), snapshot_days
    )


def join_attributes(leads: Table, other: Table) -> bool:
    """Add a one-row-per-key table's columns (accounts, contacts) to the leads with that key."""
    key = next((h for h in other.headers if snake(h).endswith("id") and h in leads.headers), None)
    if key is None:
        return False
    by_key = {str(r.get(key)): r for r in other.rows}
    if len(by_key) != len(other.rows):
        return False  # not one row per key: an activity log, not attributes
    new = [h for h in other.headers if h not in leads.headers and snake(h) not in CREATED_NAMES]
    for row in leads.rows:
        found = by_key.get(str(row.get(key)), {})
        row.update({h: found.get(h) for h in new})
    leads.headers += new
    return True


def _lead_key(table: Table) -> str | None:
    return find_column(table.headers, LEAD_KEYS)


def _labels_from_outcomes(
    leads: Table, outcomes: Table, label: str | None = None
) -> dict[str, bool]:
    """Lead key -> won, read with the same header aliases and stage rules as `outcomes import`;
    an outcome column (converted, converted_within_90_days...) wins over the stage."""

    columns = header_map(outcomes.headers)
    key = columns.get("lead_id") or columns.get("email") or _lead_key(outcomes)
    flag = find_label(outcomes.headers, outcomes.rows, label)
    won: dict[str, bool] = {}
    for raw in outcomes.rows:
        if flag is not None and key is not None:
            answer = to_bool(raw.get(flag))
            found = str(raw.get(key) or "").strip().lower()
            if found and answer is not None:
                won[found] = won.get(found, False) or answer
            continue
        value = {
            f: str(raw.get(c) if raw.get(c) is not None else "").strip() for f, c in columns.items()
        }
        try:
            status = parse_status(value)
        except BadOutcomeRow:
            continue
        found = str(raw.get(key) or "").strip().lower() if key else ""
        if found and status != CrmStatus.OPEN:
            won[found] = won.get(found, False) or status == CrmStatus.WON
    if not won:
        raise DatasetError(
            f"{outcomes.name}: no closed (won or lost) outcome with a lead id or email; "
            "check its stage and email or lead id columns"
        )
    return won


def _labels(
    inputs: Inputs, label: str | None, key: str | None
) -> tuple[list[bool | None], str | None]:
    leads = inputs.leads
    column = find_label(leads.headers, leads.rows, label)
    if column is not None:
        return [to_bool(r.get(column)) for r in leads.rows], column
    if label and inputs.outcomes is None:
        raise DatasetError(f"{leads.name}: no column named {label!r}")
    if inputs.outcomes is None or key is None:
        raise DatasetError(
            f"{leads.name}: no outcome column (converted, won, ...) and no outcome "
            "file to join; pass --label COLUMN or an outcome export"
        )
    won = _labels_from_outcomes(leads, inputs.outcomes, label)
    # A lead with no closed opportunity did not convert: that is what "converted" means.
    return [won.get(str(r.get(key) or "").strip().lower(), False) for r in leads.rows], None


def _feature_kinds(
    inputs: Inputs,
    skip: set[str],
    snapshots: list[datetime | None],
    created: str | None,
    guard: Guard,
    exclude: set[str],
) -> dict[str, Kind]:
    headers = [h for h in inputs.leads.headers if h not in skip]
    kinds = infer_kinds(headers, inputs.leads.rows)
    for leak in leaky_dates(inputs.leads.rows, kinds, snapshots, created):
        guard.dropped[leak] = Dropped.LEAK_DATE
    for header, kind in kinds.items():
        if header in inputs.leaky:
            guard.dropped[header] = Dropped.LEAK_DECLARED
        elif header in exclude or snake(header) in exclude:
            guard.dropped[header] = Dropped.EXCLUDED
        elif kind is Kind.IDENTIFIER:
            guard.dropped[header] = Dropped.IDENTIFIER
        elif kind is Kind.TEXT:
            guard.dropped[header] = Dropped.FREE_TEXT
    return {
        h: k
        for h, k in kinds.items()
        if h not in guard.dropped and k is not Kind.DATE and h != created
    }


def _add_activities(
    inputs: Inputs,
    rows: list[Row],
    keys: list[str],
    snapshots: list[datetime | None],
    kinds: dict[str, Kind],
    guard: Guard,
    notes: list[str],
) -> None:
    by_key = dict(zip(keys, snapshots, strict=True))
    for table in inputs.activities:
        log = describe_log(table.name, table.headers, table.rows, LEAD_KEYS)
        if log is None:
            notes.append(f"{table.name}: no lead id or email column; not used")
            continue
        per_lead = aggregate(log, table.rows, by_key, guard)
        names = sorted({name for features in per_lead.values() for name in features})
        for name in names:
            kinds[name] = Kind.NUMBER
        for key, row in zip(keys, rows, strict=True):
            found = per_lead.get(key, {})
            for name in names:
                # No activity is a count of 0; "days since last" has no value without one.
                row[name] = found.get(name, None if name.endswith("days_since_last") else 0.0)


def build_dataset(
    inputs: Inputs,
    label: str | None = None,
    as_of: datetime | None = None,
    exclude: set[str] | frozenset[str] = frozenset(),
) -> Dataset:
    leads, guard, notes = inputs.leads, Guard(), []
    key = _lead_key(leads)
    labels, label_column = _labels(inputs, label, key)
    created = find_column(leads.headers, CREATED_NAMES)
    snapshots = snapshot_dates(leads.rows, created, as_of, inputs.snapshot_days)
    skip = {label_column} if label_column else set()
    kinds = _feature_kinds(inputs, skip, snapshots, created, guard, set(exclude))
    keep = [i for i, y in enumerate(labels) if y is not None]
    rows = [{name: leads.rows[i].get(name) for name in kinds} for i in keep]
    keys = [str(leads.rows[i].get(key) or "").strip().lower() if key else str(i) for i in keep]
    snaps = [snapshots[i] for i in keep]
    if inputs.activities:
        _add_activities(inputs, rows, keys, snaps, kinds, guard, notes)
    for name in too_good(rows, [bool(labels[i]) for i in keep], kinds):
        guard.dropped[name] = Dropped.TOO_GOOD
        del kinds[name]
    if len(keep) < len(labels):
        notes.append(f"{len(labels) - len(keep)} rows without a readable outcome were left out")
    for name in list(kinds):
        if len({str(r.get(name)) for r in rows}) <= 1:
            guard.dropped[name] = Dropped.CONSTANT
            del kinds[name]
    created_at = [to_date(leads.rows[i].get(created)) if created else None for i in keep]
    return Dataset(
        rows, [bool(labels[i]) for i in keep], created_at, kinds, guard, leads.name, notes
    )


def load_inputs(
    path: Path,
    leads: Path | None = None,
    activities: list[Path] | None = None,
    snapshot_days: int | None = None,
    joins: list[Path] | None = None,
) -> Inputs:
    """OUTCOMES is a folder, a lead table with an outcome column, or a CRM export (with --leads)."""
    if path.is_dir():
        inputs = read_folder(path)
    elif leads is not None:
        inputs = Inputs(read_table(leads), outcomes=read_table(path))
    else:
        inputs = Inputs(read_table(path))
    for extra in joins or []:
        table = read_table(extra)
        if not join_attributes(inputs.leads, table):
            raise DatasetError(
                f"{table.name}: no id column shared with the leads, or several rows "
                "per id (pass activity logs with --activities)"
            )
    inputs.activities += [read_table(p) for p in activities or []]
    if snapshot_days is not None:
        inputs.snapshot_days = snapshot_days
    base = path if path.is_dir() else path.parent
    inputs.leaky |= _declared_leaks(base)
    return inputs
