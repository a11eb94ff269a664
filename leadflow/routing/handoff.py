"""People change: a departing rep's open leads and accounts move on, and nothing stays behind.

`deactivate` switches the rep off (routing skips them from now on, whatever the YAML still
says), then hands every open lead and every owned account to one rep, or across a team by
its round robin. Each move is a decision; the new owners get their notification emails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.routing.policy import RoutingPolicy
from leadflow.core.db import session_scope
from leadflow.core.decisions import record
from leadflow.routing.route import rotate_team
from leadflow.core.models import Account, Assignment, Lead, Rep
from leadflow.routing.assign import sync_reps
from leadflow.routing.policy import routing_policy
from leadflow.routing.assignments import (
    OPEN_STATUSES,
    AssignmentStatus,
    ledgers,
    open_assignment,
    rep_loads,
    store_ledger,
)
from leadflow.routing.people import deactivated_reps
from leadflow.core.errors import HandoffError


@dataclass
class Handoff:
    rep: str
    target: str
    leads: dict[str, int] = field(default_factory=dict)  # new owner -> leads moved
    accounts: dict[str, int] = field(default_factory=dict)
    new_offers: list[int] = field(default_factory=list)  # assignments that need a notification


class _Picker:
    """One named rep, or a team's round robin run exactly as routing runs it: reps out of hours,
    out of office, at capacity or deactivated are skipped, and the ledger is stored through
    the one ledger writer (assignments.store_ledger)."""

    def __init__(
        self, session: Session, policy: RoutingPolicy, leaving: str, target: str, at: datetime
    ) -> None:
        self.session, self.policy, self.at = session, policy, at
        self.team = target if any(t.key == target for t in policy.teams) else None
        self.rep = None if self.team else target
        if self.team is None and not policy.active_rep(target):
            raise HandoffError(
                f"{target!r} is neither a team nor an active rep in the routing rules"
            )
        if target == leaving:
            raise HandoffError("a rep cannot hand off to themselves")
        off = deactivated_reps(session)
        if self.rep in off:
            raise HandoffError(f"{target!r} is deactivated")
        self.off = {**off, leaving: "handing off their leads"}
        self.ledger = ledgers(session, self.team).get(self.team, {}) if self.team else {}
        self.loads = rep_loads(session, policy, at) if self.team else {}

    def next(self, *, counts_load: bool) -> str:
        """The next owner; ``counts_load``: the move opens an assignment, which uses capacity."""
        if self.rep:
            return self.rep
        assert self.team is not None
        spin = rotate_team(
            self.policy,
            self.team,
            self.ledger,
            now=self.at,
            loads=self.loads,
            unavailable=self.off,
        )
        if spin.picked is None or spin.after is None:
            raise HandoffError(
                f"nobody in team {self.team!r} can take the leads now: {spin.skipped}; "
                "hand off later or to a named rep"
            )
        self.ledger = spin.after
        store_ledger(self.session, self.team, spin.after)
        if counts_load:
            day, week = self.loads.get(spin.picked, (0, 0))
            self.loads[spin.picked] = (day + 1, week + 1)
        return spin.picked


def _move_accounts(
    session: Session, picker: _Picker, result: Handoff, at: datetime
) -> dict[int, str]:
    moved: dict[int, str] = {}
    for account in session.scalars(
        select(Account).where(Account.owner_rep == result.rep).order_by(Account.id)
    ):
        account.owner_rep = moved[account.id] = picker.next(counts_load=False)
        result.accounts[account.owner_rep] = result.accounts.get(account.owner_rep, 0) + 1
        record(
            session,
            lead_id=None,
            kind="handoff",
            rule_id=f"account:{account.domain}",
            outcome=f"account {account.domain} from {result.rep} to {account.owner_rep}",
            reason=f"{result.rep} deactivated",
            inputs={"account_id": account.id, "to": account.owner_rep},
            at=at,
        )
    return moved


def _move_assignment(
    session: Session, old: Assignment, lead: Lead, to: str, team: str | None, at: datetime
) -> Assignment:
    old.status, old.closed_at, old.reason = (
        AssignmentStatus.HANDED_OFF,
        at,
        f"{old.rep} deactivated; now with {to}",
    )
    # Still a sales-accepted lead stays accepted: the new rep starts its activity clock today.
    return open_assignment(
        session,
        lead_id=lead.id,
        rep=to,
        team=team,
        rule_id=f"handoff:{old.rep}",
        at=at,
        sla=old.sla_due_at - old.assigned_at,
        accepted=old.accepted_at is not None,
    )


def _move_leads(
    session: Session,
    picker: _Picker,
    accounts: dict[int, str],
    result: Handoff,
    policy: RoutingPolicy,
    at: datetime,
) -> None:
    open_by_lead = {
        a.lead_id: a
        for a in session.scalars(
            select(Assignment)
            .where(Assignment.rep == result.rep, Assignment.status.in_(OPEN_STATUSES))
            .order_by(Assignment.id)
        )
    }
    owned = set(session.scalars(select(Lead.id).where(Lead.owner_rep == result.rep)))
    for lead_id in sorted(owned | set(open_by_lead)):
        lead = session.get(Lead, lead_id)
        if lead is None:
            continue
        to = accounts.get(lead.account_id or 0) or picker.next(counts_load=lead_id in open_by_lead)
        old = open_by_lead.get(lead_id)
        if old is not None:
            new = _move_assignment(session, old, lead, to, policy.team_of(to), at)
            if new.status == AssignmentStatus.OFFERED:
                result.new_offers.append(new.id)
        lead.owner_rep, lead.updated_at = to, at
        result.leads[to] = result.leads.get(to, 0) + 1
        record(
            session,
            lead_id=lead.id,
            kind="handoff",
            rule_id=f"rep:{result.rep}",
            outcome=f"from {result.rep} to {to}",
            reason=f"{result.rep} deactivated",
            inputs={"from": result.rep, "to": to, "assignment_id": old.id if old else None},
            at=at,
        )


def deactivate(rep_key: str, target: str, now: datetime | None = None) -> Handoff:
    """Switch ``rep_key`` off and hand everything they hold to ``target`` (a rep or a team)."""

    at, policy = as_utc(now), routing_policy()
    with session_scope() as session:
        sync_reps(session, policy)
        rep = session.get(Rep, rep_key)
        if rep is None:
            raise HandoffError(f"no rep {rep_key!r}")
        picker = _Picker(session, policy, rep_key, target, at)
        rep.active, rep.deactivated_at, rep.handed_off_to = False, at, target
        result = Handoff(rep_key, target)
        _move_leads(
            session, picker, _move_accounts(session, picker, result, at), result, policy, at
        )
        record(
            session,
            lead_id=None,
            kind="handoff",
            rule_id=f"rep:{rep_key}",
            outcome=f"{rep_key} deactivated",
            reason=f"handed off to {target}",
            inputs={"leads": result.leads, "accounts": result.accounts},
            at=at,
        )
    return result


def reactivate(rep_key: str, now: datetime | None = None) -> None:
    at = as_utc(now)
    with session_scope() as session:
        rep = session.get(Rep, rep_key)
        if rep is None or rep.deactivated_at is None:
            raise HandoffError(f"{rep_key!r} is not deactivated")
        # `active` follows the YAML again at the next routing run.
        rep.deactivated_at, rep.handed_off_to, rep.active = None, None, True
        record(
            session,
            lead_id=None,
            kind="handoff",
            rule_id=f"rep:{rep_key}",
            outcome=f"{rep_key} reactivated",
            reason="back on the routing rota",
            inputs={},
            at=at,
        )
