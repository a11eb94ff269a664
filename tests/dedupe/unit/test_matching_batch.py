"""Fuzzy matching between the new rows of one batch (leadflow.dedupe.merging.matches.match_within_batch)."""

from __future__ import annotations

from leadflow.dedupe.policy import MatchingPolicy
from leadflow.dedupe.merging.matches import match_within_batch
from leadflow.dedupe.merging.scoring import BUILT_IN
from tests.factories import make_clean_lead

POLICY = MatchingPolicy(version=1)


def row(
    k: int,
    email: str,
    name: str,
    company: str | None = None,
    phone: str | None = None,
    city: str | None = None,
    domain: str = "gmail.com",
):
    return make_clean_lead(
        source_record_id=k,
        line_no=k + 1,
        email=email,
        domain=domain,
        is_free_mail=domain == "gmail.com",
        full_name=name,
        company=company,
        phone_e164=phone,
        city=city,
        country="GB",
    )


def batch(*rows):
    return {r.email: r for r in rows}


def test_a_later_row_with_the_same_name_and_phone_merges_into_the_first() -> None:
    rows = batch(
        row(
            1,
            "ada@analytical.io",
            "Ada Lovelace",
            "Analytical Engines",
            "+442079460958",
            domain="analytical.io",
        ),
        row(2, "ada.l@gmail.com", "Ada Lovelace", None, "+442079460958"),
    )
    found = match_within_batch(rows, POLICY, BUILT_IN)
    assert list(found) == ["ada.l@gmail.com"]
    twin = found["ada.l@gmail.com"]
    assert (twin.into, twin.action) == ("ada@analytical.io", "merge")
    assert twin.probability >= POLICY.thresholds.auto_merge
    assert "phone_e164" in twin.deciding and "full_name" in twin.deciding


def test_colleagues_sharing_a_switchboard_stay_apart() -> None:
    rows = batch(
        row(
            1,
            "ada@analytical.io",
            "Ada Lovelace",
            "Analytical Engines",
            "+442079460958",
            domain="analytical.io",
        ),
        row(
            2,
            "charles@analytical.io",
            "Charles Babbage",
            "Analytical Engines",
            "+442079460958",
            domain="analytical.io",
        ),
    )
    assert match_within_batch(rows, POLICY, BUILT_IN) == {}


def test_name_and_company_without_a_place_or_phone_is_for_review() -> None:
    rows = batch(
        row(1, "wq@santi-cloud.cn", "王强", "北京三体云动科技有限公司", domain="santi-cloud.cn"),
        row(2, "wangqiang1980@163.com", "王强", "三體雲動（北京）科技有限公司", domain="163.com"),
    )
    found = match_within_batch(rows, POLICY, BUILT_IN)
    assert found["wangqiang1980@163.com"].action == "review"
    assert (
        POLICY.thresholds.review
        <= found["wangqiang1980@163.com"].probability
        < POLICY.thresholds.auto_merge
    )


def test_a_row_alike_only_to_one_that_merged_away_is_reviewed_against_its_lead_not_chained() -> (
    None
):
    # B is A (name, company, city); C is B (name, phone) but shares nothing with A but the name.
    a = row(
        1,
        "ada@analytical.io",
        "Ada Lovelace",
        "Analytical Engines",
        city="London",
        domain="analytical.io",
    )
    b = row(
        2,
        "ada@engines.co.uk",
        "Ada Lovelace",
        "Analytical Engines Ltd",
        "+442079460958",
        "London",
        domain="engines.co.uk",
    )
    c = row(3, "countess@gmail.com", "Ada Lovelace", "Byron Estates", "+442079460958")
    found = match_within_batch(batch(a, b, c), POLICY, BUILT_IN)
    assert (found[b.email].into, found[b.email].action) == (a.email, "merge")
    assert found[c.email].action == "review"
    assert (found[c.email].into, found[c.email].via) == (a.email, b.email)


def test_rows_already_matched_to_a_stored_lead_are_left_alone_and_an_off_policy_finds_nothing() -> (
    None
):
    rows = batch(
        row(1, "ada@analytical.io", "Ada Lovelace", None, "+442079460958", domain="analytical.io"),
        row(2, "ada.l@gmail.com", "Ada Lovelace", None, "+442079460958"),
    )
    assert match_within_batch(rows, POLICY, BUILT_IN, frozenset({"ada.l@gmail.com"})) == {}
    assert match_within_batch(rows, MatchingPolicy(version=1, enabled=False), BUILT_IN) == {}


def test_a_key_shared_by_more_rows_than_the_cap_makes_no_pairs() -> None:
    policy = MatchingPolicy(version=1, max_candidates_per_key=2)
    rows = batch(
        *(row(k, f"ada{k}@gmail.com", "Ada Lovelace", None, "+442079460958") for k in range(3))
    )
    assert match_within_batch(rows, policy, BUILT_IN) == {}
    assert len(match_within_batch(rows, POLICY, BUILT_IN)) == 2
