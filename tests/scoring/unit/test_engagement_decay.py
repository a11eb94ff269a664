"""Engagement over simulated time: half-life decay, daily caps, machine events, derived signals."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from leadflow.scoring.engagement_policy import EngagementPolicy, load_engagement
from leadflow.scoring.engagement_decay import Event, engagement_score
from tests.factories import SCORING_DIR

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def policy() -> EngagementPolicy:
    return load_engagement(SCORING_DIR)


def policy_of(**signals: dict) -> EngagementPolicy:
    return EngagementPolicy.model_validate({"version": 1, "max_total": 100, "signals": signals})


def test_a_click_halves_every_half_life() -> None:
    policy = policy_of(click={"points": 16, "half_life_days": 7})
    click = [Event("click", T0)]
    totals = [
        engagement_score(click, policy, T0 + timedelta(days=d)).uncapped for d in (0, 7, 14, 21)
    ]
    assert totals == pytest.approx([16, 8, 4, 2])


def test_an_event_stamped_after_the_scoring_moment_counts_as_fresh() -> None:
    # Clock skew between web app and worker must not lose a click, nor make it worth more.
    policy = policy_of(click={"points": 10, "half_life_days": 7})
    assert engagement_score([Event("click", T0 + timedelta(hours=1))], policy, T0).uncapped == 10


def test_the_daily_cap_applies_per_signal_per_day(policy: EngagementPolicy) -> None:
    opens = [Event("open", T0 + timedelta(minutes=i)) for i in range(10)]
    assert engagement_score(opens, policy, T0 + timedelta(hours=1)).uncapped == pytest.approx(
        2, abs=0.01
    )
    next_day = opens + [Event("open", T0 + timedelta(days=1))]
    assert engagement_score(next_day, policy, T0 + timedelta(days=1)).uncapped == pytest.approx(
        2 * 0.5 ** (1 / 7) + 1, abs=0.01
    )


def test_machine_events_earn_only_their_weight(policy: EngagementPolicy) -> None:
    human = engagement_score([Event("click", T0, "https://x.example/blog")], policy, T0)
    scanner = engagement_score(
        [Event("click", T0, "https://x.example/blog", is_machine=True)], policy, T0
    )
    proxy_open = engagement_score([Event("open", T0, is_machine=True)], policy, T0)
    assert (human.uncapped, scanner.uncapped, proxy_open.uncapped) == pytest.approx((10, 1, 0))


def test_a_pricing_click_is_its_own_signal(policy: EngagementPolicy) -> None:
    result = engagement_score(
        [Event("click", T0, "https://leadflow.example/pricing?x=1")], policy, T0
    )
    assert [c.signal for c in result.contributions] == ["pricing_click"] and result.total == 30


def test_negative_signals_pull_engagement_down_but_never_below_zero(
    policy: EngagementPolicy,
) -> None:
    events = [Event("click", T0), Event("unsubscribe", T0)]
    result = engagement_score(events, policy, T0)
    assert result.uncapped == pytest.approx(-10) and result.total == 0


def test_old_engagement_fades_so_a_hot_lead_cools(policy: EngagementPolicy) -> None:
    clicks = [Event("click", T0, "https://leadflow.example/pricing")]
    fresh = engagement_score(clicks, policy, T0).total
    later = engagement_score(clicks, policy, T0 + timedelta(days=42)).total  # three half-lives
    assert (fresh, later) == (30, 4)


def test_a_derived_signal_needs_both_event_and_url(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from leadflow.scoring.engagement_policy import load_engagement as load
    from leadflow.core.errors import ConfigError

    (tmp_path / "engagement.yaml").write_text(
        "version: 1\nmax_total: 10\nsignals:\n  odd:\n    points: 1\n    half_life_days: 1\n"
        "    from_event: click\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    assert info.value.line == 4 and "needs both" in info.value.message
