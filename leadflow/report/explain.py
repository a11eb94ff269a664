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
    table = Table(
        "part",
        "rule / signal",
        "input",
        "points",
        title=f"score breakdown ({score.config_version})",
    )
    inputs = score.inputs
    if inputs.get("disqualified_by"):
        hit = inputs["disqualified_by"]
        table.add_row(
            "disqualifier", hit["rule_id"], f"{hit['field']} = {hit['value']!r}", "score 0"
        )
    for hit in inputs.get("hits", []):
        table.add_row(
            "fit", hit["rule_id"], f"{hit['field']} = {hit['value']!r}", f"{hit['points']:+d}"
        )
    for verdict in inputs.get("qualification", []):
        table.add_row(
            "qualification",
            verdict["model"],
            f"{verdict['verdict']}: {verdict['reason']}",
            f"{verdict['points']:+d}",
        )
    for item in inputs.get("engagement", []):
        machine = " (machine)" if item["machine"] else ""
        table.add_row(
            "engagement",
            item["signal"],
            f"{item['at']}{machine}, was {item['raw']:+}",
            f"{item['now']:+.1f}",
        )
    model = inputs.get("model")
    if model:  # the score is the model's probability; the rules above still give the grade
        table.add_row(
            "model",
            model["version"],
            f"probability {model['probability']:.2f}",
            f"score {round(100 * model['probability'])}",
        )
        for item in model.get("contributions", []):
            table.add_row(
                "model", item["feature"], "log-odds vs the average lead", f"{item['log_odds']:+.2f}"
            )
    if inputs.get("missing_fit_fields"):
        table.add_row(
            "unknown", ", ".join(inputs["missing_fit_fields"]), "scored with what is known", ""
        )
    return table


# The decisions that say where a lead ended up, latest last.
FINAL_KINDS = (
    "route",
    "enroll",
    "exit",
    "suppress",
    "reject",
    "accept",
    "sla",
    "pool",
    "handoff",
    "stage",
)
LEAD_FIELDS = (
    "id",
    "email",
    "full_name",
    "company",
    "country",
    "state",
    "score",
    "temperature",
    "fit_score",
    "qualification_score",
    "engagement_score",
    "grade",
    "purchase_class",
    "lifecycle_stage",
    "status",
    "owner_rep",
)


def trace_as_dict(lead: Lead, decisions: list[Decision]) -> dict[str, object]:
    """`leadflow explain --json`: the lead and every decision, inputs in full."""
    return {
        "lead": {name: getattr(lead, name, None) for name in LEAD_FIELDS},
        "decisions": [
            {
                "at": d.at.isoformat(),
                "kind": d.kind,
                "rule": d.rule_id,
                "outcome": d.outcome,
                "reason": d.reason,
                "inputs": d.inputs,
                "config_version": d.config_version,
                "flow_run_id": d.flow_run_id,
            }
            for d in decisions
        ],
    }


def render_summary(lead: Lead, decisions: list[Decision]) -> Group:
    """The short view: where the lead is and why, the score's points, the latest of each kind."""
    parts: list = [_header(lead)]  # type: ignore[type-arg]
    fallback = decisions[-1] if decisions else None
    final = next((d for d in reversed(decisions) if d.kind in FINAL_KINDS), fallback)
    if final is not None:
        parts.append(
            Text.assemble(
                ("now: ", "bold"),
                f"{final.kind} -> {final.outcome}",
                (" because ", "bold"),
                final.reason,
                f"  ({final.rule_id or '-'}, {final.at:%Y-%m-%d %H:%M} UTC)",
            )
        )
    scores = [d for d in decisions if d.kind == "score"]
    if scores:
        parts.append(_breakdown(scores[-1]))
    latest = {d.kind: d for d in decisions}  # the last of each kind, in order of first appearance
    table = Table(
        "when (UTC)", "what", "rule", "outcome", "why", title="latest decision of each kind"
    )
    for d in latest.values():
        table.add_row(f"{d.at:%Y-%m-%d %H:%M}", d.kind, d.rule_id or "-", d.outcome, d.reason)
    parts.append(table)
    parts.append(
        Text(
            f"{len(decisions)} decisions in all: --all for the whole trace with inputs, "
            "--json for scripts",
            style="dim",
        )
    )
    return Group(*parts)


def _header(lead: Lead) -> Text:
    return Text.assemble(
        (f"lead {lead.id} ", "bold"),
        f"{lead.email}  ",
        f"score {lead.score} ({lead.temperature or 'unscored'}; fit {lead.fit_score} + qualification "
        f"{lead.qualification_score} + engagement {lead.engagement_score})  grade {lead.grade or '-'}  "
        f"class {lead.purchase_class or '-'}  stage {lead.lifecycle_stage}  status {lead.status}  "
        f"owner {lead.owner_rep or '-'}",
    )


def render_trace(lead: Lead, decisions: list[Decision]) -> Group:
    parts: list = [_header(lead)]  # type: ignore[type-arg]
    scores = [d for d in decisions if d.kind == "score"]
    if scores:
        parts.append(_breakdown(scores[-1]))
    table = Table(
        "when (UTC)",
        "what",
        "rule",
        "outcome",
        "why",
        "inputs",
        "config",
        show_lines=True,
        title="decisions",
    )
    for d in decisions:
        table.add_row(
            f"{d.at:%Y-%m-%d %H:%M}",
            d.kind,
            d.rule_id or "-",
            d.outcome,
            d.reason,
            _inputs(d),
            d.config_version or "-",
        )
    parts.append(table)
    return Group(*parts)
