"""Validate routing rules beyond the schema: unreachable rules, overlaps and gaps.

Shapes are every territory x segment x product line x temperature (each with "unknown");
see route_shapes for how a rule testing other fields (score, campaign) is treated: it may
match, never surely. A rule whose team has nobody free falls through at run time, so a
shadowed rule can still fire then; the finding says so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from leadflow.routing.policy import RoutingPolicy
from leadflow.routing.shapes import DIMS, Shapes, bits, describe


@dataclass(frozen=True)
class Finding:
    kind: str  # unreachable | overlap | gap | territory
    severity: str  # warning | info
    message: str
    rules: tuple[str, ...] = ()
    example: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_rules(policy: RoutingPolicy) -> list[Finding]:
    """Every finding, warnings first; none means every lead shape has a rule and every rule can fire."""
    shapes = Shapes(policy)
    ids = [rule.id for rule in shapes.c.rules]
    matched = reachable = 0
    shadowers: dict[int, set[int]] = defaultdict(set)
    overlaps: dict[tuple[int, int], list[tuple[Any, ...]]] = defaultdict(list)
    gaps: dict[tuple[int, ...], list[tuple[Any, ...]]] = defaultdict(list)
    for shape, possible, certain in shapes.each():
        matched |= possible
        first = min(bits(certain), default=None)
        live = possible if first is None else possible & ((1 << (first + 1)) - 1)
        reachable |= live
        for i in bits(possible & ~live):
            shadowers[i].add(first)  # type: ignore[arg-type]
        contenders = list(bits(live))
        for later in bits(possible):
            for earlier in contenders:
                if earlier < later:
                    overlaps[(earlier, later)].append(shape)
        if first is None:
            gaps[tuple(bits(possible))].append(shape)
    findings = _territory_findings(policy)
    findings += _unreachable(
        ids, shapes.all_bits & ~matched, matched & ~reachable, shadowers, shapes
    )
    findings += _gaps(ids, gaps, shapes.domains)
    findings += _overlaps(ids, overlaps, reachable, shapes)
    return sorted(findings, key=lambda f: f.severity != "warning")


def _unreachable(
    ids: list[str], never: int, shadowed: int, shadowers: dict[int, set[int]], shapes: Shapes
) -> list[Finding]:
    found = [
        Finding(
            "unreachable",
            "warning",
            f"rule {ids[i]} matches no lead shape: its conditions "
            "contradict each other or name nothing that exists",
            (ids[i],),
        )
        for i in bits(never)
    ]
    for i in bits(shadowed):
        by = sorted(shadowers[i])
        queues = all(shapes.c.rules[j].action.kind == "queue" for j in by)
        when = "never fires" if queues else "fires only when those rules' reps are all unavailable"
        names = ", ".join(ids[j] for j in by)
        found.append(
            Finding(
                "unreachable",
                "warning",
                f"rule {ids[i]} is shadowed by earlier "
                f"rule(s) {names}, which match every lead it matches: it {when}",
                (ids[i], *(ids[j] for j in by)),
            )
        )
    return found


def _overlaps(
    ids: list[str],
    overlaps: dict[tuple[int, int], list[tuple[Any, ...]]],
    reachable: int,
    shapes: Shapes,
) -> list[Finding]:
    """One finding per earlier rule: which later rules it overlaps, and that it wins there."""
    by_winner: dict[int, list[int]] = defaultdict(list)
    for a, b in sorted(overlaps):
        if reachable >> b & 1:  # an unreachable rule is reported as such already
            by_winner[a].append(b)
    found = []
    for a, laters in by_winner.items():
        rule = shapes.c.rules[a]
        count = len({s for b in laters for s in overlaps[(a, b)]})
        conditional = shapes.uncertain & ~shapes.any_only
        when = [
            text
            for flag, text in (
                (conditional >> a & 1, "its tests on other fields hold"),
                (rule.action.kind != "queue", "its target can take the lead"),
            )
            if flag
        ]
        found.append(
            Finding(
                "overlap",
                "info",
                f"rule {ids[a]} overlaps {', '.join(ids[b] for b in laters)} on {count} lead shape(s); "
                f"{ids[a]} is listed first, so it wins there"
                + (f" when {' and '.join(when)}" if when else ""),
                (ids[a], *(ids[b] for b in laters)),
                describe(overlaps[(a, laters[0])][0]),
            )
        )
    return found


def _gaps(
    ids: list[str],
    gaps: dict[tuple[int, ...], list[tuple[Any, ...]]],
    domains: dict[str, list[Any]],
) -> list[Finding]:
    found = []
    for maybe, shapes in gaps.items():
        for cover in merge_shapes(shapes, domains):
            text = ", ".join(f"{d}={_cell(cover[k], domains[d])}" for k, d in enumerate(DIMS))
            only = (
                f" unless rule(s) {', '.join(ids[i] for i in maybe)} match on other fields"
                if maybe
                else ""
            )
            found.append(
                Finding(
                    "gap",
                    "warning",
                    f"leads with {text} reach only the fallback{only}",
                    tuple(ids[i] for i in maybe),
                    {d: sorted(map(_name, cover[k])) for k, d in enumerate(DIMS)},
                )
            )
    return found


def merge_shapes(
    shapes: list[tuple[Any, ...]], domains: dict[str, list[Any]]
) -> list[tuple[frozenset[Any], ...]]:
    """A few boxes (a set of values per dimension) covering exactly the given shapes."""
    boxes = {tuple(frozenset([v]) for v in s) for s in shapes}
    for _ in range(2):  # a second pass merges boxes the first pass made mergeable
        for k in range(len(DIMS)):
            grouped: dict[tuple[frozenset[Any], ...], frozenset[Any]] = defaultdict(frozenset)
            for box in boxes:
                rest = box[:k] + box[k + 1 :]
                grouped[rest] = grouped[rest] | box[k]
            boxes = {rest[:k] + (values,) + rest[k:] for rest, values in grouped.items()}
    return sorted(boxes, key=lambda b: [sorted(map(_name, cell)) for cell in b])


def _name(value: Any) -> str:
    return "unknown" if value is None else str(value)


def _cell(values: frozenset[Any], domain: list[Any]) -> str:
    if len(values) == len(domain):
        return "any"
    names = [_name(v) for v in domain if v in values]
    return names[0] if len(names) == 1 else "[" + "|".join(names) + "]"


def _territory_findings(policy: RoutingPolicy) -> list[Finding]:
    """A place named by two territories goes to the first; say so, it is rarely meant."""
    first: dict[tuple[str, str | None], str] = {}
    found = []
    for name, territory in policy.territories.items():
        places = [(c, None) for c in territory.countries] + [
            (c, s) for c, ss in territory.states.items() for s in ss
        ]
        for place in places:
            if place in first:
                where = "/".join(p for p in place if p)
                found.append(
                    Finding(
                        "territory",
                        "warning",
                        f"{where} is in territories {first[place]} and "
                        f"{name}; {first[place]} wins (listed first)",
                        (),
                        {"country": place[0], "state": place[1]},
                    )
                )
            first.setdefault(place, name)
    return found
