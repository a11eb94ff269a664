"""Firmographics by domain: parsing the provider table, and filling only what the lead lacks."""

from __future__ import annotations

from leadflow.enrich.firmographics import Firmographic, enrichment_for, parse_firmographics

ACME = Firmographic(
    domain="acme.com",
    name="Acme Inc",
    industry="Manufacturing",
    employees=423,
    revenue_band="$50M-$250M",
    country="US",
    state="WA",
)


def test_rows_are_keyed_by_lower_case_domain_with_typed_values() -> None:
    table = parse_firmographics(
        [
            {
                "domain": " ACME.com ",
                "name": "Acme Inc",
                "industry": "Manufacturing",
                "employees": "423",
                "revenue_band": "$50M-$250M",
                "country": "us",
                "state": "wa",
            },
        ]
    )
    assert table == {"acme.com": ACME}


def test_blank_cells_become_none_and_rows_without_domain_are_skipped() -> None:
    table = parse_firmographics(
        [
            {"domain": "", "name": "Nobody"},
            {
                "domain": "tiny.io",
                "name": " ",
                "industry": "",
                "employees": "about 10",
                "country": "",
            },
        ]
    )
    assert list(table) == ["tiny.io"]
    tiny = table["tiny.io"]
    assert (tiny.name, tiny.industry, tiny.employees, tiny.country, tiny.state) == (None,) * 5


def test_enrichment_fills_blanks_and_never_overwrites_the_leads_own_data() -> None:
    lead = {"company": "ACME (our spelling)", "industry": None, "employees": "", "state": "OR"}
    assert enrichment_for(lead, ACME) == {
        "industry": "Manufacturing",
        "employees": 423,
        "revenue_band": "$50M-$250M",
        "country": "US",
    }


def test_state_of_another_country_is_not_attached_to_the_lead() -> None:
    # The lead says Canada; the company's US headquarters state (WA) must not make it "CA / WA".
    lead = {"country": "CA", "state": None}
    assert "state" not in enrichment_for(lead, ACME)


def test_provider_gaps_offer_nothing() -> None:
    empty = Firmographic("x.io", None, None, None, None, None, None)
    assert enrichment_for({}, empty) == {}
