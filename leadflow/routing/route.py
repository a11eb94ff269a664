"""Which rep gets a hot lead: account owner, prior owner, ordered rules, then the fallback.

Pure: the clock (`now`), the round-robin ledgers and the reps' loads come in as arguments;
the decision says where the lead goes, the ledger to store, and (lazily, `trace`) why.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from leadflow.core.clock import as_utc
from leadflow.routing.policy import LEAD_FIELDS, RoutingPolicy, Team
from leadflow.routing.compile import CAction, CRule, away_reason, compile_rep, load_window
from leadflow.routing.explain import explainer
from leadflow.routing.index import CompiledPolicy, compiled
from leadflow.routing.rotation import Rotation, blocked, rotate

OWNER_BLOCKS = (
    "inactive",
    "out_of_office",
)  # an owner keeps their customer out of hours or when full
DERIVED = ("territory", "region", "segment")
LEAD_KEYS = tuple(f for f in LEAD_FIELDS if f not in DERIVED)  # what lead_facts reads off a lead


@dataclass(frozen=True)
class RouteDecision:
    rule_id: str
    rep: str | None
    team: str | None
    queue: str | None
    reason: str
    inputs: dict[str, Any] = field(default_factory=dict)
    # The team's whole round-robin ledger after this lead (returning reps lifted, +1 for the
    # rep); None: store nothing (owners, queues). The caller must write it back.
    ledger_after: Mapping[str, int] | None = None
    tracer: Callable[[RouteDecision], dict[str, Any]] | None = field(
        default=None, compare=False, repr=False
    )

    @cached_property
    def trace(self) -> dict[str, Any]:
        """Every rule tested in order and why not, routes not taken, the rotation (JSON-safe).
        Built on first read: the hot path never pays for it."""
        return self.tracer(self) if self.tracer else {}


def territory_of(country: str | None, state: str | None, policy: RoutingPolicy) -> str | None:
    """States are more specific than countries: a province match wins over a country match."""
    return compiled(policy).territory(country, state)


def segment_of(
    employees: int | None, policy: RoutingPolicy, revenue_band: str | None = None
) -> str | None:
    return compiled(policy).segment(employees, revenue_band)


def lead_facts(lead: Any, policy: RoutingPolicy, **more: Any) -> dict[str, Any]:
    """Facts for route_lead from a lead (a LeadView, a Lead row or a dict) plus `more` (e.g. the
    campaign's name and channel); territory, region and segment are derived unless given."""
    if isinstance(lead, Mapping):
        facts = {k: lead.get(k) for k in LEAD_KEYS}
    else:
        facts = {k: getattr(lead, k, None) for k in LEAD_KEYS}
    facts.update(more)
    c = compiled(policy)
    if "territory" not in more:
        facts["territory"] = c.territory(facts["country"], facts["state"])
    if "region" not in more:
        facts["region"] = c.region_of.get(facts["territory"]) if facts["territory"] else None
    if "segment" not in more:
        facts["segment"] = c.segment(facts["employees"], facts["revenue_band"])
    return facts


def capacity_windows(policy: RoutingPolicy, now: datetime) -> dict[str, tuple[datetime, datetime]]:
    """rep -> (start of their today, start of their week), in UTC: count each rep's assignments
    since these to build the `loads` route_lead takes. Days and weeks (from Monday) are the
    rep's own, in their working-hours time zone (UTC without one)."""
    return {key: load_window(rep, as_utc(now)) for key, rep in compiled(policy).reps.items()}


def pick_rep(
    team: Team,
    ledger: Mapping[str, int],
    exclude: Collection[str],
    *,
    now: datetime | None = None,
    loads: Mapping[str, Any] | None = None,
) -> str | None:
    """The round-robin pick for one team (see route_rotation); kept for callers of the old API."""
    reps = tuple(compile_rep(team, i, r) for i, r in enumerate(team.reps))
    away = {r.key: why for r in reps if (why := away_reason(r, now))}
    return rotate(team.key, reps, ledger, away, exclude, None, loads).picked


def rotate_team(
    policy: RoutingPolicy,
    team: str,
    ledger: Mapping[str, int],
    *,
    now: datetime,
    loads: Mapping[str, Any] | None,
    unavailable: Mapping[str, str] | None,
) -> Rotation:
    """One team's round robin at ``now``, as a rule's rotation runs it: reps out of hours, out of
    office, at capacity (``loads``) or ``unavailable`` are skipped. For callers that place a lead
    in a given team without the rules (hand-offs); store ``after`` with assignments.store_ledger."""
    c = compiled(policy)
    return rotate(team, c.teams[team], ledger, c.away_at(now), (), unavailable, loads)


class _Run:
    """One routing decision in progress; `notes` collects the routes not taken."""

    __slots__ = ("away", "c", "exclude", "facts", "ledgers", "loads", "notes", "now", "unavailable")

    def __init__(
        self,
        c: CompiledPolicy,
        facts: dict[str, Any],
        ledgers: Mapping[str, Mapping[str, int]],
        exclude: Collection[str],
        unavailable: Mapping[str, str] | None,
        loads: Mapping[str, Any] | None,
        now: datetime | None,
    ) -> None:
        self.c, self.facts, self.ledgers, self.exclude = c, facts, ledgers, exclude
        self.unavailable, self.loads, self.now, self.away = unavailable, loads, now, c.away_at(now)
        self.notes: list[dict[str, Any]] = []

    def owner(self, rule_id: str, rep_key: str | None, why: str) -> RouteDecision | None:
        rep = self.c.reps.get(rep_key or "")
        reason = "not a rep in this policy" if rep is None else self._owner_blocked(rep_key or "")
        if reason:
            self.notes.append({"route": rule_id, "rep": rep_key, "why_not": reason})
            return None
        return self.decide(rule_id, rep_key, rep.team if rep else None, None, why)

    def _owner_blocked(self, key: str) -> str | None:
        own = self.away.get(key)
        if own and own[0] in OWNER_BLOCKS:
            return own[1]
        if key in self.exclude:
            return "rejected this lead"
        return self.unavailable.get(key) if self.unavailable else None

    def act(
        self, rule_id: str, action: CAction, why: str, owner: str | None
    ) -> RouteDecision | None:
        if action.kind == "queue":
            return self.decide(
                rule_id, None, None, action.target, f"{why}; to queue {action.target}"
            )
        if action.kind == "owner":
            found = (
                self.owner(rule_id, owner, f"{why}; to the account owner {owner}")
                if owner
                else None
            )
            if owner is None:
                self.notes.append(
                    {"route": rule_id, "rep": None, "why_not": "the account has no owner"}
                )
        elif action.kind == "rep":
            found = self._named(rule_id, action.target or "", why)
        else:
            found = self._rotate(rule_id, action.target or "", why)
        if found is None and action.overflow:
            return self.decide(
                rule_id,
                None,
                None,
                action.overflow,
                f"{why}; nobody can take it now, waits in queue {action.overflow}",
            )
        return found

    def _named(self, rule_id: str, key: str, why: str) -> RouteDecision | None:
        rep = self.c.reps[key]
        reason = blocked(rep, self.away, self.exclude, self.unavailable, self.loads)
        if reason:
            self.notes.append({"route": rule_id, "rep": key, "why_not": reason})
            return None
        ledger = self.ledgers.get(rep.team, {})
        after = {r.key: ledger.get(r.key, 0) for r in self.c.teams[rep.team]}
        after[key] += 1
        return self.decide(
            rule_id, key, rep.team, None, f"{why}; named rep {key}", ledger_after=after
        )

    def _rotate(self, rule_id: str, team: str, why: str) -> RouteDecision | None:
        spin = rotate(
            team,
            self.c.teams[team],
            self.ledgers.get(team, {}),
            self.away,
            self.exclude,
            self.unavailable,
            self.loads,
        )
        if spin.picked is None:
            self.notes.append(
                {
                    "route": rule_id,
                    "team": team,
                    "why_not": "nobody in the team can take it",
                    "rotation": spin.as_dict(),
                }
            )
            return None
        return self.decide(
            rule_id,
            spin.picked,
            team,
            None,
            f"{why}; round robin in {team}",
            ledger_after=spin.after,
            rotation=spin,
        )

    def decide(
        self,
        rule_id: str,
        rep: str | None,
        team: str | None,
        queue: str | None,
        reason: str,
        ledger_after: dict[str, int] | None = None,
        rotation: Rotation | None = None,
    ) -> RouteDecision:
        inputs = (
            self.facts
        )  # already a private copy; the trace leaves ledger_before out of the facts
        if rotation is not None:
            inputs["ledger_before"] = rotation.before
        return RouteDecision(
            rule_id,
            rep,
            team,
            queue,
            reason,
            inputs,
            ledger_after,
            explainer(self.c, self.facts, self.notes, rotation, self.now),
        )


def route_lead(
    facts: Mapping[str, Any],
    policy: RoutingPolicy,
    ledgers: Mapping[str, Mapping[str, int]],
    account_owner: str | None = None,
    exclude: Collection[str] | None = None,
    *,
    prior_owner: str | None = None,
    now: datetime | None = None,
    loads: Mapping[str, Any] | None = None,
    unavailable: Mapping[str, str] | None = None,
    skip_rules: Collection[str] = (),
) -> RouteDecision:
    """Route one lead. ``facts`` holds territory, segment, product_line, temperature and any
    field a rule reads (see lead_facts). ``now`` is the routing moment (None: working hours and
    out of office are not checked); ``loads`` maps rep -> (leads today, this week) for capacity;
    ``exclude`` are reps who rejected this lead; ``unavailable`` maps rep -> why (a manual pause);
    ``prior_owner`` is the rep who had this person's earlier lead (kept after the account owner);
    ``skip_rules`` are rules that already placed this lead wrongly (a rep's wrong-match rejection).

    An account owner who is inactive, gone from the policy or out of office does not block the
    account: the rules route the lead (and the account is handed on, see tasks.routing).
    """
    c = compiled(policy)
    run = _Run(c, c.complete(facts), ledgers, exclude or (), unavailable, loads, now)
    if c.owner_first and account_owner:
        found = run.owner(
            "account-owner", account_owner, f"account already owned by {account_owner}"
        )
        if found:
            return found
    if c.prior_first and prior_owner:
        found = run.owner(
            "prior-owner", prior_owner, f"this person's earlier lead is with {prior_owner}"
        )
        if found:
            return found
    return _by_rules(run, c, account_owner, skip_rules)


def _by_rules(
    run: _Run, c: CompiledPolicy, owner: str | None, skip_rules: Collection[str]
) -> RouteDecision:
    facts, matched = run.facts, False
    for rule in c.candidates(facts):
        if rule.residual and not _holds(rule, facts):
            continue
        if rule.id in skip_rules:
            run.notes.append({"route": rule.id, "why_not": "placed this lead wrongly before"})
            continue
        matched = True
        found = run.act(rule.id, rule.action, f"rule {rule.id} matched", owner)
        if found:
            return found
    why = _why_unplaced(run) if matched else "no rule matched"
    found = None if "fallback" in skip_rules else run.act("fallback", c.fallback, why, owner)
    return found or run.decide(
        "fallback", None, None, "unassigned", f"{why} and no fallback rep available"
    )


def _why_unplaced(run: _Run) -> str:
    """Rules matched, nobody took the lead: say so when it is because their reps are off work."""
    off = {key for key, (kind, _) in run.away.items() if kind in ("hours", "out_of_office")}
    closed = sorted(
        {
            note["team"]
            for note in run.notes
            if note.get("team") and all(r.key in off for r in run.c.teams.get(note["team"], ()))
        }
    )
    closed += sorted({note["rep"] for note in run.notes if note.get("rep") in off})
    if closed:
        return f"rules matched but nobody in {', '.join(closed)} works now (out of hours or away)"
    return "no matching rule could place it"


def _holds(rule: CRule, facts: Mapping[str, Any]) -> bool:
    for fn in rule.residual:
        if not fn(facts):
            return False
    return True
