"""Routing decisions per second in the pure function, on a big generated policy.

    python bench/bench_routing.py [--rules 1000] [--reps 200] [--leads 200000] [--trace 2000]

The policy has `--rules` ordered rules over 100 territories, 4 segments, 10 product lines and
4 temperatures (a fifth of them also test the score, some name a rep or a queue, some use
`any`), and `--reps` reps in teams of five with working hours in eight time zones and daily
capacities. Leads are random shapes. Each lead is routed with route_lead at one clock moment
(a batch), and its decision carried into the ledgers and loads as the route task does. The
trace (rule-by-rule why) is built only when read; the last line times reading it.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from leadflow.routing.policy import RoutingPolicy
from leadflow.routing.route import route_lead
from leadflow.routing.rotation import apply_decision

ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Europe/London",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Australia/Sydney",
]
SEGMENTS = ["enterprise", "mid_market", "smb", "micro"]
PRODUCTS = [f"product{i}" for i in range(10)]
TEMPS = ["hot", "warm", "cold", "disqualified"]


def make_policy(n_rules: int, n_reps: int, rng: random.Random) -> RoutingPolicy:
    territories = {
        f"t{i:03}": {"region": f"r{i % 7}", "countries": [f"C{i:03}"]} for i in range(100)
    }
    teams = [
        {
            "key": f"team{t}",
            "name": f"Team {t}",
            # Zones spread, hours wide enough that most teams work at the bench's moment.
            "working_hours": {
                "time_zone": "UTC" if t % 3 else ZONES[t % len(ZONES)],
                "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                "hours": "00:00-24:00",
            },
            "capacity": {"day": 10_000},
            "reps": [
                {
                    "key": f"rep{t}_{r}",
                    "name": f"Rep {t}.{r}",
                    "email": f"rep{t}_{r}@x.example",
                    "weight": rng.choice([1, 1, 2, 3]),
                }
                for r in range(5)
            ],
        }
        for t in range(max(1, n_reps // 5))
    ]
    rules = [_rule(i, len(teams), rng) for i in range(n_rules)]
    return RoutingPolicy.model_validate(
        {
            "version": 1,
            "territories": territories,
            "product_lines": PRODUCTS,
            "segments": {
                "enterprise": {"min_employees": 1000},
                "mid_market": {"min_employees": 200, "max_employees": 999},
                "smb": {"min_employees": 10, "max_employees": 199},
                "micro": {"max_employees": 9},
            },
            "teams": teams,
            "rules": rules,
            "fallback": {"team": "team0"},
        }
    )


def _rule(i: int, n_teams: int, rng: random.Random) -> dict:
    when: dict = {"territory": rng.sample([f"t{j:03}" for j in range(100)], rng.randint(1, 3))}
    if rng.random() < 0.7:
        when["segment"] = rng.sample(SEGMENTS, rng.randint(1, 2))
    if rng.random() < 0.6:
        when["product_line"] = rng.sample(PRODUCTS, rng.randint(1, 3))
    if rng.random() < 0.3:
        when["temperature"] = ["hot"]
    if rng.random() < 0.2:
        when["all"] = [{"field": "score", "min": rng.choice([50, 70, 85])}]
    if rng.random() < 0.05:
        when["any"] = [
            {"field": "grade", "equals": "A"},
            {"field": "title", "contains": ["vp", "director"]},
        ]
    roll = rng.random()
    team = rng.randrange(n_teams)
    assign = (
        {"queue": f"queue{i % 5}"}
        if roll < 0.03
        else {"rep": f"rep{team}_{rng.randrange(5)}"}
        if roll < 0.10
        else {"team": f"team{team}"}
    )
    return {"id": f"rule{i:04}", "when": when, "assign": assign}


def make_leads(n: int, rng: random.Random) -> list[dict]:
    return [
        {
            "territory": f"t{rng.randrange(110):03}",
            "segment": rng.choice(SEGMENTS + [None]),
            "product_line": rng.choice(PRODUCTS + [None]),
            "temperature": rng.choice(TEMPS),
            "score": rng.randrange(101),
            "grade": rng.choice("ABCD"),
            "title": rng.choice(["VP Sales", "Engineer"]),
        }
        for _ in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--trace", type=int, default=2000, help="decisions whose trace is read")
    args = parser.parse_args()
    rng = random.Random(7)
    policy = make_policy(args.rules, args.reps, rng)
    leads = make_leads(args.leads, rng)
    now = datetime(2026, 11, 9, 16, 30, tzinfo=timezone.utc)
    start = time.perf_counter()
    route_lead(leads[0], policy, {}, now=now)  # compiles the policy
    print(
        f"policy: {args.rules} rules, {sum(len(t.reps) for t in policy.teams)} reps; "
        f"compiled in {(time.perf_counter() - start) * 1000:.0f} ms"
    )
    for label in ("first pass (shape index cold)", "second pass (warm)"):
        kept, seconds, placed = _route_all(policy, leads, now, args.trace)
        print(
            f"{label}: {len(leads)} leads in {seconds:.2f} s = {len(leads) / seconds:,.0f} decisions/s "
            f"({placed} to reps, {len(leads) - placed} to queues; ledger and load updates included)"
        )
    start = time.perf_counter()
    for decision in kept:
        decision.trace
    print(
        f"trace read for {len(kept)} decisions: {len(kept) / (time.perf_counter() - start):,.0f}/s"
    )


def _route_all(
    policy: RoutingPolicy, leads: list[dict], now: datetime, keep: int
) -> tuple[list, float, int]:
    """One stream through fresh ledgers and loads, as the route task would carry them."""
    ledgers: dict[str, dict[str, int]] = {}
    loads: dict[str, tuple[int, int]] = {}
    kept, placed = [], 0
    start = time.perf_counter()
    for facts in leads:
        decision = route_lead(facts, policy, ledgers, now=now, loads=loads)
        apply_decision(ledgers, loads, decision)
        placed += decision.rep is not None
        if len(kept) < keep:
            kept.append(decision)
    return kept, time.perf_counter() - start, placed


if __name__ == "__main__":
    main()
