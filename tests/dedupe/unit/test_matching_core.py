"""The matcher end to end on generated people: quality, no chaining, idempotency, blocking."""

from __future__ import annotations

import random

import numpy as np
import pytest

from leadflow.dedupe.engine import BlockingOptions, MatchConfig, Matcher, match_against
from leadflow.dedupe.engine.blocking import Rule, candidate_pairs
from leadflow.dedupe.engine.cluster import component_clusters, star_clusters
from leadflow.dedupe.engine.columns import build_table
from leadflow.dedupe.engine.compare import compare
from leadflow.dedupe.engine.metrics import pairwise_scores

GIVEN = "james mary john patricia robert linda michael susan david karen emma oliver noah ava liam".split()
SURNAMES = (
    "smith jones brown taylor wilson davies evans thomas roberts walker wright thompson white "
    "hughes edwards green hall wood harris lewis martin jackson clarke clark turner hill"
).split()
COMPANIES = [
    "Acme Inc",
    "Globex Corporation",
    "Initech LLC",
    "Umbrella Ltd",
    "北京三体云动科技有限公司",
    "北京三快在线科技有限公司",
    "Hooli GmbH",
    "Vandelay Industries",
]
CITIES = "london leeds bristol york bath paris lyon berlin".split()
CONFIG = MatchConfig.of(
    {
        "given_name": "name",
        "surname": "name",
        "email": "email",
        "phone": "phone",
        "company": "company",
        "city": "city",
        "date_of_birth": "date",
    }
)


def _typo(rng: random.Random, text: str) -> str:
    k = rng.randrange(len(text))
    return text[:k] + rng.choice("abcdefghijklmnopqrstuvwxyz") + text[k + 1 :]


