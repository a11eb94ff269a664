"""Companies and people for bench/gen_campaigns.py, and how each form writes a person down.

Every choice goes through the caller's seeded random.Random, in a fixed order, so output stays byte-identical.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from campaign_words import (
    CHINESE_FREE_MAIL,
    CN_BRANDS,
    CN_GIVEN,
    CN_MOBILE_PREFIXES,
    CN_PROVINCES,
    CN_SURNAMES,
    COLORS,
    COUNTRIES,
    FREE_MAIL,
    GOV_TLD,
    INDUSTRIES,
    STUDENT_LEVEL,
    TITLE_LEVELS,
    UNIVERSITIES,
    WESTERN_BRANDS,
    WESTERN_FIRST,
    WESTERN_FREE_MAIL,
    WESTERN_LAST,
    WESTERN_SITES,
)


def weighted(rng: random.Random, items: list, weights: list):
    return rng.choices(items, weights=weights)[0]


def employee_count(rng: random.Random) -> int:
    """Log-uniform inside three bands, so most companies land at 50-5000 but the tails exist."""
    low, high = weighted(rng, [(5, 49), (50, 5000), (5001, 50000)], [12, 73, 15])
    return int(round(math.exp(rng.uniform(math.log(low), math.log(high)))))


def revenue_band(rng: random.Random, employees: int) -> str:
    revenue = employees * rng.uniform(
        100_000, 400_000
    )  # revenue per head varies widely by industry
    for limit, band in [
        (10e6, "$1M-$10M"),
        (50e6, "$10M-$50M"),
        (250e6, "$50M-$250M"),
        (1e9, "$250M-$1B"),
    ]:
        if revenue < limit:
            return band
    return "$1B+"


def company(name_en, name_zh, domain, industry, country, state, city, spellings, rng) -> dict:
    return {
        "name_en": name_en,
        "name_zh": name_zh,
        "domain": domain,
        "industry": industry,
        "country": country,
        "state": state,
        "city": city,
        "spellings": spellings,
        "employees": employee_count(rng),
        "weight": rng.uniform(0.5, 3),
    }  # some companies send many people, most send one or two


def build_pools(rng: random.Random) -> tuple[list[dict], list[dict], list[dict]]:
    """Western companies, Chinese companies and universities; company domains are unique."""
    western = []
    for brand in WESTERN_BRANDS:
        industry = weighted(rng, list(INDUSTRIES), [v[0] for v in INDUSTRIES.values()])
        country, state, city, spellings, _ = weighted(
            rng, WESTERN_SITES, [s[-1] for s in WESTERN_SITES]
        )
        word = rng.choice(INDUSTRIES[industry][1])
        slug, short, (_, _, tlds, legal, _) = (
            brand.lower(),
            word.split()[0].lower(),
            COUNTRIES[country],
        )
        if industry == "Government":
            name, domain = f"{brand} {word}", f"{slug}-{short}{GOV_TLD.get(country, tlds[0])}"
        else:
            name = f"{brand} {word} {rng.choice(legal)}".strip()
            domain = rng.choice([f"{slug}-{short}", slug, f"{slug}{short}"]) + rng.choice(tlds)
        western.append(company(name, name, domain, industry, country, state, city, spellings, rng))
    chinese, provinces = [], list(CN_PROVINCES)
    rng.shuffle(provinces)  # every province gets at least one company, the rest follow the weights
    brands = [
        (industry, *entry.split(":"))
        for industry, text in CN_BRANDS.items()
        for entry in text.split()
    ]
    province_weights = [CN_PROVINCES[p][-1] for p in provinces]
    for n, (industry, brand_zh, slug) in enumerate(brands):
        state = provinces[n] if n < len(provinces) else weighted(rng, provinces, province_weights)
        city, (_, _, word_zh, word_en) = rng.choice(CN_PROVINCES[state][2]), INDUSTRIES[industry]
        brand_en = " ".join(
            w.upper() if w in ("ai", "iot", "hw") else w.capitalize()
            for w in slug.replace("hwtech", "hw-tech").split("-")
        )
        chinese.append(
            company(
                f"{brand_en} {word_en} Co. Ltd",
                f"{city}{brand_zh}{word_zh}有限公司",
                slug + rng.choice([".cn", ".com.cn"]),
                industry,
                "CN",
                state,
                city,
                [],
                rng,
            )
        )
    universities = []
    for name, country, state, city in UNIVERSITIES:  # "English|Chinese" when the two differ
        name_en, _, name_zh = name.partition("|")
        universities.append(
            company(name_en, name_zh or name_en, None, "Education", country, state, city, [""], rng)
        )
    assert len({c["domain"] for c in western + chinese}) == len(western + chinese)
    return western, chinese, universities


def make_email(
    rng, first: str, last: str, domain: str, chinese: bool, used: set | None, tag: str
) -> str:
    """A lower-case address in the local-part styles people actually use, unique within `used`."""
    f, l = first.lower(), last.lower()
    if domain in FREE_MAIL and chinese:  # QQ numbers and birth years are the usual personal handles
        year, qq_number = rng.randint(1980, 2003), rng.randint(10**7, 10**10 - 1)
        styles = [f"{l}{f}{year}", str(qq_number), f"{l}.{f}{rng.randint(1, 99)}"]
    elif domain in FREE_MAIL:
        styles = [f"{f}.{l}{rng.randint(1, 99)}", f"{f}{l}", f"{f[0]}{l}{rng.randint(70, 99)}"]
    elif chinese:
        styles = [f"{f}.{l}", f"{l}{f}", f"{l}.{f}", f"{f[0]}{l}"]
    else:
        styles = [f"{f}.{l}", f"{f[0]}{l}", f, f"{f}_{l}"]
    base = local = rng.choice(styles) + tag
    n = 2
    while used is not None and f"{local}@{domain}" in used:
        local, n = f"{base}{n}", n + 1
    if used is not None:
        used.add(f"{local}@{domain}")
    return f"{local}@{domain}"


def make_person(rng, chinese: bool, pools, used: set | None, tag: str = "", names=None) -> dict:
    """``names``: who people are called when not the fixed lists (campaign_world.CensusNames);
    a pool with ``pick`` (campaign_world.Weighted) draws its firm without a pass over weights."""
    western, cn_companies, universities = pools
    level = weighted(rng, TITLE_LEVELS, [lv[0] for lv in TITLE_LEVELS])
    if level is TITLE_LEVELS[STUDENT_LEVEL]:
        employer, free = (
            rng.choice([u for u in universities if (u["country"] == "CN") == chinese]),
            True,
        )
    else:
        pool = cn_companies if chinese else western
        employer, free = (
            pool.pick(rng)
            if hasattr(pool, "pick")
            else weighted(rng, pool, [c["weight"] for c in pool]),
            rng.random() < (0.22 if chinese else 0.10),
        )
    if chinese:
        (family_zh, family), (given_zh, given) = (
            names.chinese(rng) if names else (rng.choice(CN_SURNAMES), rng.choice(CN_GIVEN))
        )
        person = {
            "first": given.capitalize(),
            "last": family.capitalize(),
            "zh": family_zh + given_zh,
            "mobile": rng.choice(CN_MOBILE_PREFIXES) + f"{rng.randint(0, 99999999):08d}",
        }
        domain = (
            weighted(rng, CHINESE_FREE_MAIL, [40, 30, 12, 8, 10]) if free else employer["domain"]
        )
    else:  # 555-01xx numbers are reserved for fiction
        first, last = (
            names.western(rng) if names else (rng.choice(WESTERN_FIRST), rng.choice(WESTERN_LAST))
        )
        person = {
            "first": first,
            "last": last,
            "zh": None,
            "mobile": f"{rng.randint(200, 989)}555{rng.randint(100, 199):04d}",
        }
        domain = rng.choice(WESTERN_FREE_MAIL) if free else employer["domain"]
    person.update(
        company=employer,
        title_en=rng.choice(level[1]),
        title_zh=rng.choice(level[2]),
        email=make_email(rng, person["first"], person["last"], domain, chinese, used, tag),
    )
    return person


def format_phone(rng, person: dict) -> str:
    digits, dial = (
        person["mobile"],
        "86" if person["zh"] else COUNTRIES[person["company"]["country"]][4],
    )
    if rng.random() < 0.12:
        return ""  # phone is optional on both forms
    if dial == "86":
        return rng.choice(
            [
                digits,
                f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}",
                f"+86{digits}",
                f"{digits[:3]}-{digits[3:7]}-{digits[7:]}",
            ]
        )
    if dial != "1":
        return f"+{dial} {digits[:2]} {digits[2:6]} {digits[6:]}"
    return rng.choice(
        [
            f"+1 {digits[:3]}-{digits[3:6]}-{digits[6:]}",
            f"({digits[:3]}) {digits[3:6]}-{digits[6:]}",
        ]
    )


def webinar_fields(rng, person: dict, email: str) -> list[str]:
    firm = person["company"]
    if firm["country"] == "CN":
        country, state = "China", CN_PROVINCES[firm["state"]][0]
    else:
        country, state = rng.choice(COUNTRIES[firm["country"]][0]), rng.choice(firm["spellings"])
    registered = datetime(2026, 10, 19, 8) + timedelta(
        minutes=rng.randint(0, 14 * 24 * 60), seconds=rng.randint(0, 59)
    )
    return [
        person["first"],
        person["last"],
        email,
        firm["name_en"],
        person["title_en"],
        country,
        state,
        format_phone(rng, person),
        registered.strftime("%Y-%m-%d %H:%M:%S"),
        rng.choice(COLORS),
    ]


def tradeshow_fields(rng, person: dict, email: str) -> list[str]:
    firm = person["company"]
    if not person["zh"]:  # Western visitors fill the Chinese form in English
        country = rng.choice(COUNTRIES[firm["country"]][1])
        return [
            f"{person['first']} {person['last']}",
            firm["name_en"],
            email,
            format_phone(rng, person),
            person["title_en"],
            country,
            rng.choice(firm["spellings"]),
            firm["city"],
        ]
    roll = rng.random()  # some leave 国家 blank: the province alone must imply China
    country = "" if roll < 0.08 else "China" if roll < 0.12 else "中国"
    city = "" if rng.random() < 0.1 else firm["city"] + ("市" if rng.random() < 0.3 else "")
    return [
        person["zh"],
        firm["name_zh"],
        email,
        format_phone(rng, person),
        person["title_zh"],
        country,
        rng.choice(CN_PROVINCES[firm["state"]][1]),
        city,
    ]


def case_variant(rng, email: str) -> str:
    local, domain = email.split("@")
    return rng.choice(
        [
            email.upper(),
            ".".join(p.capitalize() for p in local.split(".")) + "@" + domain,
            f"{local}@{domain.upper()}",
            f"{local.capitalize()}@{domain.capitalize()}",
        ]
    )


def near_variant(rng, raw: str) -> str:
    """Equal to `raw` after trim + lower-case, but never byte-identical to it."""
    while True:
        variant = (
            case_variant(rng, raw.strip().lower()) if rng.random() < 0.7 else raw.strip().lower()
        )
        variant = rng.choice(["", " ", "  "]) + variant + rng.choice(["", " "])
        if variant != raw:
            return variant
