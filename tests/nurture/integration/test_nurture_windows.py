"""Local send windows across time zones and DST changes, on a simulated clock, through real SMTP.

Leads in Sydney, Shanghai, London, New York and Los Angeles enter on a Saturday. An hourly
tick runs for ten days, across London leaving summer time (25 Oct 2026) and New York
(1 Nov 2026). Each email must arrive at 09:00 on the lead's next working day, whatever
that is in UTC that week.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.nurture.integration.nurture_support import (
    WINDOW_ONLY,
    add_lead,
    decisions,
    enroll,
    run_ticks,
    use_policy,
)

pytestmark = pytest.mark.db
SATURDAY = datetime(2026, 10, 24, 12, tzinfo=UTC)
CHINA_HOLIDAY = "version: 1\nholidays:\n  CN: [2026-10-26]\n"
LEADS = {  # address: (country, state, zone, step 1 arrival UTC, step 2 arrival UTC)
    "syd@example.org": (
        "AU",
        "NSW",
        "Australia/Sydney",
        datetime(2026, 10, 25, 22),
        datetime(2026, 11, 1, 22),
    ),
    "sha@example.org": (
        "CN",
        "SH",
        "Asia/Shanghai",
        datetime(2026, 10, 27, 1),
        datetime(2026, 11, 3, 1),
    ),
    "lon@example.org": (
        "GB",
        None,
        "Europe/London",
        datetime(2026, 10, 26, 9),
        datetime(2026, 11, 2, 9),
    ),
    # Seven calendar days after 09:00 EDT is 09:00 EST (not 08:00: delay_days keeps the clock).
    "nyc@example.org": (
        "US",
        "NY",
        "America/New_York",
        datetime(2026, 10, 26, 13),
        datetime(2026, 11, 2, 14),
    ),
    "lax@example.org": (
        "US",
        "CA",
        "America/Los_Angeles",
        datetime(2026, 10, 26, 16),
        datetime(2026, 11, 2, 17),
    ),
}


def test_every_email_arrives_at_nine_local_on_a_working_day_across_dst(
    recorder, tmp_path, monkeypatch
):
    use_policy(tmp_path / "policy", monkeypatch, WINDOW_ONLY, CHINA_HOLIDAY)
    ids = {
        email: add_lead(email, SATURDAY, country, state)
        for email, (country, state, *_r) in LEADS.items()
    }
    assert enroll(list(ids.values()), SATURDAY) == len(LEADS)
    run_ticks(recorder, SATURDAY, datetime(2026, 11, 3, 2, tzinfo=UTC), timedelta(hours=1))

    for email, (_country, _state, zone, first, second) in LEADS.items():
        arrivals = [r.at for r in recorder.to(email)]
        assert arrivals == [first.replace(tzinfo=UTC), second.replace(tzinfo=UTC)], email
        for arrived in arrivals:
            local = arrived.astimezone(ZoneInfo(zone))
            assert local.weekday() < 5 and 9 <= local.hour < 17, (email, local)
        subjects = [r.message["Subject"] for r in recorder.to(email)]
        assert subjects == ["Ada, one", "two"]

    china = decisions("defer", ids["sha@example.org"])[0]
    assert (
        china.inputs["zone"] == "Asia/Shanghai"
        and china.inputs["local_deferred_to"] == "Tue 2026-10-27 09:00"
    )
    new_york = decisions("defer", ids["nyc@example.org"])
    # Only the weekend deferral: step 2 falls due at 09:00 local after the clocks went back.
    assert [d.rule_id for d in new_york] == ["send-rule:window"]
    assert new_york[0].config_version and "holidays@v1" in new_york[0].config_version
    assert all(len(decisions("send", lead_id)) == 2 for lead_id in ids.values())
