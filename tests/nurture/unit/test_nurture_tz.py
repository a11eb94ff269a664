"""A lead's time zone: state for multi-zone countries, then country, then phone, then the default."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from leadflow.nurture.timezones import COUNTRY_ZONES, STATE_ZONES, zone_for


@pytest.mark.parametrize(
    ("country", "state", "zone"),
    [
        ("US", "CA", "America/Los_Angeles"),
        ("US", "TX", "America/Chicago"),
        ("US", "AZ", "America/Phoenix"),
        ("US", "NY", "America/New_York"),
        ("CA", "BC", "America/Vancouver"),
        ("CA", "NL", "America/St_Johns"),
        ("AU", "WA", "Australia/Perth"),
        ("AU", "QLD", "Australia/Brisbane"),
        ("BR", "AM", "America/Manaus"),
        ("RU", "NVS", "Asia/Novosibirsk"),
        ("RU", "KGD", "Europe/Kaliningrad"),
        ("MX", "BCN", "America/Tijuana"),
    ],
)
def test_multi_zone_countries_resolve_by_state(country: str, state: str, zone: str) -> None:
    found = zone_for(country, state, None, "UTC")
    assert (found.zone.key, found.source) == (zone, "state")


def test_without_a_state_a_multi_zone_country_takes_its_most_populous_zone() -> None:
    assert zone_for("US", None, None, "UTC").zone.key == "America/New_York"
    assert zone_for("RU", "??", None, "UTC").zone.key == "Europe/Moscow"
    assert zone_for("AU", None, None, "UTC").source == "country"


def test_china_is_one_zone_whatever_the_province() -> None:
    for province in ("XJ", "SH", "GD", None):
        assert zone_for("CN", province, None, "UTC").zone.key == "Asia/Shanghai"


def test_phone_is_the_fallback_when_the_country_is_unknown() -> None:
    by_area_code = zone_for(None, None, "+14155550100", "UTC")  # San Francisco
    assert (by_area_code.zone.key, by_area_code.source) == ("America/Los_Angeles", "phone")
    assert zone_for(None, None, "+8613800138000", "UTC").zone.key == "Asia/Shanghai"
    assert zone_for(None, None, "+4930123456", "UTC").zone.key == "Europe/Berlin"


def test_the_country_wins_over_the_phone() -> None:
    assert zone_for("GB", None, "+14155550100", "UTC").zone.key == "Europe/London"


def test_nothing_known_gives_the_configured_default() -> None:
    found = zone_for(None, None, "not a phone", "America/Chicago")
    assert (found.zone.key, found.source) == ("America/Chicago", "default")
    assert zone_for("ZZ", None, None, "Europe/Paris").source == "default"


def test_every_zone_in_the_tables_exists() -> None:
    names = set(COUNTRY_ZONES.values()) | {
        z for table in STATE_ZONES.values() for z in table.values()
    }
    for name in names:
        ZoneInfo(name)
    assert all(
        country in COUNTRY_ZONES for country in STATE_ZONES
    )  # a default when the state is unknown
