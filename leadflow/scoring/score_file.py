"""Score a file without storing it: what-if for marketing, and a way to test a config."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from leadflow.core.safe_csv import SafeWriter
from leadflow.routing.policy import RoutingPolicy
from leadflow.scoring.policy import ScoringPolicy
from leadflow.enrich.firmographics import Firmographic, enrichment_for
from leadflow.ingest.normalize import map_columns, normalize_row
from leadflow.routing.route import territory_of
from leadflow.scoring.score import score_lead
from leadflow.core.types import CleanLead, LeadView, Quarantined
from leadflow.ingest.sources import RawRow, open_source
from leadflow.scoring.rules_on_rows import rules_columns
from leadflow.scoring.values import parse_band


def _cell(raw: RawRow, headers: list[str], values: list[str], column: str | None) -> str:
    if column is None:
        return ""
    if raw.record is not None:
        return str(raw.record.get(column) or "")
    index = headers.index(column)
    return values[index] if index < len(values) else ""


OUT_COLUMNS = ["score", "temperature", "grade", "fit", "disqualified_by", "reasons", "error"]


def view_of(row: CleanLead, firm: Firmographic | None, routing: RoutingPolicy) -> LeadView:
    fields = dict(row.filled_fields())
    if firm and not row.is_free_mail:
        fields.update(enrichment_for(fields, firm))
    return LeadView(
        id=row.line_no,
        email=row.email,
        domain=row.domain,
        is_free_mail=row.is_free_mail,
        is_disposable=row.is_disposable,
        is_role_address=row.is_role_address,
        has_website=not (row.is_free_mail or row.is_disposable) if row.domain else None,
        company=fields.get("company"),
        title=fields.get("title"),
        country=fields.get("country"),
        state=fields.get("state"),
        city=fields.get("city"),
        industry=fields.get("industry"),
        employees=fields.get("employees"),
        revenue_band=fields.get("revenue_band"),
        product_line=fields.get("product_line"),
        territory=territory_of(fields.get("country"), fields.get("state"), routing),
    )


def _with_bands(view: LeadView, raw: dict[str, str]) -> LeadView:
    """A size band keeps both ends ("2000+" is not 2000), and a revenue column is read."""
    band = parse_band(raw.get("employees"))
    if band is not None and band.high != band.low:
        view = replace(view, employees=band)  # type: ignore[arg-type]
    if raw.get("revenue_band"):
        view = replace(view, revenue_band=raw["revenue_band"].strip())
    return view


@dataclass(frozen=True)
class _FileShape:
    """What every row of one file is read with."""

    headers: list[str]
    columns: dict[str, str]  # header -> lead field
    revenue: str | None  # the header of a revenue column, if any
    aliases: dict[str, list[str]] | None


def _fields(raw: RawRow, shape: _FileShape) -> tuple[list[str], dict[str, str]]:
    """The row's cells as written (for the output) and its lead fields (for scoring)."""
    headers = shape.headers
    values = raw.values or [raw.record.get(h, "") if raw.record else "" for h in headers]
    if raw.record is not None:
        mapping, _ = map_columns(raw.record, shape.aliases)
        return values, {field: raw.record[key] for key, field in mapping.items()}
    return values, {
        shape.columns[h]: v for h, v in zip(headers, values, strict=False) if h in shape.columns
    }


def _score_row(
    raw: RawRow,
    shape: _FileShape,
    policy: ScoringPolicy,
    routing: RoutingPolicy,
    firmographics: dict[str, Firmographic],
) -> tuple[list[object], str]:
    """The output line of one input row, and what it counts as (a temperature or unscorable)."""
    headers = shape.headers
    values, fields = _fields(raw, shape)
    ragged = raw.values is not None and len(raw.values) != len(headers)
    result = None if raw.error_kind or ragged else normalize_row(fields, 0, raw.line_no)
    if result is None or isinstance(result, Quarantined):
        reason = raw.error or (
            result.reason
            if result
            else f"wrong field count: expected {len(headers)}, got {len(values)}"
        )
        # A ragged row is cut or padded to the header so the added columns stay aligned.
        aligned = (list(values) + [""] * len(headers))[: len(headers)]
        return [raw.line_no, *aligned, "", "", "", "", "", "", reason], "unscorable"
    raw_fields = {**fields, "revenue_band": _cell(raw, headers, values, shape.revenue)}
    view = _with_bands(view_of(result, firmographics.get(result.domain), routing), raw_fields)
    scored = score_lead(view, policy)
    dq = scored.disqualified_by.rule_id if scored.disqualified_by else ""
    reasons = "; ".join(scored.reasons(top=None))
    line = [raw.line_no, *values, scored.score, scored.temperature, scored.grade, scored.fit]
    return [*line, dq, reasons, ""], scored.temperature


def score_file(
    source: Path,
    out: TextIO,
    policy: ScoringPolicy,
    routing: RoutingPolicy,
    firmographics: dict[str, Firmographic],
    aliases: dict[str, list[str]] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Counter[str]:
    """Write every input row with its score, grade, temperature and top reasons to ``out`` (an
    open text file: the caller picks the file or stdout); count outcomes.

    ``progress(rows done)`` after each row, for a progress bar."""
    counts: Counter[str] = Counter()
    with open_source(source) as (info, rows):
        writer = SafeWriter(out)
        headers = info.headers or []
        writer.writerow(["line", *headers, *OUT_COLUMNS])
        columns, _ = map_columns(headers, aliases)
        shape = _FileShape(headers, columns, rules_columns(headers).get("revenue_band"), aliases)
        for done, raw in enumerate(rows, start=1):
            line, outcome = _score_row(raw, shape, policy, routing, firmographics)
            writer.writerow(line)
            counts[outcome] += 1
            if progress is not None:
                progress(done)
    return counts
