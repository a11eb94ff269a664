"""Plan backwards from a target of won deals with the measured conversion rates (pure)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from leadflow.report.funnel import funnel
from leadflow.report.rows import FUNNEL, CampaignRow, LeadRow


@dataclass(frozen=True)
class StagePlan:
    stage: str
    needed: int | None  # None: a zero conversion rate below this stage makes the target unreachable
    rate_to_next: float | None


@dataclass(frozen=True)
class ChannelPlan:
    channel: str
    won_share: float  # the channel's share of the won deals measured in the period
    won_target: float
    leads: int | None
    mqls: int | None
    sqls: int | None
    lead_to_won: float


@dataclass(frozen=True)
class Plan:
    target_won: int
    stages: list[StagePlan]
    channels: list[ChannelPlan]
    blocked_at: (
        str | None
    )  # the first step (e.g. "sql -> opportunity") with no conversions measured

    @property
    def reachable(self) -> bool:
        return self.blocked_at is None


def backwards(target: Fraction, counts: Sequence[int]) -> list[int | None]:
    """Needed count per stage: the step rates multiply out to count / won, so no rounding piles up.

    None everywhere when nothing was won: no measured rate can carry the target up the funnel.
    """
    won = counts[-1]
    return [math.ceil(target * count / won) if won else None for count in counts]


def _channel_plans(
    leads: Sequence[LeadRow], campaigns: Sequence[CampaignRow], target: int
) -> list[ChannelPlan]:
    channel_of = {c.id: c.channel for c in campaigns}
    by_channel: dict[str, list[LeadRow]] = defaultdict(list)
    for lead in leads:
        by_channel[channel_of.get(lead.campaign_id or -1, "unknown")].append(lead)
    total_won = sum(lead.reached("won") for lead in leads)
    plans = []
    for channel, mine in sorted(by_channel.items()):
        counts = [row.count for row in funnel(mine)]
        share = Fraction(counts[-1], total_won) if total_won else Fraction(0)
        need = backwards(target * share, counts) if share else [None] * len(FUNNEL)
        plans.append(
            ChannelPlan(
                channel,
                float(share),
                float(target * share),
                need[0],
                need[1],
                need[2],
                counts[-1] / counts[0] if counts[0] else 0.0,
            )
        )
    return sorted(plans, key=lambda p: (-p.won_share, p.channel))


def plan(leads: Sequence[LeadRow], campaigns: Sequence[CampaignRow], target_won: int) -> Plan:
    """How many leads, MQLs and SQLs ``target_won`` deals need, overall and per channel.

    Channels are asked for the target in proportion to the wins they produced, each at its
    own conversion rates; a channel with no wins gets no share rather than a guess.
    """
    rows = funnel(leads)
    counts = [row.count for row in rows]
    needed = backwards(Fraction(target_won), counts)
    blocked = next((f"{a.stage} -> {b.stage}" for a, b in zip(rows, rows[1:]) if not b.count), None)
    stages = [
        StagePlan(row.stage, needed[i], rows[i + 1].conversion if i + 1 < len(rows) else None)
        for i, row in enumerate(rows)
    ]
    return Plan(target_won, stages, _channel_plans(leads, campaigns, target_won), blocked)
