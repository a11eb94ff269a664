"""What people who steer leads do: assign from a queue, claim from the pool, change an owner.

Each function is one unit of work, named by the person (`actor`) who acts; the CLI calls them
and a web workspace can call the same. A refused action is recorded (naming the person) and
raises NotAllowed or ClaimRefused after the refusal is committed; nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.routing.policy import RoutingPolicy, load_routing
from leadflow.core.db import session_scope
from leadflow.core.decisions import record
from leadflow.core.errors import ClaimRefused, NotAllowed, UnknownLead
from leadflow.core.models import Account, Assignment, Enrollment, Lead, Person, QueueItem
from leadflow.routing.assignments import OPEN_STATUSES, AssignmentStatus, offer_sla, open_assignment
from leadflow.routing.people import active_rep, manages, person, sync_people
from leadflow.routing.pool import POOL, Claim, claim, return_to_pool
from leadflow.routing.queues import QUEUED, open_item
from leadflow.core.settings import get_settings
from leadflow.core.statuses import EnrollmentStatus, LeadStatus, QueueItemStatus


def _policy() -> RoutingPolicy:
    return load_routing(get_settings().routing_dir)


def _lead(session: Session, ref: str | int) -> Lead:
    text = str(ref).strip()
    lead = (
        session.get(Lead, int(text))
        if text.isdigit()
        else session.scalar(select(Lead).where(Lead.email == text.lower()))
    )
    if lead is None:
        raise UnknownLead(f"no lead {ref!r}")
    return lead


@dataclass(frozen=True)
class Assigned:
    lead_id: int
    rep: str
    assignment_id: int
    by: str


def _assign_refusal(
    session: Session, lead: Lead, actor: Person, rep: Person, team: str | None, at: datetime
) -> str | None:
    """Why this person may not give this lead to this rep now (None: the lead is the rep's)."""
    if lead.status not in (QUEUED, POOL):
        return f"lead {lead.id} is {lead.status}: only a queued or pooled lead is assigned by hand"
    if not (manages(actor, team) or (actor.key == rep.key and team in (rep.teams or []))):
        return f"{actor.key} ({actor.role}) does not manage team {team}"
    taken = session.execute(
        update(Lead)
        .where(Lead.id == lead.id, Lead.status.in_((QUEUED, POOL)))
        .values(status=LeadStatus.ROUTED, owner_rep=rep.key, updated_at=at)
        .execution_options(synchronize_session=False)
    ).rowcount
    return None if taken == 1 else f"lead {lead.id} changed hands meanwhile"


def _hand_over(
    session: Session, lead_id: int, item: QueueItem | None, rep: str, actor: str, at: datetime
) -> None:
    """The lead leaves its queue (closed as assigned) and its nurture sequences."""
    if item is not None:
        item.status, item.closed_at, item.closed_by = QueueItemStatus.ASSIGNED, at, actor
        item.close_reason = f"assigned to {rep}"
    session.execute(
        update(Enrollment)
        .where(Enrollment.lead_id == lead_id, Enrollment.status == EnrollmentStatus.ACTIVE)
        .values(status=EnrollmentStatus.EXITED, exit_reason="routed to sales")
        .execution_options(synchronize_session=False)
    )


def _assign(
    session: Session,
    policy: RoutingPolicy,
    lead: Lead,
    rep_key: str,
    actor_key: str,
    reason: str,
    at: datetime,
) -> Assigned | str:
    actor, rep = person(session, actor_key), active_rep(session, rep_key)
    item = open_item(session, lead.id)
    team = item.team if item is not None else policy.team_of(rep.key)
    refused = _assign_refusal(session, lead, actor, rep, team, at)
    if refused:
        record(
            session,
            lead_id=lead.id,
            kind="assign",
            rule_id=f"person:{actor.key}",
            actor=actor.key,
            outcome=f"assign to {rep.key} refused",
            reason=refused,
            at=at,
            inputs={"note": reason},
        )
        return refused
    rep_team = policy.team_of(rep.key)
    assignment = open_assignment(
        session,
        lead_id=lead.id,
        rep=rep.key,
        team=rep_team,
        rule_id=f"person:{actor.key}",
        at=at,
        sla=offer_sla(policy, rep_team),
    )
    _hand_over(session, lead.id, item, rep.key, actor.key, at)
    record(
        session,
        lead_id=lead.id,
        kind="assign",
        rule_id=f"person:{actor.key}",
        actor=actor.key,
        outcome=f"assigned to {rep.key} by {actor.key}",
        reason=reason or "assigned by hand",
        at=at,
        config_version=policy.config_version,
        inputs={
            "assignment_id": assignment.id,
            "queue": item.queue if item else None,
            "team": team,
        },
    )
    return Assigned(lead.id, rep.key, assignment.id, actor.key)


def assign_lead(
    lead_ref: str | int, rep_key: str, actor_key: str, reason: str = "", now: datetime | None = None
) -> Assigned:
    """A person gives a queued (or pooled) lead to a rep; the rep gets an offer with an SLA."""
    at, policy = as_utc(now), _policy()
    with session_scope() as session:
        sync_people(session, policy)
        outcome = _assign(session, policy, _lead(session, lead_ref), rep_key, actor_key, reason, at)
    if isinstance(outcome, str):
        raise NotAllowed(outcome)
    return outcome


def claim_lead(
    lead_ref: str | int, rep_key: str, reason: str, now: datetime | None = None
) -> Claim:
    """A rep claims a lead from the shared pool; one of two simultaneous claims wins."""
    if not reason.strip():
        raise ClaimRefused("a claim needs a reason (what the rep will do with the lead)")
    at, policy = as_utc(now), _policy()
    with session_scope() as session:
        sync_people(session, policy)
        outcome = claim(session, policy, _lead(session, lead_ref).id, rep_key, reason, at)
    if isinstance(outcome, str):
        raise ClaimRefused(outcome)
    return outcome


def release_lead(
    lead_ref: str | int, rep_key: str, reason: str, now: datetime | None = None
) -> str:
    """A rep gives a lead they hold back to the pool (they may not claim it back during the
    cool-off); a lead they do not hold is refused and nothing changes."""
    at = as_utc(now)
    with session_scope() as session:
        rep, lead = active_rep(session, rep_key), _lead(session, lead_ref)
        held = session.scalar(
            select(Assignment)
            .where(
                Assignment.lead_id == lead.id,
                Assignment.rep == rep.key,
                Assignment.status.in_(OPEN_STATUSES),
            )
            .order_by(Assignment.id.desc())
        )
        if held is None or lead.owner_rep != rep.key:
            raise NotAllowed(f"lead {lead.id} is not {rep.key}'s to release")
        held.status, held.closed_at = AssignmentStatus.RELEASED, at
        held.reason = reason or "released to the pool"
        return_to_pool(session, lead, at, f"released by {rep.key}: {held.reason}", actor=rep.key)
    return f"lead {lead.id} is back in the pool"


def _account(session: Session, ref: str) -> Account:
    text = ref.strip().lower()
    account = (
        session.get(Account, int(text))
        if text.isdigit()
        else session.scalar(select(Account).where(Account.domain == text))
    )
    if account is None:
        raise UnknownLead(f"no account {ref!r} (give its domain or id)")
    return account


def _set_owner(
    session: Session,
    policy: RoutingPolicy,
    ref: str,
    rep_key: str,
    actor_key: str,
    reason: str,
    at: datetime,
) -> str | None:
    actor, rep, account = (
        person(session, actor_key),
        active_rep(session, rep_key),
        _account(session, ref),
    )
    before = account.owner_rep
    # The owner's team decides; an account nobody owns yet belongs to the new rep's team.
    team = (policy.team_of(before) or account.team) if before else policy.team_of(rep.key)
    allowed = manages(actor, team)
    why = reason or "owner changed by hand"
    if not allowed:
        why = (
            f"only a manager of team {team} or an admin changes this owner; "
            f"{actor.key} is a {actor.role}"
        )
    record(
        session,
        lead_id=None,
        kind="owner",
        rule_id=f"account:{account.domain}",
        actor=actor.key,
        outcome=(
            f"account {account.domain} from {before} to {rep.key}"
            if allowed
            else f"owner change to {rep.key} refused"
        ),
        reason=why,
        at=at,
        inputs={"account_id": account.id, "from": before, "to": rep.key, "team": team},
        config_version=policy.config_version,
    )
    if allowed:
        account.owner_rep, account.team = rep.key, policy.team_of(rep.key)
        return None
    return why


def set_account_owner(
    account_ref: str, rep_key: str, actor_key: str, reason: str = "", now: datetime | None = None
) -> str:
    """One owner per customer, changed only by that owner's manager (or an admin)."""
    at, policy = as_utc(now), _policy()
    with session_scope() as session:
        sync_people(session, policy)
        refused = _set_owner(session, policy, account_ref, rep_key, actor_key, reason, at)
    if refused:
        raise NotAllowed(refused)
    return f"{account_ref} now belongs to {rep_key} (changed by {actor_key})"
