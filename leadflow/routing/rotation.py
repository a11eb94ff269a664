"""Fair, weighted, capacity-aware round robin over the reps who can take a lead now.

The ledger counts leads credited to each rep of a team. Among the available reps A, the
team's virtual time is V = sum(ledger) / sum(weight): a rep's fair share so far is V * weight,
and its lag is V * weight - ledger (positive: owed leads).

Pick: among reps whose lag is >= 0 (not ahead of their share), the one whose next lead is due
first, (ledger + 1) / weight; ties go to the rep listed first. This is "earliest eligible
deadline first": from a balanced ledger every rep stays within one lead of its weighted share
among the available reps after every lead (the plain "lowest (ledger + 1) / weight" rule does
not: with weights 10:1:...:1 it gives the heavy rep its first ten leads in a row).

Coming back: a rep who was away (holiday, full, out of hours, new in the team) can be far
behind. Anyone more than one lead behind is lifted to the virtual time of the reps who kept
working, rounded down, so they rejoin with a lag in [0, 1) and get their normal share from
the next lead on, not a flood. We lift to that average rather than to the lowest rep's share:
the lowest rep is itself up to a lead behind, so the average is the point where the returning
rep is neither owed nor owing. In a steady team nobody's lag passes one lead, so the lift
never fires there; it is returned in the new ledger, which the caller must store.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from math import floor
from typing import Any

from leadflow.routing.compile import CRep
from leadflow.routing.index import loads_pair

EPS = 1e-9


@dataclass(slots=True)  # not frozen: built once per decision, a frozen init costs more
class Rotation:
    """One round-robin pick, as the trace reports it."""

    team: str
    before: dict[str, int]
    after: dict[str, int] | None  # the team's ledger to store; None when nobody could take it
    picked: str | None
    skipped: dict[str, str]  # rep -> why they could not take this lead
    lifted: dict[str, list[int]]  # rep -> [ledger before, ledger after] for returning reps
    virtual_time: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "ledger_before": self.before,
            "ledger_after": self.after,
            "picked": self.picked,
            "unavailable": self.skipped,
            "lifted": self.lifted,
            "virtual_time": None if self.virtual_time is None else round(self.virtual_time, 6),
            "rule": "earliest (ledger+1)/weight among reps not ahead of their weighted share",
        }


def blocked(
    rep: CRep,
    away: Mapping[str, tuple[str, str]],
    exclude: Collection[str],
    unavailable: Mapping[str, str] | None,
    loads: Mapping[str, Any] | None,
) -> str | None:
    """Why `rep` cannot take a lead by rotation or by name right now, or None."""
    own = away.get(rep.key)
    if own is not None:
        return own[1]
    if rep.key in exclude:
        return "rejected this lead"
    if unavailable and rep.key in unavailable:
        return unavailable[rep.key]
    if rep.capped:  # no loads given counts as none taken yet: a cap of 0 still pauses the rep
        load = loads.get(rep.key) if loads else None
        return over_capacity(rep, *((0, 0) if load is None else loads_pair(load)))
    return None


def over_capacity(rep: CRep, day: int, week: int) -> str | None:
    if rep.day_cap is not None and day >= rep.day_cap:
        return f"at capacity today ({day}/{rep.day_cap})"
    if rep.week_cap is not None and week >= rep.week_cap:
        return f"at capacity this week ({week}/{rep.week_cap})"
    return None


def rotate(
    team: str,
    reps: tuple[CRep, ...],
    ledger: Mapping[str, int],
    away: Mapping[str, tuple[str, str]],
    exclude: Collection[str],
    unavailable: Mapping[str, str] | None,
    loads: Mapping[str, Any] | None,
) -> Rotation:
    before: dict[str, int] = {}
    skipped: dict[str, str] = {}
    ready: list[CRep] = []
    counts: list[int] = []
    get = ledger.get
    for rep in reps:  # the hot loop: checks inlined, reasons worded only for the skipped
        key = rep.key
        before[key] = n = get(key, 0)
        if key in away or key in exclude or (unavailable and key in unavailable):
            skipped[key] = blocked(rep, away, exclude, unavailable, None) or ""
            continue
        if rep.capped:
            load = loads.get(key) if loads else None
            day, week = (
                (0, 0) if load is None else load if type(load) is tuple else loads_pair(load)
            )
            if day >= rep.day_limit or week >= rep.week_limit:
                skipped[key] = over_capacity(rep, day, week) or ""
                continue
        ready.append(rep)
        counts.append(n)
    if not ready:
        return Rotation(team, before, None, None, skipped, {}, None)
    picked, vtime, behind = _pick(ready, counts)
    lifted: dict[str, list[int]] = {}
    if behind:
        lifted = _lift(ready, counts, vtime)
        picked, vtime, _ = _pick(ready, counts)
    after = dict(before)
    for key, (_, to) in lifted.items():
        after[key] = to
    after[picked] += 1
    return Rotation(team, before, after, picked, skipped, lifted, vtime)


def _pick(ready: list[CRep], counts: list[int]) -> tuple[str, float, bool]:
    """Earliest deadline among the reps not ahead of their share (ties to the rep listed first);
    also says whether someone is more than one lead behind (then the caller lifts and re-picks)."""
    total_w = 0.0
    for rep in ready:
        total_w += rep.weight
    vtime = sum(counts) / total_w
    best, best_due, behind = ready[0].key, -1.0, False
    for rep, n in zip(ready, counts):
        weight = rep.weight
        lag = vtime * weight - n
        if lag >= -EPS:
            behind = behind or lag > 1 + EPS
            due = (n + 1) / weight
            if best_due < 0 or due < best_due - EPS:
                best, best_due = rep.key, due
    return best, vtime, behind


def _lift(ready: list[CRep], counts: list[int], vtime: float) -> dict[str, list[int]]:
    """Raise reps more than one lead behind to the others' virtual time (see module doc).

    Who counts as behind is settled first: leaving the behind reps out raises the others'
    pace, which can put one more rep behind; repeat until nobody new is."""
    behind: set[int] = set()
    while True:
        newly = {
            i
            for i, r in enumerate(ready)
            if i not in behind and vtime * r.weight - counts[i] > 1 + EPS
        }
        if not newly:
            break
        behind |= newly
        rest = [i for i in range(len(ready)) if i not in behind]
        vtime = sum(counts[i] for i in rest) / sum(ready[i].weight for i in rest)
    lifted: dict[str, list[int]] = {}
    for i in sorted(behind):
        target = floor(vtime * ready[i].weight + EPS)
        if target > counts[i]:
            lifted[ready[i].key] = [counts[i], target]
            counts[i] = target
    return lifted


def apply_decision(
    ledgers: dict[str, dict[str, int]], loads: dict[str, Any] | None, decision: Any
) -> None:
    """Carry one decision into in-memory state: the team ledger it returns, and +1 load for its rep."""
    if decision.ledger_after is not None and decision.team:
        ledgers[decision.team] = dict(decision.ledger_after)
    if loads is not None and decision.rep:
        day, week = loads_pair(loads.get(decision.rep, (0, 0)))
        loads[decision.rep] = (day + 1, week + 1)
