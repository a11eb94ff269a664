"""What provider answers mean: normalising both contracts, status codes, retries and limits."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.support.fake_enrichment_server import clearbit_record, pdl_record
from leadflow.enrich.limits import (
    Budget,
    TokenBucket,
    backoff,
    parse_retry_after,
    wait_before_retry,
)
from leadflow.enrich.normalize import (
    check_status,
    clearbit_fields,
    employees_from,
    error_in_body,
    parse_json_record,
    pdl_fields,
    revenue_band,
)
from leadflow.core.errors import (
    ProviderDisabledError,
    ProviderPermanentError,
    ProviderTransientError,
    is_transient,
)


def test_clearbit_record_becomes_lead_fields() -> None:
    fields = clearbit_fields(clearbit_record("acme.com"), {})
    assert fields["company"] == "Acme"
    assert (fields["country"], fields["state"], fields["revenue_band"]) == (
        "US",
        "WA",
        "$50M-$250M",
    )
    assert isinstance(fields["employees"], int)


def test_pdl_flat_record_maps_country_names_regions_and_industries() -> None:
    fields = pdl_fields(pdl_record("werk.de"), {"Computer Software": "Software"})
    assert (fields["company"], fields["industry"]) == ("Werk", "Software")
    assert (fields["country"], fields["state"]) == ("DE", "BY")
    assert fields["revenue_band"] == "$10M-$50M"
    assert pdl_fields({"industry": "oil & energy"}, {})["industry"] == "Oil & Energy"


@pytest.mark.parametrize(
    ("raw", "band"),
    [
        ("$10M-$50M", "$10M-$50M"),
        ("$100M-$250M", "$50M-$250M"),
        ("$500M-$1B", "$250M-$1B"),
        ("$10B+", "$1B+"),
        ("$250K-$1M", "<$1M"),
        ("unknown", None),
        (None, None),
    ],
)
def test_revenue_bands_are_mapped_by_their_lower_bound(raw: str | None, band: str | None) -> None:
    assert revenue_band(raw) == band


def test_employees_prefer_the_count_then_the_range_floor() -> None:
    assert employees_from(1234, "1001-5000") == 1234
    assert employees_from(None, "1,001-5,000") == 1001
    assert employees_from(True, "10001+") == 10001
    assert employees_from(None, None) is None


@pytest.mark.parametrize(
    ("code", "error", "status"),
    [
        (202, ProviderTransientError, "queued"),
        (429, ProviderTransientError, "rate_limited"),
        (500, ProviderTransientError, "provider_error"),
        (503, ProviderTransientError, "provider_error"),
        (401, ProviderDisabledError, "provider_disabled"),
        (402, ProviderDisabledError, "provider_disabled"),
        (422, ProviderPermanentError, "bad_input"),
        (400, ProviderPermanentError, "bad_input"),
        (418, ProviderPermanentError, "bad_response"),
    ],
)
def test_status_codes_raise_what_they_mean(code: int, error: type, status: str) -> None:
    with pytest.raises(error) as caught:
        check_status(code, 7.0)
    assert caught.value.status == status
    assert is_transient(caught.value) == (error is ProviderTransientError)


def test_200_and_404_are_answers_not_errors() -> None:
    check_status(200, None)
    check_status(404, None)


def test_broken_bodies_are_permanent_bad_responses() -> None:
    for body, content_type in (
        (b"{", "application/json"),
        (b"<html/>", "text/html"),
        (b"[1]", "application/json"),
    ):
        with pytest.raises(ProviderPermanentError) as caught:
            parse_json_record(body, content_type)
        assert caught.value.status == "bad_response"
    assert parse_json_record(b'{"name": "x"}', "application/json; charset=utf-8") == {"name": "x"}


def test_a_200_carrying_an_error_is_recognised() -> None:
    assert error_in_body({"error": {"type": "internal"}})
    assert error_in_body({"status": 500, "name": "x"})
    assert error_in_body(pdl_record("ok.com")) is None


def test_retry_after_takes_seconds_or_a_date() -> None:
    now = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("Tue, 24 Nov 2026 08:00:30 GMT", now) == 30.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_waits_honour_retry_after_then_back_off_and_give_up_past_the_cap() -> None:
    assert [backoff(n, 0.5, 3) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3]
    assert wait_before_retry(1, 5.0, 0.5, 30, 60) == 5.0
    assert wait_before_retry(4, 1.0, 0.5, 30, 60) == 4.0  # backoff outgrows a short Retry-After
    assert wait_before_retry(1, 120.0, 0.5, 30, 60) is None


def test_token_bucket_makes_callers_wait_for_their_token() -> None:
    clock, slept = [0.0], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    bucket = TokenBucket(10, burst=2, clock=lambda: clock[0], sleep=sleep)
    for _ in range(4):
        bucket.acquire()
    assert slept == pytest.approx([0.1, 0.1])  # two from the burst, then one every 1/10 s


def test_budget_stops_at_its_maximum() -> None:
    budget = Budget(2)
    assert [budget.take() for _ in range(3)] == [True, True, False]
    assert budget.exhausted and budget.used == 2