def people(entities: int = 400, seed: int = 3) -> tuple[list[dict[str, str | None]], np.ndarray]:
    rng = random.Random(seed)
    rows, truth = [], []
    for e in range(entities):
        given, surname = (
            rng.choice(GIVEN),
            rng.choice(SURNAMES) + rng.choice(["", "s", "er", "ton", "ley"]),
        )
        person = {
            "given_name": given,
            "surname": surname,
            "email": f"{given}.{surname}{e}@{rng.choice(['gmail.com', 'acme.com', 'mail.de'])}",
            "phone": f"+44 20 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
            "company": rng.choice(COMPANIES),
            "city": rng.choice(CITIES),
            "date_of_birth": f"{rng.randint(1950, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        }
        copies = [dict(person)]
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            dup: dict[str, str | None] = dict(person)
            roll = rng.random()
            if roll < 0.3:
                dup["surname"] = _typo(rng, surname)
            elif roll < 0.5:
                dup["email"] = None
            elif roll < 0.7:
                dup["phone"] = dup["phone"].replace(" ", "-")  # type: ignore[union-attr]
                dup["city"] = None
            else:
                dup["given_name"] = given.upper()
            copies.append(dup)
        rows += copies
        truth += [e] * len(copies)
    order = rng.sample(range(len(rows)), len(rows))
    return [rows[k] for k in order], np.asarray(truth)[order]


@pytest.fixture(scope="module")
def data() -> tuple[list[dict[str, str | None]], np.ndarray]:
    return people()


def test_dedupe_finds_the_duplicates_without_labels(data) -> None:
    rows, truth = data
    result = Matcher(CONFIG).dedupe(rows)
    scores = pairwise_scores(result.cluster, truth)
    assert scores.f1 > 0.95, scores
    assert 0 < result.report.prior < 0.05
    assert result.report.candidate_pairs > 0
    assert all(0.0 <= p <= 1.0 for p in result.best_probability)


def test_matching_the_same_records_twice_gives_the_same_clusters(data) -> None:
    rows, _ = data
    first, second = Matcher(CONFIG).dedupe(rows), Matcher(CONFIG).dedupe(rows)
    assert np.array_equal(first.cluster, second.cluster)
    assert np.allclose(first.pairs.probability, second.pairs.probability)


def test_record_order_does_not_change_the_partition(data) -> None:
    rows, _ = data
    rng = np.random.default_rng(1)
    order = rng.permutation(len(rows))
    base = Matcher(CONFIG).dedupe(rows).cluster
    shuffled = Matcher(CONFIG).dedupe([rows[k] for k in order]).cluster
    # same partition: the two labelings agree pair for pair
    assert pairwise_scores(shuffled, base[order]).f1 > 0.99


def test_star_clusters_do_not_chain_through_weak_links() -> None:
    # a path 0-1-2-3-4-5 of strong links: components glue all six, stars cut the chain
    a, b = np.arange(5), np.arange(1, 6)
    p = np.full(5, 0.99)
    assert len(set(component_clusters(6, a, b, p, 0.9).tolist())) == 1
    stars = star_clusters(6, a, b, p, 0.9)
    assert len(set(stars.tolist())) >= 2
    for label in set(stars.tolist()):  # every member is linked to its cluster's centre
        members = np.flatnonzero(stars == label)
        assert members.max() - members.min() <= 2


def test_star_clusters_keep_a_true_star_together_and_ignore_edges_below_threshold() -> None:
    a, b = np.array([0, 0, 0, 1, 4]), np.array([1, 2, 3, 2, 5])
    p = np.array([0.99, 0.97, 0.95, 0.6, 0.5])
    labels = star_clusters(6, a, b, p, 0.9)
    assert labels[0] == labels[1] == labels[2] == labels[3]
    assert labels[4] != labels[5]


def test_blocking_reports_pairs_per_rule_and_windows_big_blocks() -> None:
    rows = [{"surname": "smith", "given_name": f"n{k:03d}"} for k in range(50)]
    table = build_table(rows, MatchConfig.of({"surname": "name", "given_name": "name"}))
    opts = BlockingOptions(max_block=10, window=3)
    pairs = candidate_pairs(table, [Rule(("surname",))], opts)
    report = pairs.report[0]
    assert report.windowed_blocks == 1 and report.largest_block == 50
    assert report.pairs == len(pairs) == 3 * 50 - 6  # each record with its 3 next neighbours
    assert bool((pairs.left < pairs.right).all())


def test_rules_over_the_pair_budget_are_dropped_and_said_so() -> None:
    rows = [{"city": "london", "name": f"x{k}"} for k in range(100)]
    table = build_table(rows, MatchConfig.of({"city": "city", "name": "name"}))
    pairs = candidate_pairs(
        table,
        [Rule(("city",))],
        BlockingOptions(max_block=1000, max_pairs_per_record=1, min_pairs=0),
    )
    assert pairs.report[0].dropped and len(pairs) == 0


def test_comparison_levels_treat_missing_as_no_evidence() -> None:
    rows = [{"s": "smith"}, {"s": "smyth"}, {"s": None}, {"s": "smith"}, {"s": "jones"}]
    table = build_table(rows, MatchConfig.of({"s": "name"}))
    levels = compare(table.columns["s"], np.array([0, 0, 0, 0]), np.array([3, 1, 2, 4]))
    assert levels.tolist() == [3, 1, -1, 0]


def test_match_against_an_index_decides_merge_review_or_new(data) -> None:
    rows, _ = data
    matcher = Matcher(CONFIG).fit(rows)
    known = dict(rows[0])
    known["given_name"] = str(known["given_name"]).title()
    stranger = {
        "given_name": "zebedee",
        "surname": "quux",
        "email": "zq@nowhere.org",
        "phone": None,
        "company": "Nobody Ltd",
        "city": "oslo",
        "date_of_birth": "1901-01-01",
    }
    decisions = match_against(matcher, [known, stranger])
    assert decisions[0].decision == "merge" and decisions[0].match is not None
    assert pairwise_scores(np.array([0, 0]), np.array([0, 0])).f1 == 1.0
    assert rows[decisions[0].match]["email"] == rows[0]["email"] or decisions[0].probability > 0.9
    assert decisions[1].decision == "new"


def test_score_pairs_gives_probabilities_for_any_fitted_pair(data) -> None:
    rows, truth = data
    matcher = Matcher(CONFIG).fit(rows)
    same = np.flatnonzero(truth == truth[0])
    other = int(np.flatnonzero(truth != truth[0])[0])
    if len(same) > 1:
        assert matcher.score_pairs([same[0]], [same[1]])[0] > 0.5
    assert matcher.score_pairs([0], [other])[0] < 0.5


def test_the_garbage_collector_is_paused_while_matching_and_restored_as_it_was() -> None:
    import gc

    from leadflow.dedupe.engine.api import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("a failure inside still restores it")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
