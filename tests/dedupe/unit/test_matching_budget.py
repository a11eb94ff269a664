"""One pair budget for all blocking rules: capped counts, selective keys first, cheap union."""

from __future__ import annotations

import numpy as np

from leadflow.dedupe.engine import BlockingOptions, MatchConfig
from leadflow.dedupe.engine.blocking import Rule, candidate_pairs
from leadflow.dedupe.engine.columns import build_table
from leadflow.dedupe.engine.compare import compare_all

CONFIG = MatchConfig.of({"email": "email", "city": "city", "surname": "name"})


def crowd(n: int = 400) -> list[dict[str, str | None]]:
    """Everyone in one city, surnames in blocks of 40, emails unique but for one shared pair."""
    rows: list[dict[str, str | None]] = [
        {"email": f"person{k}@mail.com", "city": "london", "surname": f"name{k % 10}"}
        for k in range(n)
    ]
    if n > 300:
        rows[7]["email"] = rows[300]["email"] = "shared@mail.com"
    return rows


def test_pairs_stay_within_the_budget() -> None:
    table = build_table(crowd(), CONFIG)
    rules = [Rule(("email",)), Rule(("surname",)), Rule(("city",))]
    # 800 pairs: emails all-to-all, then windows for the surnames (770) but not for the city (797)
    opts = BlockingOptions(max_pairs_per_record=2, min_pairs=0, window=2)
    pairs = candidate_pairs(table, rules, opts)
    assert sum(r.pairs for r in pairs.report) <= 2 * table.n
    assert bool((pairs.left < pairs.right).all())
    city = next(r for r in pairs.report if r.rule == "city")
    assert city.skipped_blocks == 1 and city.compared_share == 0.0 and city.dropped


def test_a_pair_found_by_a_selective_key_survives_the_cap() -> None:
    table = build_table(crowd(), CONFIG)
    rules = [Rule(("city",)), Rule(("surname",)), Rule(("email",))]
    pairs = candidate_pairs(table, rules, BlockingOptions(max_pairs_per_record=1, min_pairs=0))
    found = set(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True))
    assert (7, 300) in found
    assert len(pairs) <= table.n


def test_small_blocks_go_all_to_all_before_big_blocks_get_windows() -> None:
    table = build_table(crowd(), CONFIG)
    # 10,000 pairs hold the surname blocks of 40 all-to-all (10 x 780) and a window of 3 in
    # the city's block of 400 (1,194), not that block all-to-all (79,800)
    opts = BlockingOptions(max_pairs_per_record=25, min_pairs=0, window=3)
    pairs = candidate_pairs(table, [Rule(("surname",)), Rule(("city",))], opts)
    surname, city = (
        next(r for r in pairs.report if r.rule == name) for name in ("surname", "city")
    )
    assert surname.pairs == 10 * 40 * 39 // 2 and surname.skipped_blocks == 0
    assert city.windowed_blocks == 1 and city.pairs == 3 * 400 - 6


def test_a_pair_made_by_two_rules_is_one_candidate_credited_to_the_sharper_rule() -> None:
    rows = [
        {"email": "a@x.com", "city": "york", "surname": "lee"},
        {"email": "a@x.com", "city": "york", "surname": "lee"},
        {"email": "b@x.com", "city": "york", "surname": "kim"},
    ]
    table = build_table(rows, CONFIG)
    pairs = candidate_pairs(table, [Rule(("city",)), Rule(("email",))], BlockingOptions())
    assert len(pairs) == 3
    by_rule = {r.rule: r for r in pairs.report}
    assert by_rule["email"].new_pairs == 1 and by_rule["city"].new_pairs == 2
    assert sum(r.new_pairs for r in pairs.report) == len(pairs)


def test_linking_keeps_only_pairs_across_the_sides() -> None:
    rows = crowd(40)
    table = build_table(rows, CONFIG, source=np.r_[np.zeros(20, np.int8), np.ones(20, np.int8)])
    pairs = candidate_pairs(table, [Rule(("surname",))], BlockingOptions())
    assert len(pairs) == 10 * 2 * 2  # each surname: 2 records a side
    assert bool((table.source[pairs.left] != table.source[pairs.right]).all())


def test_address_lines_typed_the_other_way_round_count_as_alike() -> None:
    config = MatchConfig.of({"address_1": "address", "address_2": "address"})
    rows = [
        {"address_1": "hawker place", "address_2": "chippendale village"},
        {"address_1": "chippendale village", "address_2": "hawkekr place"},
        {"address_1": "main street", "address_2": "hawker place"},
    ]
    table = build_table(rows, config)
    levels = compare_all(table.columns, np.array([0, 0]), np.array([1, 2]))
    assert levels[0].tolist() == [2, 2]
    assert levels[1].tolist() != [2, 2]


def test_keys_only_a_configured_rule_uses_are_made_on_demand() -> None:
    rows = [{"email": "ann@acme.com"}, {"email": "bob@acme.com"}, {"email": "cy@other.org"}]
    table = build_table(rows, MatchConfig.of({"email": "email"}))
    assert "domain" not in table.columns["email"].derived
    pairs = candidate_pairs(table, [Rule(("email:domain",))], BlockingOptions())
    assert list(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True)) == [(0, 1)]
