"""Synthetic people-with-lead-fields, 40% of them with 1-4 corrupted duplicates.

    python bench/dedupe/generate.py --size 100000 --out synthetic_100000.csv [--seed 7]

Columns: rec_id, entity_id (the answer), given_name, surname, email, phone, company, city,
postcode, date_of_birth. About 78% of people are Western and 22% Chinese (names in Chinese
characters, companies like 北京三体云动科技有限公司 with shared regions, generic words and
first characters). Names and companies follow Zipf laws, colleagues share a company, its domain,
often its city and sometimes its switchboard phone; some share a role mailbox.

Each duplicate gets one to three corruptions: typos, nicknames or initials, given/surname
swapped, Gmail dots and +tags, another mailbox, phone written another way or mistyped, the
company written another way (legal form, traditional characters, region dropped or
bracketed, generic word dropped), city, postcode or birth date missing or mistyped, day and
month swapped. Every value may also be missing at random.
"""

from __future__ import annotations

import argparse
import csv
import random
import string
from collections.abc import Iterator
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

GIVEN = (
    "james mary john patricia robert jennifer michael linda william elizabeth david barbara "
    "richard susan joseph jessica thomas sarah charles karen christopher nancy daniel lisa "
    "matthew betty anthony margaret mark sandra donald ashley steven kimberly paul emily andrew "
    "donna joshua michelle kenneth dorothy kevin carol brian amanda george melissa timothy "
    "deborah ronald stephanie edward rebecca jason sharon jeffrey laura ryan cynthia jacob "
    "kathleen gary amy nicholas angela eric shirley jonathan anna stephen brenda larry pamela "
    "justin emma scott nicole brandon helen benjamin samantha samuel katherine gregory christine "
    "alexander debra frank rachel patrick carolyn raymond janet jack catherine dennis maria "
    "jerry heather tyler diane aaron ruth jose julie adam olivia henry joyce nathan virginia "
    "peter victoria zachary kelly douglas lauren harold christina kyle joan noah evelyn carl "
    "judith ethan megan arthur andrea lucas sophie hannah oliver mia chloe isla freya leo"
).split()
NICK = {
    "william": "bill",
    "robert": "bob",
    "richard": "dick",
    "elizabeth": "liz",
    "james": "jim",
    "michael": "mike",
    "jennifer": "jen",
    "christopher": "chris",
    "thomas": "tom",
    "margaret": "maggie",
    "katherine": "kate",
    "alexander": "alex",
    "samantha": "sam",
    "joseph": "joe",
    "daniel": "dan",
    "matthew": "matt",
    "anthony": "tony",
    "steven": "steve",
    "andrew": "andy",
    "nicholas": "nick",
    "benjamin": "ben",
    "patricia": "pat",
    "jonathan": "jon",
}
SURNAME = (
    "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez "
    "gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white "
    "harris sanchez clark ramirez lewis robinson walker young allen king wright scott torres "
    "nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter roberts "
    "mueller schmidt schneider fischer weber meyer wagner becker schulz hoffmann murphy kelly "
    "obrien ryan byrne walsh oconnor mccarthy dubois moreau laurent simon michel rossi russo "
    "ferrari esposito bianchi romano colombo ricci marino greco bruno gallo conti"
).split()
SYLLABLES = (
    "ba be bi bo ka ke ki ko la le li lo ma me mi mo na ne ni no ra re ri ro sa se si so ta "
    "te ti to va ve vi wa we zu dan mar len ton rik sen vor hal berg stein feld mann son "
    "wick ford ley ton ham well by more gate"
).split()
CN_SURNAME = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
CN_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文辉力春梅鹏飞云峰宇浩"
    "晨雪琳婷瑶欣怡佳颖思雨子涵轩博宁远昊然嘉鑫蕾倩璐帆凯斌林海波亮晶东旭鸿燕晓丹慧宏亚"
)
HOMOPHONE = {
    "伟": "玮",
    "芳": "方",
    "娜": "纳",
    "静": "婧",
    "丽": "莉",
    "磊": "垒",
    "洋": "阳",
    "杰": "洁",
    "明": "铭",
    "霞": "夏",
    "华": "桦",
    "玉": "钰",
    "红": "虹",
    "文": "雯",
    "云": "芸",
    "峰": "锋",
    "宇": "雨",
    "晨": "辰",
    "琳": "霖",
    "婷": "亭",
    "欣": "新",
    "佳": "嘉",
    "涵": "寒",
    "博": "波",
    "宁": "凝",
    "鑫": "欣",
    "林": "琳",
    "海": "凯",
    "东": "冬",
    "动": "东",
    "体": "提",
    "云动": "运动",
}
CN_CORE = (
    "三体云动快在线阿里巴腾讯华为小米字节跳京东百度网易美团拼多新浪搜狐携程滴滴顺丰中兴海康威视"
    "大疆蔚来理想小鹏比亚迪宁德时代恒瑞药明康立讯精密汇川迈瑞医疗科大讯飞金山用友浪潮紫光"
    "同方长城联想创维格力美的海尔格兰仕九阳苏泊尔老板方太万科保利龙湖碧桂园融创世茂旭辉招商"
)
CN_REGION = (
    "北京 上海 深圳 广州 杭州 南京 苏州 成都 武汉 西安 厦门 青岛 天津 重庆 合肥 长沙".split()
)
CN_GENERIC = "科技 网络科技 信息技术 电子商务 数据 智能科技 软件 咨询 贸易 实业".split()
CN_LEGAL = ["有限公司", "有限公司", "股份有限公司", "有限责任公司"]
WORDS_A = (
    "north south east west blue red green silver golden bright clear swift quantum nova "
    "apex summit pioneer harbor river lake stone iron oak maple cedar pine star sun moon "
    "cloud sky ocean delta alpha omega vertex vector matrix nexus orbit pixel cyber data "
    "smart true prime first united global royal metro urban"
).split()
WORDS_B = (
    "wave bridge point field works labs systems solutions logic path line gate ridge "
    "view crest dale wind forge craft link net soft ware core tech"
).split()
INDUSTRY = (
    "analytics logistics software consulting media health foods energy capital partners "
    "robotics security networks design marketing retail pharma motors"
).split()
LEGAL = ["Inc", "Inc.", "LLC", "Ltd", "Ltd.", "GmbH", "Corp", "Corporation", "Co.", "", "Limited"]
LEGAL_SWAP = {
    "Inc": "Incorporated",
    "Inc.": "Inc",
    "LLC": "L.L.C.",
    "Ltd": "Limited",
    "Ltd.": "Ltd",
    "GmbH": "",
    "Corp": "Corporation",
    "Corporation": "Corp.",
    "Co.": "Company",
    "": "Inc",
    "Limited": "Ltd",
}
WEST_CITY = (
    "london manchester leeds bristol boston chicago austin seattle denver portland berlin "
    "munich hamburg cologne paris lyon madrid barcelona milan rome dublin amsterdam "
    "rotterdam brussels vienna zurich geneva oslo stockholm copenhagen helsinki toronto "
    "vancouver sydney melbourne auckland newcastle brighton cambridge oxford"
).split()
FREE_MAIL = ["gmail.com", "gmail.com", "gmail.com", "outlook.com", "yahoo.com", "hotmail.com"]
CN_MAIL = ["qq.com", "163.com", "126.com", "gmail.com"]
_t2s_s2t = None


