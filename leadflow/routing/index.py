"""The compiled policy: rule index by lead shape, territory and segment maps, availability by clock."""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from leadflow.core.clock import as_utc
from leadflow.routing.policy import RoutingPolicy
from leadflow.routing.compile import (
    CACHE_LIMIT,
    CAction,
    Check,
    CRep,
    CRule,
    Facts,
    away_reason,
    compile_action,
    compile_rep,
    compile_rule,
)

AWAY_CACHE_LIMIT = 256


class CompiledPolicy:
    """Everything route_lead needs, as plain dicts, tuples and closures."""

    def __init__(self, policy: RoutingPolicy) -> None:
        # A weak reference: the cache below must not keep every policy ever loaded alive.
        self.policy_ref = weakref.ref(policy)
        self.version = policy.config_version
        self.owner_first, self.prior_first = policy.account_owner_first, policy.prior_owner_first
        self.teams: dict[str, tuple[CRep, ...]] = {
            t.key: tuple(compile_rep(t, i, r) for i, r in enumerate(t.reps)) for t in policy.teams
        }
        self.reps: dict[str, CRep] = {r.key: r for reps in self.teams.values() for r in reps}
        self.rules: tuple[CRule, ...] = tuple(
            compile_rule(i, r.id, r.assign, r.when.required(), list(r.when.any))
            for i, r in enumerate(policy.rules)
        )
        self.fallback: CAction = compile_action(policy.fallback)
        fields = [f for rule in self.rules for check in rule.keyed for f in check.fields()]
        self.key_fields: tuple[str, ...] = tuple(dict.fromkeys(fields))
        read = fields + [f for rule in self.rules for check in rule.checks for f in check.fields()]
        self.needs_region = "region" in read
        self._territory_maps(policy)
        self.segments = [
            (
                name,
                s.by_employees,
                s.min_employees,
                s.max_employees,
                frozenset(s.revenue_bands or ()),
            )
            for name, s in policy.segments.items()
        ]
        self._shapes: dict[tuple[Any, ...], tuple[CRule, ...]] = {}
        self._index_checks()
        self._away: dict[datetime | None, dict[str, tuple[str, str]]] = {}
        self._last_now: Any = ()  # never `is` a real clock value
        self._last_away: dict[str, tuple[str, str]] = {}

    def _territory_maps(self, policy: RoutingPolicy) -> None:
        # setdefault: when two territories name the same place, the one listed first wins.
        self.by_state: dict[tuple[str, str], str] = {}
        self.by_country: dict[str, str] = {}
        for name, territory in policy.territories.items():
            for country, states in territory.states.items():
                for state in states:
                    self.by_state.setdefault((country, state), name)
            for country in territory.countries:
                self.by_country.setdefault(country, name)
        self.region_of = {name: t.region for name, t in policy.territories.items()}

    def territory(self, country: str | None, state: str | None) -> str | None:
        """A province match beats a country match; a province code only counts in its country."""
        if not country:
            return None
        if state:
            found = self.by_state.get((country, state))
            if found:
                return found
        return self.by_country.get(country)

    def segment(self, employees: int | None, revenue_band: str | None = None) -> str | None:
        """Head count decides when known (it is measured); the revenue band only fills the gap."""
        if employees is not None:
            for name, by_employees, low, high, _ in self.segments:
                if (
                    by_employees
                    and (low is None or employees >= low)
                    and (high is None or employees <= high)
                ):
                    return name
        if revenue_band:
            for name, _, _, _, bands in self.segments:
                if revenue_band in bands:
                    return name
        return None

    def complete(self, facts: Facts) -> dict[str, Any]:
        """A private copy of the facts (the trace reads it later), with the region filled in."""
        done = dict(facts)
        if self.needs_region and "region" not in done:
            territory = done.get("territory")
            done["region"] = self.region_of.get(territory) if territory else None
        return done

    def candidates(self, facts: Facts) -> tuple[CRule, ...]:
        """Rules whose equality tests hold for this lead's shape, in file order."""
        try:
            key = tuple([facts.get(f) for f in self.key_fields])
            found = self._shapes.get(key)
        except TypeError:  # an unhashable value (a list): no caching for this lead
            return self._scan(facts)
        if found is None:
            if len(self._shapes) >= CACHE_LIMIT:
                self._shapes.clear()  # a crude bound: shapes repeat, so the cache refills fast
            if len(self._masks) >= CACHE_LIMIT:
                self._masks.clear()
            found = self._shapes[key] = self._scan(dict(zip(self.key_fields, key)))
        return found

    def _scan(self, facts: Facts) -> tuple[CRule, ...]:
        """AND of one bitset per field (rules whose tests on that field hold for its value)."""
        mask = self._all
        for name in self.key_fields:
            mask &= self._field_mask(name, facts.get(name))
            if not mask:
                return ()
        found = []
        while mask:
            low = mask & -mask
            rule = self.rules[low.bit_length() - 1]
            if all(check.fn(facts) for check in self._multi.get(rule.index, ())):
                found.append(rule)
            mask ^= low
        return tuple(found)

    def _index_checks(self) -> None:
        """Keyed tests on one field go in that field's index; an `any` over several fields is
        checked per shape on the few rules the indexes leave."""
        self._all = (1 << len(self.rules)) - 1
        self._on: dict[str, list[tuple[int, Check]]] = {f: [] for f in self.key_fields}
        self._multi: dict[int, list[Check]] = {}
        for rule in self.rules:
            for check in rule.keyed:
                names = set(check.fields())
                if len(names) == 1:
                    self._on[names.pop()].append((rule.index, check))
                else:
                    self._multi.setdefault(rule.index, []).append(check)
        self._masks: dict[tuple[str, Any], int] = {}

    def _field_mask(self, name: str, value: Any) -> int:
        try:
            return self._masks[(name, value)]
        except KeyError:
            pass
        except TypeError:  # unhashable value: compute, do not cache
            return self._compute_mask(name, value)
        mask = self._masks[(name, value)] = self._compute_mask(name, value)
        return mask

    def _compute_mask(self, name: str, value: Any) -> int:
        facts, failed = {name: value}, 0
        for index, check in self._on[name]:
            if not check.fn(facts):
                failed |= 1 << index
        return self._all & ~failed

    def away_at(self, now: datetime | None) -> dict[str, tuple[str, str]]:
        """rep -> (kind, why) for every rep who cannot take a lead at `now` for their own reasons."""
        if now is self._last_now:
            return self._last_away  # one clock per batch: skip the UTC conversion
        moment = None if now is None else as_utc(now)
        found = self._away.get(moment)
        if found is None:
            if len(self._away) >= AWAY_CACHE_LIMIT:
                self._away.clear()
            found = {
                key: why for key, rep in self.reps.items() if (why := away_reason(rep, moment))
            }
            self._away[moment] = found
        self._last_now, self._last_away = now, found
        return found


_last: list[Any] = [
    None,
    None,
]  # (policy, compiled): the common case, one policy, in one comparison
_cache: dict[int, CompiledPolicy] = {}


def compiled(policy: RoutingPolicy) -> CompiledPolicy:
    """The policy's compiled form, built once per loaded policy (policies are immutable).
    Kept beside the policy, not on it: a private attribute would change its equality."""
    if _last[0] is policy:
        return _last[1]  # type: ignore[no-any-return]
    found = _cache.get(id(policy))
    if found is None or found.policy_ref() is not policy:
        found = _cache[id(policy)] = CompiledPolicy(policy)
        weakref.finalize(policy, _cache.pop, id(policy), None)
    _last[0], _last[1] = policy, found
    return found


def loads_pair(load: Any) -> tuple[int, int]:
    """(today, this week) from a (day, week) pair or a {day, week} mapping."""
    if type(load) is tuple:
        return load
    if isinstance(load, Mapping):
        return int(load.get("day", 0)), int(load.get("week", 0))
    return int(load[0]), int(load[1])
