"""Split clustering: a many-record person stays whole, a chain of look-alikes is cut."""

from __future__ import annotations

import numpy as np

from leadflow.dedupe.engine import MatchConfig, Matcher
from leadflow.dedupe.engine.cluster import component_clusters, star_clusters
from leadflow.dedupe.kinds import Clustering, ClusterMethod, Kind
from leadflow.dedupe.engine.split import average_linkage, split_clusters


def _scorer(table: dict[tuple[int, int], float]):  # type: ignore[no-untyped-def]
    def score(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        pairs = zip(x, y, strict=True)
        return np.array([table.get((min(i, j), max(i, j)), 0.01) for i, j in pairs])

    return score


def test_a_chain_of_look_alikes_is_cut_where_its_ends_disagree() -> None:
    # 0 ~ 1 ~ 2 strongly, and 0 vs 2 (never a candidate pair) strongly against: two people
    a, b, p = np.array([0, 1]), np.array([1, 2]), np.array([0.97, 0.96])
    every_pair = {(0, 1): 0.97, (1, 2): 0.96, (0, 2): 1e-9}
    labels = split_clusters(3, a, b, p, 0.5, 0.5, _scorer(every_pair))
    assert component_clusters(3, a, b, p, 0.5).tolist() == [0, 0, 0]  # what plain components do
    assert labels[0] != labels[2]
    assert len(set(labels.tolist())) == 2


def test_a_person_whose_records_only_match_neighbours_stays_one_cluster() -> None:
    # ten records in a path: each matches its neighbours well, the rest mildly (no centre)
    n = 10
    a, b = np.arange(n - 1), np.arange(1, n)
    p = np.full(n - 1, 0.99)
    every_pair = {(i, j): 0.99 if j == i + 1 else 0.7 for i in range(n) for j in range(i + 1, n)}
    labels = split_clusters(n, a, b, p, 0.5, 0.5, _scorer(every_pair))
    assert len(set(labels.tolist())) == 1
    assert len(set(star_clusters(n, a, b, p, 0.5).tolist())) > 1  # stars lose this person


def test_average_linkage_joins_while_the_average_weight_is_positive() -> None:
    w = np.array([[0, 5, -9, -9], [5, 0, -9, -9], [-9, -9, 0, 4], [-9, -9, 4, 0]], float)
    assert average_linkage(w).tolist() == [0, 0, 2, 2]
    w[0, 2] = w[2, 0] = w[0, 3] = w[3, 0] = w[1, 2] = w[2, 1] = w[1, 3] = w[3, 1] = 1.0
    assert average_linkage(w).tolist() == [0, 0, 0, 0]


TWINS: list[dict[str, str | None]] = [  # two people, and a look-alike between them
    {
        "given_name": "alexander",
        "surname": "hamiltonne",
        "email": "alex.h@acme.com",
        "phone": "+44 20 7946 1111",
        "company": "Acme Inc",
        "city": "leeds",
        "date_of_birth": "1971-02-03",
    },
    {
        "given_name": "alexander",
        "surname": "hamiltonne",
        "email": None,
        "phone": "+44 20 7946 1111",
        "company": "Acme Inc",
        "city": "leeds",
        "date_of_birth": "1971-02-03",
    },
    {
        "given_name": "alexandra",
        "surname": "hamiltonne",
        "email": None,
        "phone": None,
        "company": "Acme Inc",
        "city": None,
        "date_of_birth": None,
    },
    {
        "given_name": "alexandra",
        "surname": "hamiltonne",
        "email": "sandy@globex.com",
        "phone": "+44 20 7946 2222",
        "company": "Acme Inc",
        "city": "bath",
        "date_of_birth": "1988-11-30",
    },
]


def test_the_matcher_does_not_merge_two_people_through_a_look_alike() -> None:
    from tests.dedupe.unit.test_matching_core import CONFIG, people

    rows, _ = people()
    result = Matcher(CONFIG).dedupe(rows + TWINS)
    first = len(rows)
    pairs = result.pairs
    n = len(result.cluster)
    chained = component_clusters(n, pairs.left, pairs.right, pairs.probability, 0.5)
    assert chained[first] == chained[first + 3]  # the look-alike links both people
    assert result.cluster[first] == result.cluster[first + 1]
    assert result.cluster[first] != result.cluster[first + 3]


def test_the_default_method_is_split_and_others_can_be_chosen() -> None:
    assert MatchConfig.of({"name": "name"}).clustering.method is ClusterMethod.SPLIT
    assert Clustering(method="star").method is ClusterMethod.STAR  # type: ignore[arg-type]


def test_birth_place_is_a_place_not_a_date_and_every_column_says_why() -> None:
    from leadflow.dedupe.engine.infer import infer_columns

    n = 200
    columns: dict[str, list[object]] = {
        "unique_id": [f"r{k}" for k in range(n)],
        "cluster": [f"Q{k // 40}" for k in range(n)],  # the answer: few values, never compared
        "first_name": [["ann", "bob", "cy", "di"][k % 4] for k in range(n)],
        "surname": [f"sur{k % 50}" for k in range(n)],
        "first_and_surname": [f"{['ann', 'bob', 'cy', 'di'][k % 4]} sur{k % 50}" for k in range(n)],
        "dob": [f"19{k % 90 + 10}-0{k % 9 + 1}-1{k % 9}" for k in range(n)],
        "birth_place": [["devon", "west devon", "leeds", "bath"][k % 4] for k in range(n)],
        "occupation": [["politician", "painter", None][k % 3] for k in range(n)],
    }
    guesses = {g.column: g for g in infer_columns(columns)}
    assert guesses["birth_place"].kind is Kind.ADDRESS
    assert "0% of values parse" in guesses["birth_place"].reason
    assert guesses["dob"].kind is Kind.DATE
    assert guesses["occupation"].kind is Kind.CATEGORY
    assert guesses["first_and_surname"].kind is None
    assert "first_name + surname" in guesses["first_and_surname"].reason
    assert guesses["unique_id"].kind is None
    assert guesses["unique_id"].reason == "a row key or entity label"
    assert guesses["cluster"].kind is None
    assert all(g.reason for g in guesses.values())
