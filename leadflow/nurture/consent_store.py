"""Consent records and topic choices in the database: record, read in batches, apply."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leadflow.core.decisions import decision_row, record
from leadflow.core.models import (
    Campaign,
    ConsentRecord,
    Decision,
    Enrollment,
    SourceRecord,
    Subscription,
)
from leadflow.nurture.consent import (
    NO_FACTS,
    ConsentFacts,
    LawfulBasis,
    Purpose,
    consent_block,
    consent_reason,
)
from leadflow.core.statuses import EnrollmentStatus
from leadflow.core.value_lists import among


def record_consent(
    session: Session,
    *,
    lead_id: int,
    purpose: Purpose,
    granted: bool,
    basis: LawfulBasis,
    source: str,
    evidence: Mapping[str, Any],
    at: datetime,
) -> ConsentRecord:
    """Append one record (never overwrite: the history is the evidence) and its decision."""
    row = ConsentRecord(
        lead_id=lead_id,
        purpose=purpose.value,
        granted=granted,
        lawful_basis=basis.value,
        source=source[:200],
        evidence=dict(evidence),
        recorded_at=at,
    )
    session.add(row)
    session.flush()
    record(
        session,
        lead_id=lead_id,
        kind="consent",
        rule_id=f"consent:{purpose.value}",
        outcome=f"{purpose.value} {'granted' if granted else 'withdrawn'}",
        reason=f"{basis.value} via {source}",
        inputs={"consent_record_id": row.id, "source": source, "evidence": dict(evidence)},
        at=at,
    )
    return row


def consent_facts(session: Session, lead_ids: Iterable[int]) -> dict[int, ConsentFacts]:
    """Each lead's latest record per purpose and topic choices, in two queries."""
    ids = sorted(set(lead_ids))
    if not ids:
        return {}
    latest: dict[int, dict[str, bool]] = {}
    for lead_id, purpose, granted in session.execute(
        select(ConsentRecord.lead_id, ConsentRecord.purpose, ConsentRecord.granted)
        .where(among(ConsentRecord.lead_id, ids))
        .order_by(ConsentRecord.recorded_at, ConsentRecord.id)
    ):
        latest.setdefault(lead_id, {})[purpose] = granted  # later rows overwrite: the latest wins
    topics: dict[int, dict[str, bool]] = {}
    for lead_id, topic, subscribed in session.execute(
        select(Subscription.lead_id, Subscription.topic, Subscription.subscribed).where(
            among(Subscription.lead_id, ids)
        )
    ):
        topics.setdefault(lead_id, {})[topic] = subscribed
    return {
        i: ConsentFacts(latest.get(i, {}), topics.get(i, {}))
        for i in ids
        if i in latest or i in topics
    }


def set_topics(
    session: Session,
    *,
    lead_id: int,
    choices: Mapping[str, bool],
    topic_sequences: Mapping[str, list[str]],
    source: str,
    evidence: Mapping[str, Any],
    at: datetime,
) -> list[str]:
    """Store the lead's topic choices; a topic turned off stops its sequences now. Returns
    the topics that changed (nothing changes, and nothing is recorded, when none did)."""
    current = {
        s.topic: s
        for s in session.scalars(select(Subscription).where(Subscription.lead_id == lead_id))
    }
    changed = [
        t
        for t, on in sorted(choices.items())
        if (current[t].subscribed if t in current else True) != on
    ]
    for topic in changed:
        if topic in current:
            current[topic].subscribed, current[topic].updated_at = choices[topic], at
        else:
            session.add(
                Subscription(lead_id=lead_id, topic=topic, subscribed=choices[topic], updated_at=at)
            )
        if not choices[topic]:
            session.execute(
                update(Enrollment)
                .where(
                    Enrollment.lead_id == lead_id,
                    Enrollment.status == EnrollmentStatus.ACTIVE,
                    Enrollment.sequence.in_(topic_sequences.get(topic, [])),
                )
                .values(
                    status=EnrollmentStatus.EXITED, exit_reason="topic_unsubscribed", ended_at=at
                )
            )
    if changed:
        record(
            session,
            lead_id=lead_id,
            kind="preferences",
            rule_id="preference-centre",
            outcome=", ".join(f"{t} {'on' if choices[t] else 'off'}" for t in changed)[:200],
            reason=f"the lead's own choice via {source}",
            inputs={"choices": {t: choices[t] for t in changed}, "evidence": dict(evidence)},
            at=at,
        )
    return changed


