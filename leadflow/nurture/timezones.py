"""A lead's time zone from what we know: state, then country, then phone, then a default.

Pure and table-driven. Countries spanning several zones are resolved by state
(ISO 3166-2 codes without the country prefix, as ingest stores them); without a state
they fall back to the zone where most of their people live. China is one zone.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo


class LeadZone(NamedTuple):
    zone: ZoneInfo
    source: str  # state | country | phone | default: recorded with every decision


def _by_zone(table: dict[str, str]) -> dict[str, str]:
    return {code: zone for zone, codes in table.items() for code in codes.split()}


# Multi-zone countries, by state. A state split between zones takes its majority's.
STATE_ZONES: dict[str, dict[str, str]] = {
    "US": _by_zone(
        {
            "America/New_York": "CT DE DC FL GA IN ME MD MA MI NH NJ NY NC OH PA RI SC VT VA WV KY",
            "America/Chicago": "AL AR IL IA KS LA MN MS MO NE ND OK SD TN TX WI",
            "America/Denver": "CO ID MT NM UT WY",
            "America/Phoenix": "AZ",
            "America/Los_Angeles": "CA NV OR WA",
            "America/Anchorage": "AK",
            "Pacific/Honolulu": "HI",
            "America/Puerto_Rico": "PR VI",
            "Pacific/Guam": "GU MP",
        }
    ),
    "CA": _by_zone(
        {
            "America/Toronto": "ON QC",
            "America/Halifax": "NS PE",
            "America/Moncton": "NB",
            "America/St_Johns": "NL",
            "America/Winnipeg": "MB",
            "America/Regina": "SK",
            "America/Edmonton": "AB NT",
            "America/Vancouver": "BC",
            "America/Whitehorse": "YT",
            "America/Iqaluit": "NU",
        }
    ),
    "AU": _by_zone(
        {
            "Australia/Sydney": "NSW ACT",
            "Australia/Melbourne": "VIC",
            "Australia/Brisbane": "QLD",
            "Australia/Adelaide": "SA",
            "Australia/Darwin": "NT",
            "Australia/Perth": "WA",
            "Australia/Hobart": "TAS",
        }
    ),
    "BR": _by_zone(
        {
            "America/Sao_Paulo": "SP RJ MG ES PR SC RS GO DF",
            "America/Bahia": "BA",
            "America/Fortaleza": "CE PI RN PB MA",
            "America/Recife": "PE",
            "America/Maceio": "AL SE",
            "America/Belem": "PA AP",
            "America/Araguaina": "TO",
            "America/Manaus": "AM",
            "America/Boa_Vista": "RR",
            "America/Porto_Velho": "RO",
            "America/Cuiaba": "MT",
            "America/Campo_Grande": "MS",
            "America/Rio_Branco": "AC",
        }
    ),
    "RU": _by_zone(
        {
            "Europe/Kaliningrad": "KGD",
            "Europe/Samara": "SAM UD",
            "Europe/Volgograd": "VGG",
            "Europe/Saratov": "SAR",
            "Europe/Ulyanovsk": "ULY",
            "Europe/Astrakhan": "AST",
            "Asia/Yekaterinburg": "SVE CHE TYU KGN ORE PER BA KHM YAN",
            "Asia/Omsk": "OMS",
            "Asia/Novosibirsk": "NVS",
            "Asia/Barnaul": "ALT AL",
            "Asia/Tomsk": "TOM",
            "Asia/Novokuznetsk": "KEM",
            "Asia/Krasnoyarsk": "KYA KK TY",
            "Asia/Irkutsk": "IRK BU",
            "Asia/Yakutsk": "SA",
            "Asia/Chita": "ZAB",
            "Asia/Vladivostok": "PRI KHA YEV",
            "Asia/Magadan": "MAG",
            "Asia/Sakhalin": "SAK",
            "Asia/Kamchatka": "KAM",
            "Asia/Anadyr": "CHU",
        }
    ),
    "MX": _by_zone(
        {
            "America/Tijuana": "BCN",
            "America/Mazatlan": "BCS SIN NAY",
            "America/Hermosillo": "SON",
            "America/Chihuahua": "CHH",
            "America/Cancun": "ROO",
        }
    ),
    "ID": _by_zone(
        {"Asia/Makassar": "BA NT SN SG SA ST SR GO KS KT KU KI", "Asia/Jayapura": "PA PB MA MU"}
    ),
}

# One zone per country: the only one, or where most people live.
COUNTRY_ZONES: dict[str, str] = _by_zone(
    {
        "America/New_York": "US",
        "America/Toronto": "CA",
        "Australia/Sydney": "AU",
        "America/Sao_Paulo": "BR",
        "Europe/Moscow": "RU",
        "America/Mexico_City": "MX",
        "Asia/Jakarta": "ID",
        "Asia/Shanghai": "CN",
        "Asia/Hong_Kong": "HK",
        "Asia/Macau": "MO",
        "Asia/Taipei": "TW",
        "Asia/Tokyo": "JP",
        "Asia/Seoul": "KR",
        "Asia/Singapore": "SG",
        "Asia/Kuala_Lumpur": "MY",
        "Asia/Bangkok": "TH",
        "Asia/Ho_Chi_Minh": "VN",
        "Asia/Manila": "PH",
        "Asia/Kolkata": "IN",
        "Asia/Karachi": "PK",
        "Asia/Dhaka": "BD",
        "Asia/Colombo": "LK",
        "Asia/Kathmandu": "NP",
        "Asia/Dubai": "AE OM",
        "Asia/Riyadh": "SA KW BH YE",
        "Asia/Qatar": "QA",
        "Asia/Jerusalem": "IL",
        "Asia/Tehran": "IR",
        "Europe/Istanbul": "TR",
        "Asia/Almaty": "KZ",
        "Asia/Tashkent": "UZ",
        "Asia/Ulaanbaatar": "MN",
        "Pacific/Auckland": "NZ",
        "Europe/London": "GB IE",
        "Europe/Lisbon": "PT",
        "Europe/Madrid": "ES",
        "Europe/Paris": "FR",
        "Europe/Brussels": "BE",
        "Europe/Amsterdam": "NL",
        "Europe/Luxembourg": "LU",
        "Europe/Berlin": "DE",
        "Europe/Zurich": "CH",
        "Europe/Vienna": "AT",
        "Europe/Rome": "IT",
        "Europe/Copenhagen": "DK",
        "Europe/Oslo": "NO",
        "Europe/Stockholm": "SE",
        "Europe/Helsinki": "FI",
        "Europe/Warsaw": "PL",
        "Europe/Prague": "CZ",
        "Europe/Bratislava": "SK",
        "Europe/Budapest": "HU",
        "Europe/Ljubljana": "SI",
        "Europe/Zagreb": "HR",
        "Europe/Belgrade": "RS",
        "Europe/Bucharest": "RO",
        "Europe/Sofia": "BG",
        "Europe/Athens": "GR CY",
        "Europe/Tallinn": "EE",
        "Europe/Riga": "LV",
        "Europe/Vilnius": "LT",
        "Europe/Kyiv": "UA",
        "Europe/Minsk": "BY",
        "Atlantic/Reykjavik": "IS",
        "Europe/Malta": "MT",
        "Africa/Cairo": "EG",
        "Africa/Johannesburg": "ZA",
        "Africa/Lagos": "NG",
        "Africa/Nairobi": "KE",
        "Africa/Casablanca": "MA",
        "Africa/Algiers": "DZ",
        "Africa/Tunis": "TN",
        "Africa/Accra": "GH",
        "America/Bogota": "CO",
        "America/Lima": "PE",
        "America/Santiago": "CL",
        "America/Argentina/Buenos_Aires": "AR",
        "America/Caracas": "VE",
        "America/Montevideo": "UY",
        "America/Guayaquil": "EC",
        "America/Panama": "PA",
        "America/Costa_Rica": "CR",
        "America/Puerto_Rico": "PR",
    }
)


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _phone_zone(phone_e164: str) -> tuple[str | None, str | None]:
    """(zone, region) from a phone number: one zone if the number pins it, else its country."""
    import phonenumbers
    from phonenumbers import timezone as phone_zones

    try:
        number = phonenumbers.parse(phone_e164)
    except phonenumbers.NumberParseException:
        return None, None
    zones = [z for z in phone_zones.time_zones_for_number(number) if z != "Etc/Unknown"]
    region = phonenumbers.region_code_for_number(number)
    return (zones[0] if len(zones) == 1 else None), region


@lru_cache(maxsize=65536)
def zone_for(
    country: str | None, state: str | None, phone_e164: str | None, default: str
) -> LeadZone:
    """Where the lead most likely reads email; cached, as a tick asks for many leads."""
    country = (country or "").upper() or None
    if country:
        by_state = STATE_ZONES.get(country, {})
        if state and state.upper() in by_state:
            return LeadZone(_zone(by_state[state.upper()]), "state")
        if country in COUNTRY_ZONES:
            return LeadZone(_zone(COUNTRY_ZONES[country]), "country")
    if phone_e164:
        zone, region = _phone_zone(phone_e164)
        if zone:
            return LeadZone(_zone(zone), "phone")
        if region in COUNTRY_ZONES:
            return LeadZone(_zone(COUNTRY_ZONES[region]), "phone")
    return LeadZone(_zone(default), "default")
