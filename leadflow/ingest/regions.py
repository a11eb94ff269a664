"""Countries and provinces as humans type them, to ISO codes."""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

COUNTRY_ALIASES = {
    "usa": "US",
    "us": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "england": "GB",
    "great britain": "GB",
    "scotland": "GB",
    "wales": "GB",
    "中国": "CN",
    "中华人民共和国": "CN",
    "中国大陆": "CN",
    "prc": "CN",
    "mainland china": "CN",
    "美国": "US",
    "英国": "GB",
    "德国": "DE",
    "法国": "FR",
    "日本": "JP",
    "新加坡": "SG",
    "香港": "HK",
    "台湾": "TW",
    "澳门": "MO",
    "south korea": "KR",
    "korea": "KR",
    "russia": "RU",
    "holland": "NL",
    "the netherlands": "NL",
    "deutschland": "DE",
    "加拿大": "CA",
    "荷兰": "NL",
    "澳大利亚": "AU",
    "韩国": "KR",
    "印度": "IN",
    "意大利": "IT",
    "西班牙": "ES",
    "瑞士": "CH",
    "瑞典": "SE",
}

# English exonyms that ISO lists only under the local name.
STATE_ALIASES = {
    ("DE", "bavaria"): "BY",
    ("DE", "north rhine-westphalia"): "NW",
    ("DE", "lower saxony"): "NI",
    ("DE", "hesse"): "HE",
    ("DE", "saxony"): "SN",
    ("DE", "thuringia"): "TH",
    ("DE", "rhineland-palatinate"): "RP",
}

# Chinese province names (without 省/市/自治区 suffixes) -> ISO 3166-2:CN codes.
CN_PROVINCES = {
    "北京": "BJ",
    "天津": "TJ",
    "河北": "HE",
    "山西": "SX",
    "内蒙古": "NM",
    "辽宁": "LN",
    "吉林": "JL",
    "黑龙江": "HL",
    "上海": "SH",
    "江苏": "JS",
    "浙江": "ZJ",
    "安徽": "AH",
    "福建": "FJ",
    "江西": "JX",
    "山东": "SD",
    "河南": "HA",
    "湖北": "HB",
    "湖南": "HN",
    "广东": "GD",
    "广西": "GX",
    "海南": "HI",
    "重庆": "CQ",
    "四川": "SC",
    "贵州": "GZ",
    "云南": "YN",
    "西藏": "XZ",
    "陕西": "SN",
    "甘肃": "GS",
    "青海": "QH",
    "宁夏": "NX",
    "新疆": "XJ",
    "香港": "HK",
    "澳门": "MO",
}
_CN_SUFFIX = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")
_EN_SUFFIX = re.compile(r"\s+(shi|sheng|province|municipality|zizhiqu|autonomous region)$")


@lru_cache(maxsize=1 << 14)  # memoised: a campaign repeats its places row after row
def country_code(raw: str | None) -> str | None:
    """ISO-2 code for a country as typed, or None if it cannot be told."""
    if not raw or not raw.strip():
        return None
    text = raw.strip()
    alias = COUNTRY_ALIASES.get(text.lower()) or COUNTRY_ALIASES.get(text)
    if alias:
        return alias
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        return None


@lru_cache(maxsize=64)
def _subdivision_index(country: str) -> dict[str, str]:
    index: dict[str, str] = {}
    # pycountry ships no annotations
    for sub in pycountry.subdivisions.get(country_code=country) or []:  # type: ignore[no-untyped-call]
        short = sub.code.split("-", 1)[1]
        index[short.lower()] = short
        name = sub.name.lower()
        index[name] = short
        index[_EN_SUFFIX.sub("", name)] = short
    return index


@lru_cache(maxsize=1 << 14)  # memoised: a campaign repeats its places row after row
def state_code(raw: str | None, country: str | None) -> str | None:
    """Subdivision code (without country prefix) for a state/province as typed."""
    if not raw or not raw.strip():
        return None
    text = raw.strip()
    if country in (None, "CN"):
        bare = _CN_SUFFIX.sub("", text)
        if bare in CN_PROVINCES:
            return CN_PROVINCES[bare]
    if not country:
        return None
    index = _subdivision_index(country)
    lowered = text.lower()
    if (country, lowered) in STATE_ALIASES:
        return STATE_ALIASES[(country, lowered)]
    return index.get(lowered) or index.get(_EN_SUFFIX.sub("", lowered))


@lru_cache(maxsize=1 << 14)  # memoised: a campaign repeats its places row after row
def infer_country_from_state(raw_state: str | None) -> str | None:
    """A Chinese province name alone is enough to know the country."""
    if raw_state and _CN_SUFFIX.sub("", raw_state.strip()) in CN_PROVINCES:
        return "CN"
    return None