class ConsentGate:
    """Enrollment's consent check for one batch: a lead without the consent a sequence's topic
    needs is not enrolled, and that is recorded once per lead and sequence (not per attempt)."""

    def __init__(self, policy: Any, facts: dict[int, ConsentFacts], recorded: set[tuple[int, str]]):
        self.policy, self.facts, self.recorded = policy, facts, recorded
        # The refusals to record, as decision rows: the caller writes them with its batch
        # (write_decisions), not an ORM object each.
        self.decisions: list[dict[str, Any]] = []

    @classmethod
    def load(cls, session: Session, policy: Any, lead_ids: list[int], at: datetime) -> ConsentGate:
        record_campaign_consent(session, policy, lead_ids, at)
        recorded = (
            {
                (lead_id, rule.removeprefix("consent-gate:"))
                for lead_id, rule in session.execute(
                    select(Decision.lead_id, Decision.rule_id).where(
                        among(Decision.lead_id, lead_ids), Decision.kind == "not-enrolled"
                    )
                )
            }
            if lead_ids
            else set()
        )
        return cls(policy, consent_facts(session, lead_ids), recorded)

    def admits(self, lead: Any, sequence: Any, at: datetime, run_id: str | None) -> bool:
        facts = self.facts.get(lead.id, NO_FACTS)
        blocked = consent_block(self.policy.consent, lead.country, facts, sequence.topic_key)
        if blocked is None:
            return True
        if (lead.id, sequence.key) not in self.recorded:
            self.recorded.add((lead.id, sequence.key))
            why = consent_reason(self.policy.consent, lead.country, facts, Purpose.MARKETING_EMAIL)
            self.decisions.append(
                decision_row(
                    lead_id=lead.id,
                    kind="not-enrolled",
                    rule_id=f"consent-gate:{sequence.key}",
                    outcome=f"not enrolled in {sequence.key}: {blocked.value}",
                    reason=why,
                    inputs={
                        "country": lead.country,
                        "topic": sequence.topic_key,
                        "block": blocked.value,
                    },
                    at=at,
                    config_version=self.policy.config_version,
                    flow_run_id=run_id,
                )
            )
        return False


def record_campaign_consent(
    session: Session, policy: Any, lead_ids: list[int], at: datetime
) -> int:
    """Leads whose rows came from a campaign that asked for consent get it recorded, with the
    row (file and line) as evidence; once per lead, purpose and campaign. Returns how many."""
    campaigns = policy.consent.campaigns
    if not campaigns or not lead_ids:
        return 0
    have = {
        (lead_id, purpose, source)
        for lead_id, purpose, source in session.execute(
            select(ConsentRecord.lead_id, ConsentRecord.purpose, ConsentRecord.source).where(
                among(ConsentRecord.lead_id, lead_ids)
            )
        )
    }
    rows = session.execute(
        select(
            SourceRecord.lead_id,
            SourceRecord.id,
            SourceRecord.source_name,
            SourceRecord.line_no,
            Campaign.name,
        )
        .join(Campaign, Campaign.id == SourceRecord.campaign_id)
        .where(among(SourceRecord.lead_id, lead_ids), Campaign.name.in_(list(campaigns)))
        .order_by(SourceRecord.id)
    )
    added = 0
    for lead_id, record_id, file, line, name in rows:
        given = campaigns[name]
        for purpose in given.purposes:
            source = f"campaign:{name}"
            if (lead_id, purpose, source) in have:
                continue
            have.add((lead_id, purpose, source))
            record_consent(
                session,
                lead_id=lead_id,
                purpose=Purpose(purpose),
                granted=True,
                basis=LawfulBasis(given.lawful_basis),
                source=source,
                at=at,
                evidence={
                    "source_record_id": record_id,
                    "file": file,
                    "line": line,
                    "statement": given.statement,
                },
            )
            added += 1
    return added
