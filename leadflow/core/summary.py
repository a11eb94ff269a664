"""Run summaries: counts that flows add up and the CLI and artifacts show."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class BatchOutcome:
    """What cleaning and dedup did to one batch of staged rows."""

    lead_ids: list[int] = field(default_factory=list)
    created: int = 0
    merged: int = 0
    quarantine_reasons: Counter[str] = field(default_factory=Counter)

    @property
    def quarantined(self) -> int:
        return sum(self.quarantine_reasons.values())


@dataclass
class ScoreOutcome:
    hot: list[int] = field(default_factory=list)
    warm: list[int] = field(default_factory=list)
    cold: list[int] = field(default_factory=list)
    disqualified: list[int] = field(default_factory=list)
    changed: int = 0


@dataclass
class RouteOutcome:
    assignment_ids: list[int] = field(default_factory=list)
    per_rep: Counter[str] = field(default_factory=Counter)
    queued: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class SendSummary:
    sent: int = 0
    bounced: int = 0
    deferred: int = 0
    skipped: int = 0

    def __add__(self, other: SendSummary) -> SendSummary:
        return SendSummary(
            self.sent + other.sent,
            self.bounced + other.bounced,
            self.deferred + other.deferred,
            self.skipped + other.skipped,
        )


@dataclass
class IngestSummary:
    campaign: str
    read: int = 0
    already_ingested: int = 0
    quarantined: int = 0
    quarantine_reasons: Counter[str] = field(default_factory=Counter)
    created: int = 0
    merged: int = 0
    hot: int = 0
    warm: int = 0
    cold: int = 0
    disqualified: int = 0
    routed: Counter[str] = field(default_factory=Counter)
    enrolled: int = 0
    emails_sent: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    # why the run did less than it could (SMTP down, provider disabled, teams off work) -> count
    problems: Counter[str] = field(default_factory=Counter)
    resumed: int = 0  # leads an earlier, crashed run left half-done, finished by this one
    blank_lines: int = 0

    def add_batch(
        self,
        cleaned: BatchOutcome,
        scored: ScoreOutcome,
        routed: RouteOutcome,
        sent: SendSummary,
        enrolled: int,
    ) -> None:
        self.quarantined += cleaned.quarantined
        self.quarantine_reasons.update(cleaned.quarantine_reasons)
        self.created += cleaned.created
        self.merged += cleaned.merged
        self.hot += len(scored.hot)
        self.warm += len(scored.warm)
        self.cold += len(scored.cold)
        self.disqualified += len(scored.disqualified)
        self.routed.update(routed.per_rep)
        self.emails_sent += sent.sent
        self.enrolled += enrolled

    def as_dict(self) -> dict[str, object]:
        """For scripts: ``leadflow ingest --json``."""
        return {
            "campaign": self.campaign,
            "rows_read": self.read,
            "rows_already_ingested": self.already_ingested,
            "leads_created": self.created,
            "leads_merged": self.merged,
            "quarantined": self.quarantined,
            "quarantined_by_reason": dict(self.quarantine_reasons),
            "temperature": {
                "hot": self.hot,
                "warm": self.warm,
                "cold": self.cold,
                "disqualified": self.disqualified,
            },
            "routed_per_rep": dict(self.routed),
            "enrolled": self.enrolled,
            "rep_emails_sent": self.emails_sent,
            "unknown_columns": self.unknown_columns,
            "problems": dict(self.problems),
            "leads_resumed": self.resumed,
            "blank_lines": self.blank_lines,
        }

    def rows(self) -> list[dict[str, object]]:
        """The summary as a table (Prefect table artifact and Rich table alike)."""
        table: list[dict[str, object]] = [
            {"measure": "rows read", "value": self.read},
            {"measure": "rows already ingested (skipped)", "value": self.already_ingested},
            {"measure": "blank lines", "value": self.blank_lines},
            {"measure": "leads finished for an earlier run", "value": self.resumed},
            {"measure": "quarantined", "value": self.quarantined},
            {"measure": "new leads", "value": self.created},
            {"measure": "merged into existing", "value": self.merged},
            {"measure": "hot / warm / cold", "value": f"{self.hot} / {self.warm} / {self.cold}"},
            {"measure": "disqualified", "value": self.disqualified},
            {"measure": "routed", "value": sum(self.routed.values())},
            {"measure": "enrolled in nurture", "value": self.enrolled},
            {"measure": "rep emails sent", "value": self.emails_sent},
        ]
        table += [
            {"measure": f"quarantined: {r}", "value": n}
            for r, n in self.quarantine_reasons.most_common()
        ]
        table += [
            {"measure": f"routed to {rep}", "value": n} for rep, n in sorted(self.routed.items())
        ]
        table += [{"measure": f"why: {why}", "value": n} for why, n in self.problems.most_common()]
        return table
