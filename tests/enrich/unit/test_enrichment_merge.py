"""Survivorship between the lead's own answers and what providers offer."""

from __future__ import annotations

from leadflow.enrich.merge import Offer, merge_offers, missing_fields

CLEARBIT = Offer(
    "clearbit",
    {
        "company": "Acme Inc",
        "industry": "Software",
        "employees": 420,
        "country": "US",
        "state": "WA",
    },
    trust=8,
)
PDL = Offer(
    "peopledatalabs",
    {
        "company": "acme",
        "industry": "Manufacturing",
        "employees": 380,
        "revenue_band": "$10M-$50M",
        "country": "US",
    },
    trust=6,
)


def test_lead_answer_wins_fills_only_blanks_from_the_first_provider_that_knows() -> None:
    lead = {"company": "ACME (typed)", "industry": None, "employees": "", "country": "US"}
    chosen = merge_offers(lead, [CLEARBIT, PDL], "lead_answer_wins")
    assert chosen == {
        "industry": ("Software", "clearbit"),
        "employees": (420, "clearbit"),
        "revenue_band": ("$10M-$50M", "peopledatalabs"),
        "state": ("WA", "clearbit"),
    }


def test_first_provider_wins_overwrites_the_lead() -> None:
    lead = {"company": "ACME (typed)", "industry": "Retail"}
    chosen = merge_offers(lead, [PDL, CLEARBIT], "first_provider_wins")
    assert chosen["company"] == ("acme", "peopledatalabs")
    assert chosen["industry"] == ("Manufacturing", "peopledatalabs")
    assert chosen["state"] == ("WA", "clearbit")  # the only one offering it


def test_most_trusted_picks_per_field_and_the_lead_keeps_ties() -> None:
    lead = {"company": "ACME (typed)", "industry": None}
    chosen = merge_offers(lead, [PDL, CLEARBIT], "most_trusted", lead_trust=8)
    assert "company" not in chosen  # lead trust 8 ties clearbit's 8: the lead keeps its answer
    assert chosen["industry"] == (
        "Software",
        "clearbit",
    )  # clearbit outranks PDL despite coming second
    assert chosen["revenue_band"] == ("$10M-$50M", "peopledatalabs")
    assert merge_offers(lead, [PDL, CLEARBIT], "most_trusted", lead_trust=9).get("company") is None
    assert merge_offers(lead, [PDL, CLEARBIT], "most_trusted", lead_trust=7)["company"] == (
        "Acme Inc",
        "clearbit",
    )


def test_state_from_another_country_never_attaches_whatever_the_policy() -> None:
    lead = {"country": "CA", "state": None}
    for policy in ("lead_answer_wins", "most_trusted"):
        assert "state" not in merge_offers(lead, [CLEARBIT], policy, lead_trust=9)
    # When the provider may overwrite the country, its state comes along with it.
    assert merge_offers(lead, [CLEARBIT], "first_provider_wins")["state"] == ("WA", "clearbit")


def test_missing_fields_depend_on_whether_providers_may_overwrite() -> None:
    lead = {
        "company": "Acme",
        "industry": "",
        "employees": 5,
        "revenue_band": None,
        "country": "US",
        "state": "WA",
    }
    assert missing_fields(lead, "lead_answer_wins") == {"industry", "revenue_band"}
    assert len(missing_fields(lead, "most_trusted")) == 6
