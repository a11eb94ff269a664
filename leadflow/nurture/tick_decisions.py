"""The decisions a nurture tick records: exits, branches and deferrals of due steps, and the
A/B variant each sent step gets (with the bucket or promotion that chose it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from leadflow.core.decisions import decision_row
from leadflow.nurture.plan import Action
from leadflow.nurture.policy import NurturePolicy
from leadflow.nurture.variants import assign_variant


def tick_decision(
    row: Any, action: Action, at: datetime, policy: NurturePolicy, run_id: str | None
) -> dict[str, Any]:
    number, seq = row["next_step"] + 1, row["sequence"]
    inputs: dict[str, Any] = {"sequence": seq, "step": number, "due_at": row["next_due_at"]}
    if action.zone is not None:
        inputs |= {
            "zone": action.zone.zone.key,
            "zone_source": action.zone.source,
            "local_now": at.astimezone(action.zone.zone).strftime("%a %Y-%m-%d %H:%M"),
        }
    if action.kind == "defer":
        local = action.at.astimezone(action.zone.zone) if action.at and action.zone else action.at
        inputs |= {"deferred_to": action.at, "local_deferred_to": f"{local:%a %Y-%m-%d %H:%M}"}
        return decision_row(
            lead_id=row["lead_id"],
            kind="defer",
            rule_id=f"send-rule:{action.rule}",
            at=at,
            outcome=f"step {number} of {seq} deferred to {action.at:%Y-%m-%d %H:%M} UTC",
            reason=f"{action.rule}: not now ({inputs.get('local_now')}), next allowed "
            f"{inputs['local_deferred_to']} local",
            inputs=inputs,
            config_version=policy.config_version,
            flow_run_id=run_id,
        )
    if action.branch is not None:
        goto = action.branch.goto
        inputs |= {"branch": action.branch.model_dump()}
        return decision_row(
            lead_id=row["lead_id"],
            kind="branch",
            rule_id=f"branch:{seq}:{number}",
            at=at,
            outcome=f"{seq}: " + ("ended" if goto == "end" else f"step {goto} instead of {number}"),
            reason=("clicked" if action.branch.if_clicked else "did not click")
            + f" step {action.branch.on_step}",
            inputs=inputs,
            config_version=policy.config_version,
            flow_run_id=run_id,
        )
    return decision_row(
        lead_id=row["lead_id"],
        kind="exit",
        rule_id=f"exit:{action.rule}",
        at=at,
        outcome=f"left {seq} at step {number}",
        reason=str(action.rule),
        inputs=inputs,
        config_version=policy.config_version,
        flow_run_id=run_id,
    )


def step_variant(
    policy: NurturePolicy,
    row: Any,
    index: int,
    promoted: dict[tuple[str, int], str],
    at: datetime,
    run_id: str | None,
) -> tuple[str | None, list[dict[str, Any]]]:
    """The lead's A/B variant of the step and the decision recording it (none without variants)."""
    step = policy.sequence(row["sequence"]).steps[index]
    chosen = assign_variant(
        step.variants,
        row["sequence"],
        index,
        row["lead_id"],
        promoted.get((row["sequence"], index)),
    )
    if chosen is None:
        return None, []
    why = "promoted winner" if chosen.promoted else f"hash bucket {chosen.bucket:.4f} of weights"
    weights = {v.key: v.weight for v in step.variants}
    return chosen.variant, [
        decision_row(
            lead_id=row["lead_id"],
            kind="variant",
            rule_id=f"variant:{row['sequence']}:{index + 1}",
            outcome=f"variant {chosen.variant} of step {index + 1}",
            reason=why,
            at=at,
            inputs={
                "weights": weights,
                "bucket": round(chosen.bucket, 6),
                "promoted": chosen.promoted,
            },
            config_version=policy.config_version,
            flow_run_id=run_id,
        )
    ]
