"""What enrichment tells people: one decision per provider asked, and the run's alerts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from leadflow.core.decisions import decision_row
from leadflow.enrich.chain import LeadOut


def decision_rows(
    out: LeadOut, *, role_address: bool, at: datetime, flow_run_id: str | None, config_version: str
) -> list[dict[str, Any]]:
    common = {
        "lead_id": out.id,
        "kind": "enrich",
        "at": at,
        "flow_run_id": flow_run_id,
        "config_version": config_version,
    }
    if not out.consulted:
        return [
            decision_row(
                **common,
                rule_id="skip",
                outcome=out.status,
                reason=f"no lookup for {out.domain or 'a lead without domain'}",
                inputs={
                    "domain": out.domain,
                    "role_address": role_address,
                    "has_website": out.has_website,
                },
            )
        ]
    rows = []
    for asked in out.consulted:
        filled = {f: v for f, (v, p) in out.changes.items() if p == asked.provider}
        lookup = asked.lookup
        outcome = (
            f"{lookup.status}: filled {', '.join(sorted(filled)) or 'nothing new'}"
            if lookup.status == "found"
            else lookup.status
        )
        rows.append(
            decision_row(
                **common,
                rule_id=f"provider:{asked.provider}",
                outcome=outcome,
                reason=f"{asked.source} lookup for {out.domain}"
                + (f": {lookup.detail}" if lookup.detail else ""),
                inputs={
                    "domain": out.domain,
                    "source": asked.source,
                    "attempts": lookup.attempts,
                    "waits_s": lookup.waits,
                    "filled": filled,
                    "role_address": role_address,
                },
            )
        )
    return rows


def provenance(previous: Mapping[str, Any] | None, out: LeadOut, at: datetime) -> dict[str, Any]:
    merged = dict(previous or {})
    stamp = at.isoformat()  # once, not per field: a batch enriches every lead at one moment
    for name, (_, provider) in out.changes.items():
        merged[name] = {"provider": provider, "at": stamp}
    return merged


def status_counts(outs: Iterable[LeadOut]) -> dict[str, int]:
    return dict(Counter(str(out.status) for out in outs).most_common())


def alert_markdown(disabled: Mapping[str, str], at: datetime) -> str:
    lines = [
        "# Enrichment providers disabled for this run",
        "",
        f"At {at.isoformat()} these providers refused our key; their leads moved on unenriched "
        "(status `provider_disabled`) and will be looked up again on the next run.",
        "",
        "| provider | reason |",
        "|---|---|",
    ]
    lines += [
        f"| {name} | {reason.replace('|', '/')} |" for name, reason in sorted(disabled.items())
    ]
    return "\n".join(lines) + "\n"
