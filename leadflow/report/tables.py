"""The report as rows of display strings: one shape for Rich, Prefect table artifacts and markdown."""

from __future__ import annotations

from leadflow.report.attribution import MODEL_LABELS, MODELS
from leadflow.report.build import Report
from leadflow.report.plan import Plan
from leadflow.report.rows import STAGE_LABELS

Rows = list[dict[str, str]]
# Not "-": Prefect renders table cells as markdown, where a lone dash becomes a bullet.
NONE = "—"
BAND_LABELS = {
    "excellent": "excellent (>100%)",
    "watch": "good, watch (70-100%)",
    "warning": "warning (<70%)",
    "no history": "no history yet",
}
# Prefect renders markdown without colour: a shape (not an emoji, which needs an emoji font)
# and bold for a warning make the band readable at a glance.
BAND_MARKS = {"excellent": "▲", "watch": "●", "warning": "▼", "no history": "○"}


def pct(value: float | None) -> str:
    return (
        NONE if value is None else f"{value:.0%}" if value >= 0.1 or value == 0 else f"{value:.1%}"
    )


def money(value: float | None) -> str:
    return NONE if value is None else f"{value:,.0f}"


def days(value: float | None) -> str:
    return NONE if value is None else f"{value:.1f}"


def count(value: int | None) -> str:
    return NONE if value is None else str(value)


def funnel_rows(report: Report) -> Rows:
    return [
        {
            "stage": STAGE_LABELS[r.stage],
            "leads": str(r.count),
            "conversion from previous": pct(r.conversion),
            "median days in stage": days(r.days_to_next),
        }
        for r in report.funnel
    ]


def gap_rows(report: Report) -> Rows:
    gap = report.gap
    rows = [
        {"measure": "MQLs", "value": str(gap.mqls)},
        {"measure": "accepted by sales (SQL)", "value": str(gap.sqls)},
        {"measure": "gap (MQL not SQL)", "value": f"{gap.gap} ({pct(gap.rate)})"},
    ]
    return rows + [
        {"measure": f"  {where}", "value": str(n)} for where, n in gap.where.most_common()
    ]


def health_rows(report: Report) -> Rows:
    return [
        {
            "stage": STAGE_LABELS[h.stage],
            "this period": str(h.current),
            f"norm (mean of {report.trailing} before)": NONE if h.norm is None else f"{h.norm:.1f}",
            "health": pct(h.ratio),
            "band": BAND_LABELS[h.band],
        }
        for h in report.health
    ]


def rep_rows(report: Report) -> Rows:
    return [
        {
            "rep": r.rep,
            "offered": str(r.assigned),
            "open": str(r.open),
            "accepted": str(r.accepted),
            "rejected": str(r.rejected),
            "expired": str(r.expired),
            "reclaimed": str(r.reclaimed),
            "accept rate": pct(r.acceptance),
            "SLA breaches": str(r.sla_breaches),
            "h to accept": days(r.median_hours_to_accept),
            "reject reasons": ", ".join(f"{k} {n}" for k, n in r.reject_reasons.most_common())
            or NONE,
        }
        for r in report.reps
    ]


def campaign_rows(report: Report) -> Rows:
    return [
        {
            "campaign": s.campaign.name,
            "channel": s.campaign.channel,
            "leads": str(s.leads),
            "MQLs": str(s.mqls),
            "SQLs": str(s.sqls),
            "opps": str(s.opportunities),
            "won": str(s.won),
            "won amount": money(s.won_amount),
            "days to opp": days(s.median_days_to_opportunity),
        }
        for s in report.campaigns
    ]


def campaign_cost_rows(report: Report) -> Rows:
    return [
        {
            "campaign": s.campaign.name,
            "cost": money(s.campaign.cost),
            "per lead": money(s.cost_per(s.leads)),
            "per MQL": money(s.cost_per(s.mqls)),
            "per SQL": money(s.cost_per(s.sqls)),
            "per opp": money(s.cost_per(s.opportunities)),
            "per won": money(s.cost_per(s.won)),
            "won / cost": NONE if not s.campaign.cost else f"{s.won_amount / s.campaign.cost:.2f}x",
        }
        for s in report.campaigns
    ]


def credit_rows(report: Report) -> Rows:
    """Won amount (and opportunities) per campaign under each attribution model."""
    ids = sorted({cid for model in report.credit.values() for cid in model})
    rows = []
    for cid in ids:
        row = {"campaign": report.campaign_names.get(cid, f"campaign {cid}")}
        for model in MODELS:
            got = report.credit.get(model, {}).get(cid)
            row[MODEL_LABELS[model]] = (
                NONE if got is None else f"{money(got.won_amount)} ({got.opportunities:.2f} opps)"
            )
        rows.append(row)
    return rows


def plan_rows(plan: Plan) -> Rows:
    return [
        {
            "stage": STAGE_LABELS[s.stage],
            "needed": count(s.needed),
            "measured rate to next": pct(s.rate_to_next),
        }
        for s in plan.stages
    ]


def channel_plan_rows(plan: Plan) -> Rows:
    return [
        {
            "channel": c.channel,
            "share of wins": pct(c.won_share),
            "won to deliver": f"{c.won_target:.1f}",
            "leads": count(c.leads),
            "MQLs": count(c.mqls),
            "SQLs": count(c.sqls),
            "lead to won": pct(c.lead_to_won),
        }
        for c in plan.channels
    ]


def markdown(title: str, rows: Rows, empty: str = "nothing in this period") -> str:
    """A markdown table (Prefect renders it in the artifacts tab); not indented, as Prefect needs."""
    if not rows:
        return f"### {title}\n\n_{empty}_\n"
    head = list(rows[0])
    lines = [f"### {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row[h].replace("|", "/") for h in head) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def funnel_markdown(report: Report) -> str:
    """Funnel, gap and health in one artifact: what a manager reads first."""
    header = (
        f"## Funnel, leads created {report.window.start:%Y-%m-%d} to {report.window.end:%Y-%m-%d} "
        f"({report.period})\n"
    )
    return "\n".join(
        [
            header,
            markdown("Funnel", funnel_rows(report)),
            markdown("MQL/SQL gap", gap_rows(report)),
            markdown("Health against the trailing norm", _marked(report)),
        ]
    )


def _marked(report: Report) -> Rows:
    def mark(band: str, label: str) -> str:
        return (
            f"**{BAND_MARKS[band]} {label}**"
            if band == "warning"
            else f"{BAND_MARKS[band]} {label}"
        )

    return [
        {**row, "band": mark(h.band, row["band"])}
        for h, row in zip(report.health, health_rows(report))
    ]