def _traditional(text: str) -> str:
    global _t2s_s2t
    if _t2s_s2t is None:
        try:
            import opencc

            _t2s_s2t = opencc.OpenCC("s2t").convert
        except ImportError:
            _t2s_s2t = str
    return _t2s_s2t(text)


@lru_cache(maxsize=None)
def _pinyin(text: str) -> str:
    try:
        from pypinyin import lazy_pinyin
    except ImportError:
        return "cn" + str(abs(hash(text)) % 10**6)
    return "".join(lazy_pinyin(text))


class World:
    """The people, companies and places duplicates are drawn from."""

    def __init__(self, entities: int, rng: random.Random):
        self.rng = rng
        extra = [self._word(2, 3) for _ in range(max(200, entities // 40))]
        self.surnames = SURNAME + extra
        self.surname_w = self._zipf(len(self.surnames), 0.9)
        self.given = GIVEN + [self._word(2, 2) for _ in range(max(100, entities // 200))]
        self.given_w = self._zipf(len(self.given), 0.9)
        self.cn_surname_w = self._zipf(len(CN_SURNAME), 0.8)
        n_companies = max(40, entities // 12)
        self.companies = [self._company(k) for k in range(n_companies)]
        self.company_w = self._zipf(n_companies, 1.0)
        self.cities = {
            c: [str(rng.randint(10000, 99999)) for _ in range(rng.randint(2, 6))] for c in WEST_CITY
        }
        self.cn_cities = {
            c: [str(rng.randint(100000, 899999)) for _ in range(rng.randint(2, 6))]
            for c in CN_REGION
        }

    def _zipf(self, n: int, s: float) -> list[float]:
        return list(accumulate(1.0 / (r + 1) ** s for r in range(n)))  # cumulative, for choices()

    def _word(self, lo: int, hi: int) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(lo, hi)))

    def _company(self, k: int) -> dict[str, str]:
        rng = self.rng
        if rng.random() < 0.25:
            core = "".join(rng.choice(CN_CORE) for _ in range(rng.choice((2, 3, 4, 4))))
            region = rng.choice(CN_REGION)
            generic = rng.choice(CN_GENERIC)
            name = f"{region}{core}{generic}{rng.choice(CN_LEGAL)}"
            domain = f"{_pinyin(core)}{k % 7 or ''}.{rng.choice(['com.cn', 'cn', 'com'])}"
            return {
                "name": name,
                "domain": domain,
                "cn": "1",
                "region": region,
                "core": core,
                "generic": generic,
                "city": region,
                "phone": self._phone(True),
            }
        a, b, ind = rng.choice(WORDS_A), rng.choice(WORDS_B), rng.choice(INDUSTRY)
        legal = rng.choice(LEGAL)
        base = f"{a.title()}{b} {ind.title()}"
        dash = "-" + ind if rng.random() < 0.5 else ""
        tld = rng.choice(["com", "com", "io", "co.uk", "de"])  # drawn after dash, as before
        domain = f"{a}{b}{dash}{k % 11 or ''}.{tld}"
        return {
            "name": f"{base} {legal}".strip(),
            "domain": domain,
            "cn": "",
            "base": base,
            "legal": legal,
            "city": rng.choice(WEST_CITY),
            "phone": self._phone(False),
        }

    def _phone(self, cn: bool) -> str:
        rng = self.rng
        if cn:
            return f"1{rng.choice('3456789')}{rng.randint(0, 9)}{rng.randint(10**7, 10**8 - 1)}"
        return f"{rng.randint(201, 989)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"

    def person(self) -> dict[str, str]:
        rng = self.rng
        company = rng.choices(self.companies, cum_weights=self.company_w)[0]
        cn = company["cn"] == "1" and rng.random() < 0.9
        if cn:
            given = "".join(rng.choice(CN_GIVEN) for _ in range(rng.choice((1, 2, 2))))
            surname = rng.choices(CN_SURNAME, cum_weights=self.cn_surname_w)[0]
            latin_first, latin_last = _pinyin(given), _pinyin(surname)
        else:
            given = rng.choices(self.given, cum_weights=self.given_w)[0]
            surname = rng.choices(self.surnames, cum_weights=self.surname_w)[0]
            latin_first, latin_last = given, surname
        if rng.random() < 0.03:
            email = f"{rng.choice(['info', 'sales', 'contact'])}@{company['domain']}"
        elif rng.random() < 0.65:
            pattern = rng.choice(["{f}.{l}", "{f0}{l}", "{f}", "{f}{l}", "{f}_{l}"])
            local = pattern.format(f=latin_first, l=latin_last, f0=latin_first[:1])
            email = f"{local}@{company['domain']}"
        else:
            email = self._personal_email(latin_first, latin_last, cn)
        cities = self.cn_cities if company["cn"] else self.cities
        city = company["city"] if rng.random() < 0.8 else rng.choice(list(cities))
        phone = company["phone"] if rng.random() < 0.06 else self._phone(cn)
        dob = f"{rng.randint(1950, 2003)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        return {
            "given_name": given,
            "surname": surname,
            "email": email,
            "phone": phone,
            "company": company["name"],
            "city": city,
            "postcode": rng.choice(cities.get(city, ["00000"])),
            "date_of_birth": dob,
            "_company": company,
            "_latin": f"{latin_first}|{latin_last}",
            "_cn": "1" if cn else "",
        }

    def _personal_email(self, first: str, last: str, cn: bool) -> str:
        rng = self.rng
        digits = str(rng.randint(1, 9999)) if rng.random() < 0.8 else ""
        local = rng.choice(
            [f"{first}{last}{digits}", f"{first}.{last}{digits}", f"{last}{first}{digits}"]
        )
        return f"{local}@{rng.choice(CN_MAIL if cn else FREE_MAIL)}"


def _typo(rng: random.Random, text: str) -> str:
    if not text:
        return text
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        k = rng.randrange(len(text))
        swap = HOMOPHONE.get(text[k]) if rng.random() < 0.6 else rng.choice(CN_GIVEN)
        return text[:k] + (swap or rng.choice(CN_GIVEN)) + text[k + 1 :]
    k = rng.randrange(len(text))
    op = rng.random()
    letter = rng.choice(string.ascii_lowercase)
    if op < 0.3:
        return text[:k] + letter + text[k + 1 :]
    if op < 0.55 and len(text) > 3:
        return text[:k] + text[k + 1 :]
    if op < 0.8:
        return text[:k] + letter + text[k:]
    if k + 1 < len(text):
        return text[:k] + text[k + 1] + text[k] + text[k + 2 :]
    return text + letter


def _phone_format(rng: random.Random, digits: str, cn: bool) -> str:
    if not digits:
        return digits
    style = rng.random()
    if cn:
        if style < 0.3:
            return f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}"
        if style < 0.5:
            return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
        return digits
    if style < 0.3:
        return f"+1 ({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    if style < 0.6:
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return f"{digits[:3]}.{digits[3:6]}.{digits[6:]}"


def _company_variant(rng: random.Random, company: dict[str, str]) -> str:
    if company["cn"]:
        choice = rng.random()
        name = company["name"]
        if choice < 0.25:
            return _traditional(name)
        if choice < 0.45:
            return name[len(company["region"]) :]
        if choice < 0.6:
            return f"{company['core']}（{company['region']}）{company['generic']}有限公司"
        if choice < 0.8:
            return company["core"] + company["generic"]
        return f"{company['region']}市{company['core']}{company['generic']}有限公司"
    choice = rng.random()
    if choice < 0.5:
        return f"{company['base']} {LEGAL_SWAP[company['legal']]}".strip()
    if choice < 0.7:
        return company["name"].upper()
    if choice < 0.85:
        return company["base"]
    return _typo(rng, company["name"].lower())


# typo given, typo surname, nickname/initial, swap names, email, phone, company, city, dob, postcode
CORRUPTION_WEIGHTS = (0.08, 0.08, 0.06, 0.04, 0.18, 0.14, 0.16, 0.08, 0.08, 0.10)


def corrupt(rng: random.Random, person: dict[str, str], world: World) -> dict[str, str]:
    row = dict(person)
    cn = person["_cn"] == "1"
    for _ in range(rng.choices((1, 2, 3), (0.45, 0.35, 0.2))[0]):
        what = rng.choices(range(10), CORRUPTION_WEIGHTS)[0]
        if what == 0:
            row["given_name"] = _typo(rng, row["given_name"])
        elif what == 1:
            row["surname"] = _typo(rng, row["surname"])
        elif what == 2:
            given = row["given_name"]
            row["given_name"] = NICK.get(given) or (
                given[:1] if not cn and rng.random() < 0.5 else _typo(rng, given)
            )
        elif what == 3:
            row["given_name"], row["surname"] = row["surname"], row["given_name"]
        elif what == 4:
            local, _, domain = row["email"].partition("@")
            roll = rng.random()
            if domain == "gmail.com" and roll < 0.5:
                k = rng.randrange(1, max(len(local), 2))
                row["email"] = (
                    f"{local[:k]}.{local[k:]}{'+news' if rng.random() < 0.5 else ''}@{domain}"
                )
            elif roll < 0.55:
                first, last = person["_latin"].split("|")
                row["email"] = world._personal_email(first, last, cn)
            elif roll < 0.75:
                row["email"] = ""
            else:
                row["email"] = _typo(rng, local) + "@" + domain
        elif what == 5:
            row["phone"] = "" if rng.random() < 0.5 else _typo_digits(rng, row["phone"])
        elif what == 6:
            row["company"] = _company_variant(rng, person["_company"])  # type: ignore[arg-type]
        elif what == 7:
            row["city"] = "" if rng.random() < 0.6 or cn else _typo(rng, row["city"])
        elif what == 8:
            dob = row["date_of_birth"]
            roll = rng.random()
            if roll < 0.4:
                row["date_of_birth"] = ""
            elif roll < 0.7 and dob:
                y, m, d = dob.split("-")
                row["date_of_birth"] = (
                    f"{y}-{d}-{m}" if int(d) <= 12 else f"{y}-{m}-{int(d) % 28 + 1:02d}"
                )
            elif dob:
                row["date_of_birth"] = _typo_digits(rng, dob)
        else:
            row["postcode"] = "" if rng.random() < 0.5 else _typo_digits(rng, row["postcode"])
    if rng.random() < 0.3 and not cn:
        row["given_name"], row["surname"] = row["given_name"].title(), row["surname"].upper()
    return row


def _typo_digits(rng: random.Random, text: str) -> str:
    spots = [k for k, ch in enumerate(text) if ch.isdigit()]
    if not spots:
        return text
    k = rng.choice(spots)
    return text[:k] + str((int(text[k]) + rng.randint(1, 9)) % 10) + text[k + 1 :]


def rows(size: int, seed: int = 7, dup_share: float = 0.4) -> Iterator[dict[str, str]]:
    rng = random.Random(seed)
    world = World(size // 2, rng)
    made = entity = 0
    out: list[dict[str, str]] = []
    while made < size:
        person = world.person()
        copies = [person] + [
            corrupt(rng, person, world)
            for _ in range(rng.randint(1, 4) if rng.random() < dup_share else 0)
        ]
        for row in copies[: size - made]:
            row = {k: v for k, v in row.items() if not k.startswith("_")}
            for key in ("phone", "city", "postcode", "date_of_birth", "email", "company"):
                if rng.random() < {"date_of_birth": 0.4, "postcode": 0.15}.get(key, 0.05):
                    row[key] = ""
            row["phone"] = _phone_format(rng, row["phone"], person["_cn"] == "1")
            row["entity_id"] = str(entity)
            out.append(row)
        made += len(copies[: size - made])
        entity += 1
    rng.shuffle(out)
    for k, row in enumerate(out):
        row["rec_id"] = str(k)
        yield row


COLUMNS = [
    "rec_id",
    "entity_id",
    "given_name",
    "surname",
    "email",
    "phone",
    "company",
    "city",
    "postcode",
    "date_of_birth",
]


def write(size: int, out: Path, seed: int = 7) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".part")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerows(rows(size, seed))
    tmp.replace(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write(args.size, args.out, args.seed)


if __name__ == "__main__":
    main()
