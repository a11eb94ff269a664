"""Shortcuts that must not change results: character-count bounds, forked preparation, and
the email address counted as one piece of evidence with the given name it is made of."""

from __future__ import annotations

import random

import numpy as np
from rapidfuzz.distance import OSA, JaroWinkler

from leadflow.dedupe.engine import MatchConfig, Matcher
from leadflow.dedupe.engine.bags import edit_lower_bound, jaro_winkler_upper_bound
from leadflow.dedupe.engine.columns import build_table, column_from_values
from leadflow.dedupe.kinds import Kind

ALPHABET = "abcdefghij0123456789 .@北京三体云动科技"


def _values(seed: int = 1, count: int = 400) -> list[str]:
    rng = random.Random(seed)
    words = {
        "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 30))).strip()
        for _ in range(count)
    }
    base = sorted(w for w in words if w)
    # near copies, so that some pairs are within the cutoffs
    return (
        base
        + [w[:-1] + "x" for w in base[:100]]
        + [w + "9" for w in base[100:200]]
        + ["a" * 20, "a" * 12]
    )


def test_bounds_never_cut_a_pair_rapidfuzz_would_keep() -> None:
    column = column_from_values("x", Kind.PHONE, _values())
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, len(column.values), 20_000), rng.integers(0, len(column.values), 20_000)
    low, high = edit_lower_bound(column, a, b), jaro_winkler_upper_bound(column, a, b)
    for x, y, lo, hi in zip(column.values[a], column.values[b], low, high, strict=True):
        assert OSA.distance(x, y) >= lo, (x, y)
        assert JaroWinkler.normalized_similarity(x, y) <= hi + 1e-6, (x, y)
    assert (low > 2).mean() > 0.5  # and they do cut most random pairs


def test_forked_preparation_gives_the_same_table() -> None:
    rng = random.Random(2)
    records = {
        "name": [rng.choice(["anna", "ben", "张伟", None]) for _ in range(3000)],
        "email": [
            f"u{rng.randrange(500)}@x.com" if rng.random() < 0.9 else None for _ in range(3000)
        ],
        "phone": [str(rng.randrange(10**8, 10**9)) for _ in range(3000)],
    }
    config = MatchConfig.of({"name": "name", "email": "email", "phone": "phone"})
    alone, forked = build_table(records, config, workers=1), build_table(records, config, workers=2)
    for name, column in alone.columns.items():
        other = forked.columns[name]
        assert np.array_equal(column.codes, other.codes) and list(column.values) == list(
            other.values
        )
        assert sorted(column.derived) == sorted(other.derived)
        for label, derived in column.derived.items():
            assert np.array_equal(derived.codes, other.derived[label].codes)


def _people(address: str) -> list[dict[str, str]]:
    rng = random.Random(4)
    given = "kimberly james anna liam sofia noah emma lucas mia ethan".split()
    surnames = "ricci garcia smith jones brown lee wang mueller rossi novak".split()
    rows = []
    for e in range(600):
        first, last = rng.choice(given), rng.choice(surnames) + str(rng.randrange(50))
        email = address.format(first=first, last=last, e=e, firm=e % 40)
        rows += [
            {"given_name": first, "surname": last, "email": email, "company": f"Firm {e % 40}"}
        ] * 2
    return rows


def test_an_address_made_of_the_given_name_is_one_piece_of_evidence_with_it() -> None:
    config = MatchConfig.of(
        {"given_name": "name", "surname": "name", "email": "email", "company": "company"}
    )
    built = Matcher(config).fit(_people("{first}.{last}@firm{firm}.com"))
    assert any(set(g) == {"given_name", "email"} for g in built.model.groups)  # type: ignore[union-attr]
    unrelated = Matcher(config).fit(_people("u{e}@firm{firm}.com"))
    assert not any("email" in g for g in unrelated.model.groups)  # type: ignore[union-attr]
    result = built.predict()
    assert result.cluster[0] == result.cluster[1]  # duplicates still merge
