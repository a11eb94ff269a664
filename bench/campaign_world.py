"""A wide world for benchmark files: tens of thousands of companies and the US census's names.

The named pool of campaign_words (102 companies, 1,560 Western and 713 Chinese full names) is
right for the demo files and wrong at a million rows: every company then holds ~10,000 leads
and each name ~4 namesakes in it, so the matcher meets far more same-name, same-company pairs
than a real base holds (docs/scaling.md, "What grows at a million rows"). Here instead:

- ``companies`` firms, 15% Chinese (as the webinar's people), each with a unique domain.
  Employee counts as campaign_people.employee_count, plus 1% of enterprises (50k-400k people);
  a firm sends leads in proportion to employees ** 0.8, so at a million rows over 20,000 firms
  the largest holds ~2,000 leads and the median 14 (a few accounts carry a fifth of the base).
- Western names drawn with the frequencies of the 1990 US census (5,494 first names, 88,799
  surnames; public domain, as packaged by PyPI's ``names``), so John Smith is common and most
  names are rare, as in life. Chinese names: the 23 commonest surnames weighted by rank, one- or
  two-character given names.
- A firmographics table (``firmographics.csv`` beside the file) that knows ~90% of the firms,
  as the demo's does, so enrichment and scoring see what they see on the demo.

The world comes from its own seed, not the file's: a base file and the measured file (seeds 10
and 9 in bench_ingest.py) share their companies, as two campaigns of one company do.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from importlib import resources
from itertools import accumulate
from pathlib import Path

from campaign_people import company, employee_count, weighted
from campaign_words import (
    CN_GIVEN,
    CN_PROVINCES,
    CN_SURNAMES,
    COUNTRIES,
    GOV_TLD,
    INDUSTRIES,
    UNIVERSITIES,
    WESTERN_SITES,
)

CHINESE_SHARE = 0.15  # of firms, as of the webinar's people (gen_campaigns.write_bench)
ENTERPRISE_SHARE = 0.01
LEADS_PER_EMPLOYEE_POWER = 0.8
UNKNOWN_TO_FIRMOGRAPHICS = 0.10
BRAND_CHARS = [  # characters Chinese firms are named with, and their pinyin
    p.split(":")
    for p in "华:hua 信:xin 金:jin 龙:long 腾:teng 星:xing 海:hai 云:yun 天:tian 智:zhi 达:da "
    "恒:heng 瑞:rui 博:bo 创:chuang 新:xin 安:an 盛:sheng 鼎:ding 宏:hong 远:yuan 卓:zhuo 凯:kai "
    "泰:tai 丰:feng 源:yuan 康:kang 明:ming 东:dong 科:ke 汇:hui 联:lian 通:tong 润:run 嘉:jia".split()
]


class Weighted(list):  # type: ignore[type-arg]
    """Items with cumulative weights: a draw is a bisection, not a pass over 20,000 weights."""

    def __init__(self, items: list, weights: list[float]):  # type: ignore[type-arg]
        super().__init__(items)
        self.cum = list(accumulate(weights))

    def pick(self, rng: random.Random):  # type: ignore[no-untyped-def]
        return self[bisect(self.cum, rng.random() * self.cum[-1], 0, len(self) - 1)]


def _census(name: str) -> Weighted:
    """One of the census's frequency lists: NAME, percent, cumulative percent, rank."""
    try:
        text = resources.files("names").joinpath(name).read_text(encoding="ascii")
    except ModuleNotFoundError:
        raise SystemExit("--census-names needs PyPI's names: pip install -e '.[bench]'") from None
    rows = [line.split() for line in text.splitlines() if line.strip()]
    return Weighted([r[0].capitalize() for r in rows], [max(float(r[1]), 0.0005) for r in rows])


class CensusNames:
    """Who a person is called: census frequencies for Western people, rank-weighted Chinese."""

    def __init__(self) -> None:
        male, female = _census("dist.male.first"), _census("dist.female.first")
        self.first = Weighted(
            list(male) + list(female),
            [b - a for a, b in zip([0.0, *male.cum], male.cum)]
            + [b - a for a, b in zip([0.0, *female.cum], female.cum)],
        )
        self.last = _census("dist.all.last")
        self.surnames = Weighted(CN_SURNAMES, [1 / rank for rank in range(1, len(CN_SURNAMES) + 1)])
        self.singles = [g for g in CN_GIVEN if len(g[0]) == 1]

    def western(self, rng: random.Random) -> tuple[str, str]:
        return self.first.pick(rng), self.last.pick(rng)

    def chinese(self, rng: random.Random) -> tuple[list[str], list[str]]:
        """(surname, given) as [characters, pinyin]; three given names in five are two
        characters put together (伟 + 明: 伟明)."""
        if rng.random() < 0.6:
            (a_zh, a), (b_zh, b) = rng.choice(self.singles), rng.choice(self.singles)
            return self.surnames.pick(rng), [a_zh + b_zh, a + b]
        return self.surnames.pick(rng), rng.choice(CN_GIVEN)


