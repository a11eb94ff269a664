"""Deterministic generator for leadflow's demo campaigns and the oracle their tests use.

`python bench/gen_campaigns.py` writes examples/: two campaign CSVs, firmographics.csv, campaigns.yaml
and expected.json. `--rows N --out DIR` instead streams one N-row webinar-style CSV for benchmarks.
One seeded random.Random drives everything and no set is iterated while choosing, so reruns are
byte-identical. expected.json comes from the tag each row was built with (normal, duplicate, bad),
never from re-parsing the CSVs. No field holds a comma, quote or newline: one physical line is one record.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from collections import deque
from datetime import datetime, timedelta
from pathlib import Path

SEED = 9  # any seed works; this one gives an evenly spread sample
WEBINAR_FILE, TRADESHOW_FILE = "webinar_analytics_2026-11.csv", "tradeshow_shanghai_2026-11.csv"
WEBINAR_HEADER = (
    "First Name,Last Name,Email Address,Company Name,Job Title,Country/Region,"
    "State/Province,Phone,Registration Time,Favorite Color"
)  # the last column is unknown on purpose
TRADESHOW_HEADER = "姓名,公司名称,邮箱,手机,职位,国家,省份,城市"
WESTERN_FREE_MAIL = ["gmail.com", "yahoo.com", "hotmail.com", "outlook.com"]
CHINESE_FREE_MAIL = ["qq.com", "163.com", "126.com", "sina.com", "foxmail.com"]
FREE_MAIL = frozenset(WESTERN_FREE_MAIL + CHINESE_FREE_MAIL)
BAD_KINDS = ("missing_email", "invalid_email", "wrong_field_count")
# Row budget per sample file: 192 + 142 rows. "cross" = webinar people who also visit the booth
# (Chinese on free mail, Chinese on corporate mail, Western): 25 shared addresses.
WEBINAR_PLAN = {
    "chinese": 27,
    "western": 150,
    "exact": 5,
    "near": 6,
    "bad": ["missing_email", "invalid_email", "invalid_email", "wrong_field_count"],
}
TRADESHOW_PLAN = {
    "chinese": 95,
    "western": 6,
    "cross": (4, 14, 7),
    "exact": 6,
    "near": 5,
    "bad": [
        "missing_email",
        "invalid_email",
        "invalid_email",
        "wrong_field_count",
        "wrong_field_count",
    ],
}

# Industry vocabulary (fixed: scoring keys on it) -> weight, Western name words, Chinese legal-name words.
INDUSTRIES = {
    "Software": (30, ["Analytics", "Software", "Cloud", "Systems", "Data"], "科技", "Technology"),
    "Financial Services": (
        12,
        ["Capital", "Financial", "Insurance"],
        "金融信息服务",
        "Financial Services",
    ),
    "Manufacturing": (12, ["Industries", "Manufacturing", "Robotics"], "智能装备", "Equipment"),
    "Retail": (8, ["Retail", "Outfitters", "Markets"], "商贸", "Trading"),
    "Healthcare": (10, ["Health", "Medical"], "医疗科技", "Medical Technology"),
    "Education": (6, ["Learning", "Academy"], "教育科技", "Education Technology"),
    "Logistics": (8, ["Logistics", "Freight"], "供应链管理", "Supply Chain"),
    "Media": (7, ["Media", "Studios"], "文化传媒", "Culture Media"),
    "Government": (4, ["Transit Authority", "Public Works"], "政务服务", "Government Services"),
}
# Western sites: ISO country, ISO 3166-2 code ("" = left blank), city, state as people type it, weight.
WESTERN_SITES = [
    ("US", "CA", "San Francisco", ["CA", "California"], 9),
    ("US", "NY", "New York", ["NY", "New York"], 7),
    ("US", "TX", "Austin", ["TX", "Texas"], 5),
    ("US", "WA", "Seattle", ["WA", "Washington"], 5),
    ("US", "MA", "Boston", ["MA", "Massachusetts"], 4),
    ("US", "IL", "Chicago", ["IL", "Illinois"], 3),
    ("CA", "ON", "Toronto", ["ON", "Ontario"], 3),
    ("CA", "BC", "Vancouver", ["BC", "British Columbia"], 2),
    ("GB", "", "London", ["England", ""], 5),
    ("GB", "", "Manchester", ["England", ""], 2),
    ("DE", "BY", "Munich", ["Bavaria", "Bayern"], 3),
    ("DE", "BE", "Berlin", ["Berlin"], 3),
    ("FR", "", "Paris", [""], 3),
    ("NL", "", "Amsterdam", [""], 3),
    ("AU", "NSW", "Sydney", ["NSW", "New South Wales"], 2),
    ("AU", "VIC", "Melbourne", ["VIC", "Victoria"], 2),
]
# Per country: spellings seen in Western forms, in Chinese forms, domain endings, legal suffixes, dial code.
COUNTRIES = {
    "US": (
        ["United States", "USA", "US", "United States of America"],
        ["美国", "USA"],
        [".com", ".io", ".co"],
        ["Inc", "LLC", ""],
        "1",
    ),
    "CA": (["Canada"], ["加拿大", "Canada"], [".ca"], ["Inc", "Ltd"], "1"),
    "GB": (
        ["United Kingdom", "UK", "Great Britain"],
        ["英国", "UK"],
        [".co.uk"],
        ["Ltd", "plc"],
        "44",
    ),
    "DE": (["Germany", "Deutschland"], ["德国", "Germany"], [".de"], ["GmbH", "AG"], "49"),
    "FR": (["France"], ["法国", "France"], [".fr"], ["SAS", "SA"], "33"),
    "NL": (["Netherlands", "The Netherlands"], ["荷兰", "Netherlands"], [".nl"], ["B.V."], "31"),
    "AU": (["Australia"], ["澳大利亚", "Australia"], [".com.au"], ["Pty Ltd"], "61"),
}
GOV_TLD = {"US": ".gov", "GB": ".gov.uk", "AU": ".gov.au"}
WESTERN_BRANDS = (
    "Acme Northwind Contoso Globex Initech Fabrikam Tailspin Wingtip Litware Proseware Adatum "
    "Lucerne Woodgrove Coho Alpine Bluebird Brightpath Cedar Cobalt Crescent Evergreen Falcon "
    "Granite Harbor Ironwood Juniper Keystone Lakeside Maple Meridian Nimbus Oakridge Orion "
    "Pinnacle Quantum Redwood Riverbend Sable Silverline Summit Sterling Tidewater Trident "
    "Vantage Vertex Willow Zenith Aurora Beacon Copperleaf Driftwood Foxglove Halcyon Larkspur"
).split()
# ISO 3166-2:CN code -> English name, the ways a province is typed in Chinese, cities, weight
# (a Shanghai show draws mostly from the east).
CN_PROVINCES = {
    "BJ": ("Beijing", ["北京", "北京市"], ["北京"], 6),
    "SH": ("Shanghai", ["上海", "上海市"], ["上海"], 7),
    "GD": ("Guangdong", ["广东省", "广东"], ["深圳", "广州"], 6),
    "ZJ": ("Zhejiang", ["浙江省", "浙江"], ["杭州", "宁波"], 5),
    "SC": ("Sichuan", ["四川", "四川省"], ["成都"], 2),
    "HB": ("Hubei", ["湖北省", "湖北"], ["武汉"], 2),
    "SN": ("Shaanxi", ["陕西", "陕西省"], ["西安"], 2),
    "JS": ("Jiangsu", ["江苏省", "江苏"], ["南京", "苏州"], 4),
}
# Chinese brand:domain slug, by industry. No government bodies: they do not buy at trade shows.
CN_BRANDS = {
    "Software": "三体云动:santi-cloud 星河数据:xinghe-data 云帆智能:yunfan-ai 天工软件:tiangong-soft 博睿信息:borui-info "
    "蓝海智联:lanhai-iot 青松软件:qingsong-soft 飞鸿网络:feihong-net 创想未来:chuangxiang-tech 华腾:hwtech "
    "睿智云:ruizhi-cloud 中科恒达:zkhengda-tech 凌云数智:lingyun-data 启航数据:qihang-data 云栖网络:yunqi-net "
    "天枢智能:tianshu-ai 万象数据:wanxiang-data 宏图信息:hongtu-info 同创软件:tongchuang-soft 数联:shulian-tech",
    "Financial Services": "华信:huaxin-fin 金桥:jinqiao-fin",
    "Retail": "明德:mingde-retail 优品:youpin-trade 锦程:jincheng-retail",
    "Manufacturing": "鼎盛:dingsheng-mfg 聚能:juneng-mfg 鸿运:hongyun-mfg 长风:changfeng-auto",
    "Healthcare": "金石:jinshi-med 安信:anxin-health 新锐:xinrui-med",
    "Education": "卓越:zhuoyue-edu 和谐:hexie-edu 智汇:zhihui-edu",
    "Logistics": "海纳:haina-logistics 汇通:huitong-scm 盛世:shengshi-logistics",
    "Media": "远航:yuanhang-media 极光:jiguang-media",
}
# Students name a university and register with personal mail, so they never enrich.
UNIVERSITIES = [
    ("Stanford University", "US", "CA", "Stanford"),
    ("University of Toronto", "CA", "ON", "Toronto"),
    ("Technical University of Munich", "DE", "BY", "Munich"),
    ("University of Leeds", "GB", "", "Leeds"),
    ("Tsinghua University|清华大学", "CN", "BJ", "北京"),
    ("Zhejiang University|浙江大学", "CN", "ZJ", "杭州"),
    ("Fudan University|复旦大学", "CN", "SH", "上海"),
    ("Wuhan University|武汉大学", "CN", "HB", "武汉"),
]
# Title levels: weight, English titles, Chinese titles (one level per person keeps both files consistent).
TITLE_LEVELS = [
    (
        7,
        ["CEO", "CTO", "CIO", "CFO", "COO", "Chief Data Officer"],
        ["首席执行官", "CTO", "总经理", "董事长"],
    ),
    (6, ["VP of Engineering", "VP Sales", "Vice President of Marketing"], ["副总裁", "副总经理"]),
    (
        13,
        ["Director of IT", "Director of Analytics", "Engineering Director"],
        ["总监", "技术总监", "销售总监"],
    ),
    (
        7,
        ["Head of Data", "Head of Analytics", "Head of Operations"],
        ["数据部负责人", "运营负责人"],
    ),
    (
        22,
        ["IT Manager", "Marketing Manager", "Procurement Manager", "Product Manager"],
        ["销售经理", "IT经理", "采购经理", "产品经理", "项目经理"],
    ),
    (
        18,
        ["Software Engineer", "Data Engineer", "Senior Engineer"],
        ["工程师", "软件工程师", "高级工程师"],
    ),
    (10, ["Data Analyst", "Business Analyst", "BI Analyst"], ["数据分析师", "业务分析师"]),
    (6, ["Consultant", "Senior Consultant"], ["顾问", "咨询顾问"]),
    (5, ["Student", "PhD Student"], ["学生", "研究生"]),
    (4, ["Intern", "Marketing Intern"], ["实习生"]),
]
STUDENT_LEVEL = 8
WESTERN_FIRST = (
    "James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Susan Richard "
    "Jessica Joseph Sarah Thomas Karen Daniel Emma Oliver Sophie Lukas Anna Hannah Lucas Chloe "
    "Pierre Camille Jack Olivia Liam Noah Ava Mia Ethan Grace Daan Sanne"
).split()
WESTERN_LAST = (
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin "
    "Jackson White Harris Clark Lewis Walker Hall Young King Wright Scott Green Baker Adams Nelson "
    "Schmidt Schneider Fischer Weber Dubois Laurent Bernard Jansen Bakker Murphy Kelly Campbell"
).split()
CN_SURNAMES = [
    p.split(":")
    for p in "张:zhang 王:wang 李:li 刘:liu 陈:chen 杨:yang 赵:zhao 黄:huang 周:zhou 吴:wu "
    "徐:xu 孙:sun 胡:hu 朱:zhu 高:gao 林:lin 何:he 郭:guo 马:ma 罗:luo 梁:liang 宋:song 郑:zheng".split()
]
CN_GIVEN = [
    p.split(":")
    for p in "伟:wei 芳:fang 娜:na 敏:min 静:jing 丽:li 强:qiang 磊:lei 军:jun 洋:yang 勇:yong "
    "艳:yan 杰:jie 涛:tao 明:ming 超:chao 秀英:xiuying 华:hua 平:ping 晨:chen 婷:ting 浩然:haoran 思远:siyuan "
    "雪:xue 建国:jianguo 志强:zhiqiang 海燕:haiyan 子涵:zihan 宇航:yuhang 欣怡:xinyi 俊杰:junjie".split()
]
COLORS = ["Blue", "Green", "Red", "Purple", "Orange", "Black", "Teal", "Yellow", ""]
CN_MOBILE_PREFIXES = "138 139 135 136 150 151 158 186 187 188 177 199".split()
# Typing mistakes seen in real exports; each one must end up quarantined.
INVALID_EMAIL_MAKERS = [
    lambda loc, dom: f"{loc}@",
    lambda loc, dom: f"{loc} at {dom}",
    lambda loc, dom: f"{loc}@@{dom}",
    lambda loc, dom: f"{loc}@{dom.split('.')[0]}",
]
CAMPAIGNS = [
    ("webinar-analytics-2026-11", WEBINAR_FILE, "webinar", "analytics", 12000, "2026-11-02"),
    ("tradeshow-shanghai-2026-11", TRADESHOW_FILE, "trade_show", "automation", 30000, "2026-11-05"),
]


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


def make_person(rng, chinese: bool, pools, used: set | None, tag: str = "") -> dict:
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
            weighted(rng, pool, [c["weight"] for c in pool]),
            rng.random() < (0.22 if chinese else 0.10),
        )
    if chinese:
        (family_zh, family), (given_zh, given) = rng.choice(CN_SURNAMES), rng.choice(CN_GIVEN)
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
        person = {
            "first": rng.choice(WESTERN_FIRST),
            "last": rng.choice(WESTERN_LAST),
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


def row(
    fields: list[str], kind: str, email: str | None, raw: str, person: dict | None = None
) -> dict:
    """One output line and how it was built; `email` is the normalized address of a valid row."""
    return {"fields": fields, "kind": kind, "email": email, "raw": raw, "person": person}


def bad_row(rng, kind: str, index: int, pools, used, fields_fn, split_at: int, extra: str) -> dict:
    """A fresh person whose row is broken; their address appears nowhere else."""
    person = make_person(rng, fields_fn is tradeshow_fields and index % 2 == 0, pools, used)
    email = person["email"]
    if kind == "missing_email":
        email = ""
    elif kind == "invalid_email":
        email = INVALID_EMAIL_MAKERS[index % len(INVALID_EMAIL_MAKERS)](*email.split("@"))
    fields = fields_fn(rng, person, email)
    if kind == "wrong_field_count":  # an unquoted comma inside a value, or a truncated export line
        fields = (
            fields[: split_at + 1] + [extra] + fields[split_at + 1 :]
            if index % 2 == 0
            else fields[:-2]
        )
    return row(fields, kind, None, email)


def assemble(
    rng, normals: list[dict], plan: dict, pools, used, fields_fn, extra: str, invalid_start: int
):
    """Each duplicate lands after its own source (one duplicate per source); bad rows land anywhere."""
    rows = list(normals)
    for n, source in enumerate(rng.sample(normals, plan["exact"] + plan["near"])):
        if n < plan["exact"]:  # a double submit: the same line again, or a re-registration
            again = rng.random() < 0.5
            dup = row(
                list(source["fields"])
                if again
                else fields_fn(rng, source["person"], source["raw"]),
                "exact_duplicate",
                source["email"],
                source["raw"],
            )
        else:
            raw = near_variant(rng, source["raw"])
            dup = row(fields_fn(rng, source["person"], raw), "near_duplicate", source["email"], raw)
        at = next(i for i, r in enumerate(rows) if r is source)
        rows.insert(rng.randint(at + 1, len(rows)), dup)
    for n, kind in enumerate(plan["bad"]):
        index = plan["bad"][:n].count(kind) + (invalid_start if kind == "invalid_email" else 0)
        rows.insert(
            rng.randint(0, len(rows)), bad_row(rng, kind, index, pools, used, fields_fn, 4, extra)
        )
    return rows


def normal_row(rng, fields_fn, person: dict, raw: str) -> dict:
    return row(fields_fn(rng, person, raw), "normal", person["email"], raw, person)


def build_webinar(rng, pools, used: set) -> list[dict]:
    flags = [True] * WEBINAR_PLAN["chinese"] + [False] * WEBINAR_PLAN["western"]
    rng.shuffle(flags)
    normals = []
    for chinese in flags:  # a few people type their address capitalised
        person = make_person(rng, chinese, pools, used)
        raw = person["email"] if rng.random() > 0.06 else case_variant(rng, person["email"])
        normals.append(normal_row(rng, webinar_fields, person, raw))
    # Bad: "john.smith@", "mary@acme", and "VP Sales, EMEA" typed into the title unquoted.
    return assemble(rng, normals, WEBINAR_PLAN, pools, used, webinar_fields, " EMEA", 3)


def build_tradeshow(rng, pools, used: set, webinar: list[dict]) -> list[dict]:
    seen = [r["person"] for r in webinar if r["kind"] == "normal"]
    cn_free = [p for p in seen if p["zh"] and p["email"].split("@")[1] in FREE_MAIL]
    cn_corp = [p for p in seen if p["zh"] and p["email"].split("@")[1] not in FREE_MAIL]
    n_free, n_corp, n_west = TRADESHOW_PLAN["cross"]
    cross = rng.sample(
        cn_free, min(n_free, len(cn_free))
    )  # any seed must work: top up from corporate mail
    cross += rng.sample(cn_corp, min(n_free + n_corp - len(cross), len(cn_corp)))
    cross += rng.sample([p for p in seen if not p["zh"]], n_west)
    normals = [
        normal_row(
            rng,
            tradeshow_fields,
            p,
            p["email"] if rng.random() < 0.6 else case_variant(rng, p["email"]),
        )
        for p in cross
    ]
    for chinese in [True] * TRADESHOW_PLAN["chinese"] + [False] * TRADESHOW_PLAN["western"]:
        person = make_person(rng, chinese, pools, used)
        normals.append(normal_row(rng, tradeshow_fields, person, person["email"]))
    rng.shuffle(normals)
    # Bad: "wang at x.cn", "li.na@@corp.cn", "销售经理,华东区" unquoted, and a truncated line.
    return assemble(rng, normals, TRADESHOW_PLAN, pools, used, tradeshow_fields, "华东区", 1)


def csv_line(fields: list[str]) -> str:
    assert not any(ch in value for value in fields for ch in ',"\r\n'), fields
    return ",".join(fields) + "\n"


def summarize(rows: list[dict]) -> tuple[dict, set[str]]:
    """Per-file oracle straight from each row's build tag; line 1 is the header."""
    lines = {
        kind: [i + 2 for i, r in enumerate(rows) if r["kind"] == kind]
        for kind in ("exact_duplicate", "near_duplicate")
    }
    valid = {r["email"] for r in rows if r["kind"] not in BAD_KINDS}
    return {
        "rows": len(rows),
        "bad_rows": [
            {"line": i + 2, "kind": r["kind"]} for i, r in enumerate(rows) if r["kind"] in BAD_KINDS
        ],
        "exact_duplicate_rows": len(lines["exact_duplicate"]),
        "exact_duplicate_lines": lines["exact_duplicate"],
        "near_duplicate_rows": len(lines["near_duplicate"]),
        "near_duplicate_lines": lines["near_duplicate"],
        "unique_valid_emails": len(valid),
    }, valid


