"""`leadflow explain`: a lead's score breakdown and every decision taken on it."""

from __future__ import annotations

import json

from rich.console import Group
from rich.table import Table
from rich.text import Text

from leadflow.core.models import Decision, Lead


def _inputs(decision: Decision) -> str:
    text = json.dumps(decision.inputs, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 400 else text[:397] + "..."


def _breakdown(score: Decision) -> Table:
    """Every point of the latest score, each traced to its rule, input value and version."""
    table = Table("part", "rule / signal", "input", "points", title=f"score breakdown ({score.config_version})")
    inputs = score.inputs
    if inputs.get("disqualified_by"):
        hit = inputs["disqualified_by"]
        table.add_row("disqualifier", hit["rule_id"], f"{hit['field']} = {hit['value']!r}", "score 0")
    for hit in inputs.get("hits", []):
        table.add_row("fit", hit["rule_id"], f"{hit['field']} = {hit['value']!r}", f"{hit['points']:+d}")
    for verdict in inputs.get("qualification", []):
        table.add_row("qualification", verdict["model"], f"{verdict['verdict']}: {verdict['reason']}",
                      f"{verdict['points']:+d}")
    for item in inputs.get("engagement", []):
        machine = " (machine)" if item["machine"] else ""
        table.add_row("engagement", item["signal"], f"{item['at']}{machine}, was {item['raw']:+}",
                      f"{item['now']:+.1f}")
    model = inputs.get("model")
    if model:  # the score is the model's probability; the rules above still give the grade
        table.add_row("model", model["version"], f"probability {model['probability']:.2f}",
                      f"score {round(100 * model['probability'])}")
        for item in model.get("contributions", []):
            table.add_row("model", item["feature"], "log-odds vs the average lead", f"{item['log_odds']:+.2f}")
    if inputs.get("missing_fit_fields"):
        table.add_row("unknown", ", ".join(inputs["missing_fit_fields"]), "scored with what is known", "")
    return table


def render_trace(lead: Lead, decisions: list[Decision]) -> Group:
    header = Text.assemble(
        (f"lead {lead.id} ", "bold"), f"{lead.email}  ",
        f"score {lead.score} ({lead.temperature or 'unscored'}; fit {lead.fit_score} + qualification "
        f"{lead.qualification_score} + engagement {lead.engagement_score})  grade {lead.grade or '-'}  "
        f"class {lead.purchase_class or '-'}  stage {lead.lifecycle_stage}  status {lead.status}  "
        f"owner {lead.owner_rep or '-'}")
    parts: list = [header]  # type: ignore[type-arg]
    scores = [d for d in decisions if d.kind == "score"]
    if scores:
        parts.append(_breakdown(scores[-1]))
    table = Table("when (UTC)", "what", "rule", "outcome", "why", "inputs", "config", show_lines=True,
                  title="decisions")
    for d in decisions:
        table.add_row(f"{d.at:%Y-%m-%d %H:%M}", d.kind, d.rule_id or "-", d.outcome, d.reason,
                      _inputs(d), d.config_version or "-")
    parts.append(table)
    return Group(*parts)
