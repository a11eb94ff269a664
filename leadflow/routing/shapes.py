"""Lead shapes for rule analysis: territory x segment x product line x temperature, with unknown.

Each rule gets, per dimension value, a verdict: YES (its tests on that dimension hold), NO,
or MAYBE (it depends on something a shape does not fix, e.g. which country of the territory).
Rules testing fields outside the dimensions (score, campaign, ...) only ever MAYBE-match.
Verdicts are kept as bitsets over rules so a thousand rules x ten thousand shapes stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product
from typing import Any

from leadflow.routing.policy import TEMPERATURES, RoutingPolicy
from leadflow.routing.compile import Check, CRule
from leadflow.routing.index import CompiledPolicy, compiled

DIMS = ("territory", "segment", "product_line", "temperature")
DIM_OF = {
    "territory": "territory",
    "region": "territory",
    "country": "territory",
    "segment": "segment",
    "product_line": "product_line",
    "temperature": "temperature",
}
UNLISTED = "??"  # a country no territory names


class Shapes:
    def __init__(self, policy: RoutingPolicy) -> None:
        self.c: CompiledPolicy = compiled(policy)
        self.domains: dict[str, list[Any]] = {
            "territory": [*policy.territories, None],
            "segment": [*policy.segments, None],
            "product_line": [
                *dict.fromkeys([*policy.product_lines, *self._named("product_line")]),
                None,
            ],
            "temperature": [*TEMPERATURES, None],
        }
        self._samples = {t: self._territory_samples(policy, t) for t in self.domains["territory"]}
        n = len(self.c.rules)
        self.all_bits = (1 << n) - 1
        self.uncertain = 0  # rules with tests outside the dimensions (or an `any` group)
        self.any_rules: list[CRule] = []
        self.any_only = 0  # rules whose only uncertainty is an `any` group (judged per shape)
        self.possible: dict[str, dict[Any, int]] = {
            d: {v: 0 for v in vals} for d, vals in self.domains.items()
        }
        self.certain: dict[str, dict[Any, int]] = {
            d: {v: 0 for v in vals} for d, vals in self.domains.items()
        }
        for rule in self.c.rules:
            self._add(rule)

    def _named(self, name: str) -> list[Any]:
        return [
            v
            for rule in self.c.rules
            for check in rule.checks
            if check.field == name and check.op in ("in", "not_in")
            for v in check.arg
            if v is not None
        ]

    def _territory_samples(self, policy: RoutingPolicy, name: str | None) -> list[dict[str, Any]]:
        if name is None:  # a country outside every territory, or none at all
            listed = set(self.c.by_country) | {c for c, _ in self.c.by_state}
            named = [v for v in self._named("country") if v not in listed]
            unplaced: list[str | None] = [None, UNLISTED, *named]
            return [{"territory": None, "region": None, "country": c} for c in unplaced]
        t = policy.territories[name]
        countries: list[str | None] = [*t.countries, *t.states] or [None]
        return [{"territory": name, "region": t.region, "country": c} for c in countries]

    def _verdict(self, check: Check, dim: str, value: Any) -> str:
        samples = self._samples[value] if dim == "territory" else [{dim: value}]
        results = {bool(check.fn(s)) for s in samples}
        return "yes" if results == {True} else "no" if results == {False} else "maybe"

    def _add(self, rule: CRule) -> None:
        bit = 1 << rule.index
        by_dim: dict[str, list[Check]] = {d: [] for d in DIMS}
        outside = False
        for check in rule.checks:
            dim = DIM_OF.get(check.field or "")
            if check.op == "any":
                self.any_rules.append(rule)
                self.uncertain |= bit
            elif dim is None:
                self.uncertain |= bit
                outside = True
            else:
                by_dim[dim].append(check)
        if rule in self.any_rules and not outside:
            self.any_only |= bit
        for dim, values in self.domains.items():
            for value in values:
                verdicts = {self._verdict(check, dim, value) for check in by_dim[dim]}
                if "no" not in verdicts:
                    self.possible[dim][value] |= bit
                    if "maybe" not in verdicts:
                        self.certain[dim][value] |= bit

    def each(self) -> Iterator[tuple[tuple[Any, ...], int, int]]:
        """(shape, rules that may match, rules that surely match) for every shape."""
        for shape in product(*(self.domains[d] for d in DIMS)):
            possible = certain = self.all_bits
            for dim, value in zip(DIMS, shape):
                possible &= self.possible[dim][value]
                certain &= self.certain[dim][value]
            sure = certain & ~self.uncertain
            for rule in self.any_rules:
                bit = 1 << rule.index
                if possible & bit:
                    verdict = self._any_verdict(rule, shape)
                    if verdict == "no":
                        possible &= ~bit
                    elif verdict == "yes" and self.any_only & bit:
                        sure |= certain & bit
            yield shape, possible, sure

    def _any_verdict(self, rule: CRule, shape: tuple[Any, ...]) -> str:
        group = next(check for check in rule.checks if check.op == "any")
        verdicts = set()
        for sub in group.subs:
            dim = DIM_OF.get(sub.field or "")
            verdicts.add(
                "maybe" if dim is None else self._verdict(sub, dim, shape[DIMS.index(dim)])
            )
        return "yes" if "yes" in verdicts else "maybe" if "maybe" in verdicts else "no"


def bits(mask: int) -> Iterator[int]:
    """Indexes of the set bits, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def describe(shape: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(DIMS, shape))