def write_samples(out: Path, seed: int) -> None:
    rng = random.Random(seed)
    pools, used = build_pools(rng), set()
    webinar = build_webinar(rng, pools, used)
    tradeshow = build_tradeshow(rng, pools, used, webinar)
    out.mkdir(parents=True, exist_ok=True)
    for name, header, rows in [
        (WEBINAR_FILE, WEBINAR_HEADER, webinar),
        (TRADESHOW_FILE, TRADESHOW_HEADER, tradeshow),
    ]:
        (out / name).write_text(
            header
            + "\n"
            + "".join(
                csv_line(r["fields"])
                if r["kind"] != "wrong_field_count"
                else ",".join(r["fields"]) + "\n"
                for r in rows
            ),
            encoding="utf-8",
            newline="",
        )
    # One firmographics row per corporate domain in use, minus ~10% left out so some leads stay unenriched.
    firms = {
        r["person"]["company"]["domain"]: r["person"]["company"]
        for r in webinar + tradeshow
        if r["person"] and r["email"].split("@")[1] == r["person"]["company"]["domain"]
    }
    left_out = set(rng.sample(sorted(firms), round(len(firms) * 0.10)))
    enrichable = [d for d in sorted(firms) if d not in left_out]
    lines = ["domain,name,industry,employees,revenue_band,country,state\n"]
    for domain in enrichable:
        firm = firms[domain]  # Chinese registries know a company by its Chinese legal name
        name = firm["name_zh"] if firm["country"] == "CN" else firm["name_en"]
        lines.append(
            csv_line(
                [
                    domain,
                    name,
                    firm["industry"],
                    str(firm["employees"]),
                    revenue_band(rng, firm["employees"]),
                    firm["country"],
                    firm["state"],
                ]
            )
        )
    (out / "firmographics.csv").write_text("".join(lines), encoding="utf-8", newline="")
    (out / "campaigns.yaml").write_text(
        "campaigns:\n"
        + "".join(
            f"  - name: {name}\n    file: {file}\n    channel: {channel}\n    product_line: {line}\n"
            f"    cost: {cost}\n    started: {started}\n"
            for name, file, channel, line, cost, started in CAMPAIGNS
        ),
        encoding="utf-8",
        newline="",
    )
    (web_summary, web_emails), (show_summary, show_emails) = (
        summarize(webinar),
        summarize(tradeshow),
    )
    every, known = web_emails | show_emails, set(enrichable)
    expected = {
        "files": {WEBINAR_FILE: web_summary, TRADESHOW_FILE: show_summary},
        "cross_file_duplicate_emails": sorted(web_emails & show_emails),
        "unique_valid_emails_total": len(every),
        "free_mail_emails_total": sum(e.split("@")[1] in FREE_MAIL for e in every),
        "enrichable_emails_total": sum(e.split("@")[1] in known for e in every),
    }
    text = json.dumps(expected, indent=2, ensure_ascii=False) + "\n"
    (out / "expected.json").write_text(
        text, encoding="utf-8", newline=""
    )  # newline="": LF on every OS


