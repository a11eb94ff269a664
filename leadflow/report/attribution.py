"""Which campaign paid off: sourced counts per campaign, and touch-based credit models (pure)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from leadflow.report.funnel import DAY
from leadflow.report.rows import CampaignRow, LeadRow, TouchRow

MODELS = ("first_touch", "last_touch", "linear", "position")
MODEL_LABELS = {
    "first_touch": "first touch",
    "last_touch": "last touch",
    "linear": "linear",
    "position": "position (40/20/40)",
}
# Position-based (U-shaped): the touch that found the lead and the one that converted it
# matter most; the middle shares what is left.
ENDS_SHARE = 0.4


@dataclass(frozen=True)
class CampaignStats:
    campaign: CampaignRow
    leads: int
    mqls: int
    sqls: int
    opportunities: int
    won: int
    won_amount: float
    median_days_to_opportunity: float | None

    def cost_per(self, outcomes: int) -> float | None:
        if self.campaign.cost is None or not outcomes:
            return None
        return self.campaign.cost / outcomes


@dataclass
class Credit:
    opportunities: float = 0.0
    won_amount: float = 0.0


def _stats(campaign: CampaignRow, sourced: Sequence[LeadRow]) -> CampaignStats:
    days = [
        (opened - lead.created_at).total_seconds() / DAY
        for lead in sourced
        if (opened := lead.entered("opportunity")) is not None
    ]
    won = [lead for lead in sourced if lead.reached("won")]
    return CampaignStats(
        campaign,
        len(sourced),
        sum(x.reached("mql") for x in sourced),
        sum(x.reached("sql") for x in sourced),
        sum(x.reached("opportunity") for x in sourced),
        len(won),
        sum(lead.won_amount for lead in won),
        median(days) if days else None,
    )


def by_campaign(leads: Sequence[LeadRow], campaigns: Sequence[CampaignRow]) -> list[CampaignStats]:
    """Each campaign's sourced leads (the campaign that first brought them) and how far they got."""
    sourced: dict[int | None, list[LeadRow]] = defaultdict(list)
    for lead in leads:
        sourced[lead.campaign_id].append(lead)
    rows = [_stats(c, sourced.get(c.id, [])) for c in campaigns]
    return [r for r in rows if r.leads]


def path(lead: LeadRow, touches: Sequence[TouchRow]) -> list[TouchRow]:
    """The lead's touches before it became an opportunity, oldest first."""
    opened = lead.entered("opportunity")
    mine = [
        t
        for t in touches
        if t.lead_id == lead.id and (opened is None or t.first_touch_at <= opened)
    ]
    if (
        not mine and lead.campaign_id is not None
    ):  # no membership rows: the sourcing campaign is the path
        mine = [TouchRow(lead.id, lead.campaign_id, 1, lead.created_at, lead.created_at)]
    return sorted(mine, key=lambda t: (t.first_touch_at, t.campaign_id))


def weights(model: str, touches: Sequence[TouchRow]) -> dict[int, float]:
    """Each campaign's share of one conversion; shares sum to 1."""
    if not touches:
        return {}
    if model == "first_touch":
        return {touches[0].campaign_id: 1.0}
    if model == "last_touch":
        last = max(touches, key=lambda t: (t.last_touch_at, t.first_touch_at))
        return {last.campaign_id: 1.0}
    shares: dict[int, float] = defaultdict(float)
    if (
        model == "linear"
    ):  # every touch counts the same, so a campaign that touched twice gets twice
        total = sum(t.touches for t in touches)
        for t in touches:
            shares[t.campaign_id] += t.touches / total
        return dict(shares)
    if model != "position":
        raise ValueError(f"unknown attribution model {model!r}")
    if len(touches) <= 2:
        return _even(touches)
    middle = (1 - 2 * ENDS_SHARE) / (len(touches) - 2)
    for i, t in enumerate(touches):
        shares[t.campaign_id] += ENDS_SHARE if i in (0, len(touches) - 1) else middle
    return dict(shares)


def _even(touches: Sequence[TouchRow]) -> dict[int, float]:
    shares: dict[int, float] = defaultdict(float)
    for t in touches:
        shares[t.campaign_id] += 1 / len(touches)
    return dict(shares)


def credit(leads: Sequence[LeadRow], touches: Sequence[TouchRow]) -> dict[str, dict[int, Credit]]:
    """Opportunities and won amount credited to campaigns under each model."""
    result: dict[str, dict[int, Credit]] = {m: defaultdict(Credit) for m in MODELS}
    for lead in leads:
        if not lead.reached("opportunity"):
            continue
        journey = path(lead, touches)
        for model in MODELS:
            for campaign_id, share in weights(model, journey).items():
                entry = result[model][campaign_id]
                entry.opportunities += share
                entry.won_amount += share * lead.won_amount
    return {m: dict(c) for m, c in result.items()}
