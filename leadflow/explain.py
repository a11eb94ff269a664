"""`leadflow explain`: a lead's decisions as a readable trace."""

from __future__ import annotations

import json

from rich.console import Group
from rich.table import Table
from rich.text import Text

from leadflow.models import Decision, Lead


def _inputs(decision: Decision) -> str:
    text = json.dumps(decision.inputs, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 400 else text[:397] + "..."


def render_trace(lead: Lead, decisions: list[Decision]) -> Group:
    header = Text.assemble(
        (f"lead {lead.id} ", "bold"), f"{lead.email}  ",
        f"score {lead.score} ({lead.temperature or 'unscored'}, fit {lead.fit_score} + engagement "
        f"{lead.engagement_score})  status {lead.status}  owner {lead.owner_rep or '-'}")
    table = Table("when (UTC)", "what", "rule", "outcome", "why", "inputs", "config", show_lines=True)
    for d in decisions:
        table.add_row(f"{d.at:%Y-%m-%d %H:%M}", d.kind, d.rule_id or "-", d.outcome, d.reason,
                      _inputs(d), d.config_version or "-")
    return Group(header, table)