def write_bench(out: Path, n_rows: int, seed: int) -> Path:
    """Stream n_rows webinar-style rows (~1% bad, ~2% duplicates) straight to disk."""
    rng = random.Random(seed)
    pools, recent = (
        build_pools(rng),
        deque(maxlen=256),
    )  # duplicates repeat someone seen shortly before
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"webinar_bench_{n_rows}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(WEBINAR_HEADER + "\n")
        for i in range(n_rows):
            roll = rng.random()
            if roll < 0.01:
                bad = bad_row(rng, BAD_KINDS[i % 3], i, pools, None, webinar_fields, 4, " EMEA")
                handle.write(",".join(bad["fields"]) + "\n")
                continue
            if roll < 0.03 and recent:
                person, raw = rng.choice(recent)
                raw = raw if rng.random() < 0.5 else near_variant(rng, raw)
            else:  # the row number in the local part keeps addresses unique without remembering them
                person = make_person(rng, rng.random() < 0.15, pools, None, tag=f".{i}")
                raw = person["email"]
                recent.append((person, raw))
            handle.write(csv_line(webinar_fields(rng, person, raw)))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="output folder (default: the repo's examples/)")
    parser.add_argument(
        "--rows", type=int, help="bench mode: stream one webinar-style CSV of this many rows"
    )
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    if args.rows is not None:
        if args.out is None:
            parser.error("--rows needs --out (keep large benchmark files out of examples/)")
        print(write_bench(args.out, args.rows, args.seed))
    else:
        write_samples(args.out or Path(__file__).resolve().parent.parent / "examples", args.seed)


if __name__ == "__main__":
    main()
