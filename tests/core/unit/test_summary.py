"""Run summaries: batches add up, and the table shows every count."""

from __future__ import annotations

from collections import Counter

from leadflow.core.summary import (
    BatchOutcome,
    IngestSummary,
    RouteOutcome,
    ScoreOutcome,
    SendSummary,
)


def batch(created: int = 0, merged: int = 0, **reasons: int) -> BatchOutcome:
    return BatchOutcome(created=created, merged=merged, quarantine_reasons=Counter(reasons))


def add(
    summary: IngestSummary,
    cleaned: BatchOutcome,
    *,
    hot: int = 0,
    warm: int = 0,
    cold: int = 0,
    routed: dict[str, int] | None = None,
    sent: int = 0,
    enrolled: int = 0,
) -> None:
    scored = ScoreOutcome(hot=list(range(hot)), warm=list(range(warm)), cold=list(range(cold)))
    summary.add_batch(
        cleaned,
        scored,
        RouteOutcome(per_rep=Counter(routed or {})),
        SendSummary(sent=sent, bounced=9, deferred=9, skipped=9),
        enrolled,
    )


def measures(summary: IngestSummary) -> dict[str, object]:
    return {row["measure"]: row["value"] for row in summary.rows()}


def test_batches_add_up() -> None:
    summary = IngestSummary("webinar")
    add(
        summary,
        batch(created=3, merged=1, missing_email=2),
        hot=1,
        warm=2,
        cold=0,
        routed={"anna": 1},
        sent=1,
        enrolled=2,
    )
    add(
        summary,
        batch(created=2, merged=4, missing_email=1, invalid_email=1),
        hot=2,
        warm=0,
        cold=3,
        routed={"anna": 1, "bo": 1},
        sent=2,
        enrolled=3,
    )
    assert (summary.created, summary.merged, summary.quarantined) == (5, 5, 4)
    assert summary.quarantine_reasons == Counter(missing_email=3, invalid_email=1)
    assert (summary.hot, summary.warm, summary.cold) == (3, 2, 3)
    assert summary.routed == Counter(anna=2, bo=1)
    assert (summary.emails_sent, summary.enrolled) == (3, 5)


def test_only_sent_emails_count_as_sent() -> None:
    summary = IngestSummary("webinar")
    add(summary, batch(), sent=0)
    assert summary.emails_sent == 0


def test_rows_show_every_headline_count() -> None:
    summary = IngestSummary("webinar", read=10, already_ingested=2)
    add(
        summary,
        batch(created=5, merged=1, missing_email=2),
        hot=1,
        warm=2,
        cold=3,
        routed={"bo": 1},
        sent=1,
        enrolled=5,
    )
    table = measures(summary)
    assert table["rows read"] == 10
    assert table["rows already ingested (skipped)"] == 2
    assert table["quarantined"] == 2
    assert table["new leads"] == 5
    assert table["merged into existing"] == 1
    assert table["hot / warm / cold"] == "1 / 2 / 3"
    assert table["routed"] == 1
    assert table["enrolled in nurture"] == 5
    assert table["rep emails sent"] == 1


def test_rows_list_quarantine_reasons_most_common_first() -> None:
    summary = IngestSummary("webinar")
    add(summary, batch(invalid_email=1, missing_email=3, wrong_field_count=2))
    reasons = [
        r["measure"] for r in summary.rows() if str(r["measure"]).startswith("quarantined: ")
    ]
    assert reasons == [
        "quarantined: missing_email",
        "quarantined: wrong_field_count",
        "quarantined: invalid_email",
    ]


def test_rows_list_routed_reps_alphabetically_after_the_totals() -> None:
    summary = IngestSummary("webinar")
    add(summary, batch(), routed={"zed": 2, "anna": 1})
    rows = [r["measure"] for r in summary.rows()]
    assert rows[-2:] == ["routed to anna", "routed to zed"]
    assert measures(summary)["routed to zed"] == 2
    assert measures(summary)["routed"] == 3


def test_empty_summary_has_no_per_reason_or_per_rep_rows() -> None:
    rows = IngestSummary("webinar").rows()
    assert not any(str(r["measure"]).startswith(("quarantined: ", "routed to ")) for r in rows)
    assert measures(IngestSummary("webinar"))["hot / warm / cold"] == "0 / 0 / 0"
