"""The fallback chain over local tables: skips, fallback order, statuses and provenance."""

from __future__ import annotations

from leadflow.enrich.policy import EnrichmentPolicy
from leadflow.enrich.firmographics import Firmographic
from leadflow.enrich.chain import LeadIn, RunState, lead_status, run_chain, run_state
from leadflow.enrich.providers import LocalProvider

ACME = Firmographic("acme.com", "Acme Inc", "Manufacturing", 423, None, "US", "WA")
ACME_FULL = Firmographic("acme.com", "ACME Holdings", "Software", 500, "$50M-$250M", "US", "CA")
BETA = Firmographic("beta.io", "Beta", "Retail", 40, "$1M-$10M", "DE", "BY")


def chain(policy: str = "lead_answer_wins") -> tuple[EnrichmentPolicy, list[LocalProvider]]:
    config = EnrichmentPolicy.model_validate(
        {
            "version": 1,
            "survivorship": policy,
            "providers": [
                {
                    "name": "primary",
                    "type": "local",
                    "fields": ["company", "industry", "employees", "country", "state"],
                },
                {"name": "backup", "type": "local"},
            ],
        }
    )
    tables = [{"acme.com": ACME}, {"acme.com": ACME_FULL, "beta.io": BETA}]
    return config, [LocalProvider(p, t) for p, t in zip(config.providers, tables)]


def lead(id: int, domain: str | None, **fields: object) -> LeadIn:
    flags = {
        k: fields.pop(k)
        for k in ("is_free_mail", "is_disposable", "is_role_address")
        if k in fields
    }
    return LeadIn(id, domain, fields, **flags)  # type: ignore[arg-type]


def test_free_mail_disposable_and_missing_domains_are_skipped_and_say_why() -> None:
    policy, providers = chain()
    outs = run_chain(
        [
            lead(1, "gmail.com", is_free_mail=True),
            lead(2, "mailinator.com", is_disposable=True),
            lead(3, None),
            lead(4, "acme.com"),
        ],
        providers,
        policy,
        RunState(10),
    )
    assert [(o.status, o.has_website) for o in outs] == [
        ("skipped_free_mail", False),
        ("skipped_disposable", False),
        ("skipped_no_domain", None),
        ("enriched", True),
    ]
    assert all(not o.consulted for o in outs[:3])


def test_the_next_provider_fills_only_what_the_first_could_not() -> None:
    policy, providers = chain()
    (out,) = run_chain([lead(1, "acme.com", country="US")], providers, policy, RunState(10))
    assert out.changes == {
        "company": ("Acme Inc", "primary"),
        "industry": ("Manufacturing", "primary"),
        "employees": (423, "primary"),
        "state": ("WA", "primary"),
        "revenue_band": ("$50M-$250M", "backup"),
    }
    assert [c.provider for c in out.consulted] == ["primary", "backup"]


def test_a_lead_with_everything_needs_no_lookup() -> None:
    policy, providers = chain()
    full = dict(company="A", industry="B", employees=1, revenue_band="C", country="US", state="WA")
    (out,) = run_chain([lead(1, "acme.com", **full)], providers, policy, RunState(10))
    assert (out.status, out.consulted, out.changes) == ("not_needed", [], {})


def test_unknown_everywhere_is_not_found_and_the_lead_keeps_moving() -> None:
    policy, providers = chain()
    (out,) = run_chain(
        [lead(1, "nobody.example", is_role_address=True)], providers, policy, RunState(10)
    )
    assert (out.status, out.changes, out.has_website) == ("not_found", {}, True)
    assert [c.lookup.status for c in out.consulted] == ["not_found", "not_found"]


def test_first_provider_wins_policy_overwrites_the_leads_answer() -> None:
    policy, providers = chain("first_provider_wins")
    (out,) = run_chain([lead(1, "acme.com", company="acme typo")], providers, policy, RunState(10))
    assert out.changes["company"] == ("Acme Inc", "primary")


def test_lead_status_prefers_found_then_the_first_failure() -> None:
    from leadflow.enrich.chain import Consulted
    from leadflow.enrich.providers import Lookup

    def c(status: str, source: str = "live") -> Consulted:
        return Consulted("p", Lookup(status), source)

    assert lead_status([c("not_found"), c("found", "cache")]) == "cached"
    assert lead_status([c("found", "cache"), c("found")]) == "enriched"
    assert (
        lead_status([c("not_found"), c("budget_exhausted", "skip"), c("timeout")])
        == "budget_exhausted"
    )
    assert lead_status([c("not_found")]) == "not_found"


def test_run_state_is_shared_within_a_run_and_fresh_outside_one() -> None:
    assert run_state("run-a", 5) is run_state("run-a", 5)
    assert run_state(None, 5) is not run_state(None, 5)
    state = RunState(1)
    state.disable("cb", "402")
    state.disable("cb", "401 later")
    assert state.new_alerts() == {"cb": "402"} and state.new_alerts() == {}
