"""No lead stranded: after any sequence of routing, rejections, SLA sweeps, hand-offs, claims
and hand assignments, every lead rests in one of the allowed states (a Hypothesis state
machine on the real pipeline functions and a real database, on each backend)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import delete, select

from leadflow.core.db import session_scope
from leadflow.core.errors import LeadflowError
from leadflow.routing.handoff import deactivate
from leadflow.core.models import Assignment, Base, Campaign, Lead, MergeCandidate, QueueItem
from leadflow.core.settings import get_settings
from leadflow.dedupe.merging.review import merge_pair
from leadflow.dedupe.policy import load_matching
from leadflow.routing.states import LeadState, lead_states, state_counts
from leadflow.routing.steering import assign_lead, claim_lead
from leadflow.routing.policy import routing_policy
from leadflow.routing.ownership import accept_lead, reject_lead
from tasks.routing import route_leads
from tasks.sla import pool_unrouted, sweep_sla

pytestmark = pytest.mark.db
T0 = datetime(2026, 11, 9, 15, 0, tzinfo=timezone.utc)
ALLOWED = {
    LeadState.OWNED,
    LeadState.QUEUED,
    LeadState.NURTURE,
    LeadState.POOL,
    LeadState.DISQUALIFIED,
    LeadState.MERGED,
}
# (country, state, employees, channel): EMEA, North America, China, nowhere, a partner lead
PLACES = [
    ("DE", None, 500, None),
    ("US", "NY", 5000, None),
    ("CN", "BJ", 300, None),
    ("BR", None, 50, None),
    ("US", "CA", 40, "partner"),
]


def empty_database() -> None:
    with session_scope() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))


def reroute(lead_ids: list[int], at: datetime) -> None:
    """What the reclaim flow and a wrong-match rejection do after: route, then pool the rest."""
    route_leads.fn(lead_ids, at)
    pool_unrouted.fn(lead_ids, at)


class Routing(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        empty_database()
        self.now, self.count = T0, 0
        self.reps = [r.key for t in routing_policy().teams for r in t.reps]
        with session_scope() as session:
            session.add(Campaign(name="partners", channel="partner"))

    def _ids(self, status: str | tuple[str, ...]) -> list[int]:
        wanted = (status,) if isinstance(status, str) else status
        with session_scope() as session:
            return list(
                session.scalars(select(Lead.id).where(Lead.status.in_(wanted)).order_by(Lead.id))
            )

    @rule(place=st.sampled_from(PLACES))
    def a_hot_lead_arrives(self, place: tuple) -> None:
        country, state, employees, channel = place
        self.count += 1
        with session_scope() as session:
            partner = session.scalar(select(Campaign.id).where(Campaign.name == "partners"))
            lead = Lead(
                email=f"p{self.count}@firm{self.count}.example",
                domain=f"firm{self.count}.example",
                country=country,
                state=state,
                employees=employees,
                temperature="hot",
                score=90,
                status="new",
                first_campaign_id=partner if channel else None,
                created_at=self.now,
                updated_at=self.now,
            )
            session.add(lead)
            session.flush()
            lead_id = lead.id
        route_leads.fn([lead_id], self.now)

    @rule(hours=st.sampled_from([1, 5, 9, 30, 200]))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule()
    def the_sla_sweep_runs(self) -> None:
        swept = sweep_sla.fn(self.now)
        reroute(swept.reassign, self.now)
        # Queues drain: right after a sweep no waiting lead is past its deadline.
        with session_scope() as session:
            overdue = session.scalars(
                select(QueueItem.lead_id).where(
                    QueueItem.status == "open", QueueItem.due_at < self.now
                )
            ).all()
        assert not overdue

    @rule(pick=st.integers(0, 50), reason=st.sampled_from(["wrong_match", "not_ready"]))
    def a_rep_rejects(self, pick: int, reason: str) -> None:
        offered = self._ids("routed")
        if offered and reject_lead(offered[pick % len(offered)], reason, "", self.now) == "reroute":
            reroute([offered[pick % len(offered)]], self.now)

    @rule(pick=st.integers(0, 50))
    def a_rep_accepts(self, pick: int) -> None:
        offered = self._ids("routed")
        if offered:
            accept_lead(str(offered[pick % len(offered)]), self.now)

    @rule(pick=st.integers(0, 50), other=st.integers(1, 50))
    def a_person_merges_two_leads(self, pick: int, other: int) -> None:
        """The dedupe review folds one lead into another, whatever state either is in."""
        with session_scope() as session:
            live = list(
                session.scalars(select(Lead.id).where(Lead.suppressed.is_(False)).order_by(Lead.id))
            )
            if len(live) < 2:
                return
            kept, folded = live[pick % len(live)], live[(pick + other) % len(live)]
            if kept == folded:
                return
            pair = MergeCandidate(lead_id=kept, other_lead_id=folded, probability=0.97, deciding={})
            session.add(pair)
            session.flush()
            merge_pair(
                session, pair.id, load_matching(get_settings().ingest_dir), "ops.admin", self.now
            )

    @rule(pick=st.integers(0, 50), to_team=st.booleans())
    def a_rep_leaves(self, pick: int, to_team: bool) -> None:
        leaving = self.reps[pick % len(self.reps)]
        target = "inside-sales" if to_team else self.reps[(pick + 1) % len(self.reps)]
        try:
            deactivate(leaving, target, self.now)
        except LeadflowError:
            pass  # handing to oneself, to someone already gone, or twice: refused, nothing moved

    @rule(pick=st.integers(0, 50), rep=st.integers(0, 50))
    def a_rep_claims_from_the_pool(self, pick: int, rep: int) -> None:
        pooled = self._ids("pool")
        if pooled:
            try:
                claim_lead(
                    pooled[pick % len(pooled)],
                    self.reps[rep % len(self.reps)],
                    "call today",
                    self.now,
                )
            except LeadflowError:
                pass  # a limit, an inactive rep: refused and recorded

    @rule(pick=st.integers(0, 50), rep=st.integers(0, 50))
    def an_admin_assigns_by_hand(self, pick: int, rep: int) -> None:
        waiting = self._ids(("queued", "pool"))
        if waiting:
            try:
                assign_lead(
                    waiting[pick % len(waiting)],
                    self.reps[rep % len(self.reps)],
                    "ops.admin",
                    "steered by hand",
                    self.now,
                )
            except LeadflowError:
                pass  # the rep is gone

    @invariant()
    def no_lead_is_stranded(self) -> None:
        with session_scope() as session:
            states = lead_states(session)
            stranded = {i: s for i, s in states.items() if s not in ALLOWED}
            held = session.execute(
                select(Assignment.lead_id, Assignment.rep).where(
                    Assignment.status.in_(("offered", "accepted"))
                )
            ).all()
        assert not stranded, (stranded, state_counts_now())
        # A lead is with at most one rep at a time.
        assert len({lead_id for lead_id, _ in held}) == len(held)


def state_counts_now() -> dict[str, int]:
    with session_scope() as session:
        return state_counts(session)


def test_no_lead_is_ever_stranded(leadflow_env, smtp_sink):
    run_state_machine_as_test(
        Routing,
        settings=settings(
            max_examples=20,
            stateful_step_count=25,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
