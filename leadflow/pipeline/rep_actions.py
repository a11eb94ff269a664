"""What a rep's signed link does: accept, reject (wrong match / not ready) or log activity.

Reading a link never changes anything (mail scanners fetch every link); the confirmation
form posts back and only that acts. A link for an assignment that moved on says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from leadflow.core.clock import as_utc
from leadflow.core.db import session_scope
from leadflow.routing.rep_links import ACTIONS, RepLink, read_rep_token
from leadflow.core.errors import NotYourLead, UnknownLead
from leadflow.core.models import Assignment, Lead
from leadflow.core.settings import get_settings
from leadflow.pipeline.notify import notify_reps
from leadflow.routing.assign import route_leads
from leadflow.routing.sla import pool_unrouted
from leadflow.routing.ownership import accept_assignment, log_activity, reject_assignment


@dataclass(frozen=True)
class LinkView:
    link: RepLink
    expired: bool
    lead_id: int
    lead_label: str
    rep: str
    status: str

    @property
    def prompt(self) -> str:
        return ACTIONS[self.link.action]


@dataclass(frozen=True)
class LinkResult:
    message: str
    lead_id: int
    reroute: bool = False


def read_link(token: str, now: datetime | None = None) -> LinkView | None:
    """The link's assignment, or None for a forged token or a vanished assignment."""
    link = read_rep_token(get_settings().secret_key.get_secret_value(), token)
    if link is None:
        return None
    with session_scope() as session:
        assignment = session.get(Assignment, link.assignment_id)
        lead = session.get(Lead, assignment.lead_id) if assignment else None
        if assignment is None or lead is None:
            return None
        label = " · ".join(
            str(x) for x in (lead.full_name, lead.company or lead.domain, lead.email) if x
        )
        return LinkView(
            link, as_utc(now) > link.expires_at, lead.id, label, assignment.rep, assignment.status
        )


def act(view: LinkView, note: str, now: datetime | None = None) -> LinkResult:
    """Do what the link says; raises UnknownLead (AssignmentClosed) when it no longer can."""

    if view.expired:
        raise UnknownLead("this link has expired; use a newer email or the CLI")
    return _perform(view.link.assignment_id, view.link.action, note, as_utc(now), "link")


def act_as_rep(
    rep_key: str, assignment_id: int, action: str, note: str, now: datetime | None = None
) -> LinkResult:
    """What a signed-in rep does from the web inbox: the link's action, on their own lead only."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    with session_scope() as session:
        assignment = session.get(Assignment, assignment_id)
        if assignment is None:
            raise UnknownLead("this assignment no longer exists")
        if assignment.rep != rep_key:
            raise NotYourLead(f"assignment {assignment_id} is {assignment.rep}'s, not {rep_key}'s")
    return _perform(assignment_id, action, note, as_utc(now), "web")


def _perform(assignment_id: int, action: str, note: str, at: datetime, via: str) -> LinkResult:
    with session_scope() as session:
        assignment = session.get(Assignment, assignment_id)
        if assignment is None:
            raise UnknownLead("this assignment no longer exists")
        lead_id = assignment.lead_id
        if action == "accept":
            return LinkResult(accept_assignment(session, assignment, at, via), lead_id)
        if action == "activity":
            return LinkResult(
                log_activity(session, assignment, note or "follow-up", at, via), lead_id
            )
        outcome = reject_assignment(session, assignment, action, note, at, via)
    if outcome == "reroute":
        return LinkResult(
            "rejected as a wrong match: it goes to someone else", lead_id, reroute=True
        )
    return LinkResult("rejected as not ready: it goes back to the nurture pool", lead_id)


def reroute(lead_id: int, now: datetime | None = None) -> str:
    """Route a wrongly matched lead again and tell its new rep (not the one who rejected it)."""
    routed = route_leads([lead_id], now)
    notify_reps(routed.assignment_ids, now)
    if pool_unrouted([lead_id], now):
        return "back in the pool: no other rep could take it"
    return f"routed again: {dict(routed.per_rep) or dict(routed.queued)}"