def _employees(rng: random.Random) -> int:
    if rng.random() < ENTERPRISE_SHARE:
        return int(math.exp(rng.uniform(math.log(50_001), math.log(400_000))))
    return employee_count(rng)


def _unique(domains: set[str], slug: str, tld: str) -> str:
    domain, n = slug + tld, 2
    while domain in domains:
        domain, n = f"{slug}{n}{tld}", n + 1
    domains.add(domain)
    return domain


def _western(rng: random.Random, brands: list[str], domains: set[str]) -> dict:  # type: ignore[type-arg]
    industry = weighted(rng, list(INDUSTRIES), [v[0] for v in INDUSTRIES.values()])
    country, state, city, spellings, _ = weighted(
        rng, WESTERN_SITES, [s[-1] for s in WESTERN_SITES]
    )
    brand, word = rng.choice(brands), rng.choice(INDUSTRIES[industry][1])
    _, _, tlds, legal, _ = COUNTRIES[country]
    slug, short = brand.lower(), word.split()[0].lower()
    if industry == "Government" and country in GOV_TLD:
        name, domain = f"{brand} {word}", _unique(domains, f"{slug}-{short}", GOV_TLD[country])
    else:
        name = f"{brand} {word} {rng.choice(legal)}".strip()
        style = rng.choice([f"{slug}-{short}", slug, f"{slug}{short}"])
        domain = _unique(domains, style, rng.choice(tlds))
    return company(name, name, domain, industry, country, state, city, spellings, rng)


def _chinese(rng: random.Random, provinces: Weighted, domains: set[str]) -> dict:  # type: ignore[type-arg]
    industry = rng.choice([i for i in INDUSTRIES if i != "Government"])
    state = provinces.pick(rng)
    city, (_, words, word_zh, word_en) = rng.choice(CN_PROVINCES[state][2]), INDUSTRIES[industry]
    (a_zh, a), (b_zh, b) = rng.choice(BRAND_CHARS), rng.choice(BRAND_CHARS)
    slug = f"{a}{b}-{words[0].split()[0].lower()}"
    return company(
        f"{(a + b).capitalize()} {word_en} Co. Ltd",
        f"{city}{a_zh}{b_zh}{word_zh}有限公司",
        _unique(domains, slug, rng.choice([".cn", ".com.cn"])),
        industry,
        "CN",
        state,
        city,
        [],
        rng,
    )


def wide_pools(companies: int, seed: int = 0) -> tuple[Weighted, Weighted, list[dict]]:  # type: ignore[type-arg]
    """(Western firms, Chinese firms, universities), the firms weighted by the leads they send."""
    rng, domains = random.Random(f"leadflow-world-{companies}-{seed}"), set()  # type: ignore[var-annotated]
    brands = _census("dist.all.last")[:20_000]  # firms named after founders, as many are
    provinces = Weighted(list(CN_PROVINCES), [v[-1] for v in CN_PROVINCES.values()])
    western, chinese = [], []
    for _ in range(companies):
        if rng.random() < CHINESE_SHARE:
            chinese.append(_chinese(rng, provinces, domains))
        else:
            western.append(_western(rng, brands, domains))
    for firm in western + chinese:
        firm["employees"] = _employees(rng)
        firm["weight"] = firm["employees"] ** LEADS_PER_EMPLOYEE_POWER
    universities = []
    for name, country, state, city in UNIVERSITIES:
        name_en, _, name_zh = name.partition("|")
        universities.append(
            company(name_en, name_zh or name_en, None, "Education", country, state, city, [""], rng)
        )
    return (
        Weighted(western, [f["weight"] for f in western]),
        Weighted(chinese, [f["weight"] for f in chinese]),
        universities,
    )


def write_firmographics(path: Path, pools, seed: int = 0) -> None:  # type: ignore[no-untyped-def]
    """The firms the local provider knows: all but a tenth, as the demo's table."""
    from gen_campaigns import FIRMOGRAPHICS_HEADER, firmographics_line

    rng = random.Random(f"leadflow-firmographics-{seed}")
    lines = [FIRMOGRAPHICS_HEADER] + [
        firmographics_line(rng, firm)
        for firm in [*pools[0], *pools[1]]
        if rng.random() >= UNKNOWN_TO_FIRMOGRAPHICS
    ]
    path.write_text("".join(lines), encoding="utf-8", newline="")
