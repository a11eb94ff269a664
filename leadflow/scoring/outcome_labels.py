"""Outcome labels for calibration and training, read from the same CRM exports `outcomes import`
takes (one header map and one stage reading: leadflow.report.outcome_rows) (pure).

The label: the ``converted``/``won`` column when the file has it (the calibration format),
else the CRM stage: closed won is True, closed lost False, an open deal not yet known.
Several rows for one lead are reported; the lead counts as converted if any row says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from leadflow.core.answers import parse_answer
from leadflow.core.errors import BadOutcomeRow
from leadflow.report.outcome_rows import header_map, parse_status
from leadflow.core.statuses import CrmStatus


@dataclass
class OutcomeLabels:
    labels: dict[str, bool]  # email (lower case) or "#<lead id>" -> converted
    read_from: str  # the column or "stage"
    duplicates: dict[str, int] = field(default_factory=dict)  # key -> rows
    conflicting: int = 0  # duplicates that disagree
    skipped: list[tuple[int, str]] = field(default_factory=list)


def _key(value: Mapping[str, str]) -> str | None:
    if value.get("email"):
        return value["email"].lower()
    ref = value.get("lead_id", "")
    return f"#{ref}" if ref.isdigit() else None


def _label(value: Mapping[str, str], source: str) -> bool | None:
    if source != "stage":
        return parse_answer(value.get(source, ""))
    status = parse_status(value)
    return None if status == CrmStatus.OPEN else status == CrmStatus.WON


def read_labels(
    rows: Iterable[tuple[int, Mapping[str, str]]], headers: Iterable[str], label: str = "converted"
) -> OutcomeLabels:
    columns = header_map(list(headers))
    source = label if label in columns else ("won" if "won" in columns else "stage")
    if source == "stage" and "status" not in columns:
        raise BadOutcomeRow(f"no {label!r}, won or stage column: cannot tell who converted")
    seen: dict[str, list[bool]] = defaultdict(list)
    skipped: list[tuple[int, str]] = []
    for line_no, raw in rows:
        value = {f: str(raw.get(c) or "").strip() for f, c in columns.items()}
        key = _key(value)
        try:
            answer = _label(value, source)
        except BadOutcomeRow as exc:
            skipped.append((line_no, str(exc)))
            continue
        if key is None:
            skipped.append((line_no, "no lead email or lead id"))
        elif answer is None:
            skipped.append((line_no, "outcome not known yet (open, or no value)"))
        else:
            seen[key].append(answer)
    result = OutcomeLabels({k: any(v) for k, v in seen.items()}, source, skipped=skipped)
    result.duplicates = {k: len(v) for k, v in seen.items() if len(v) > 1}
    result.conflicting = sum(len(set(v)) > 1 for v in seen.values())
    return result
