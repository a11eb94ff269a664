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

import random
import string
import sys
from collections.abc import Iterator
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import cli, entity_rows, write_csv  # type: ignore[import-not-found]  # noqa: E402

from words import (  # type: ignore[import-not-found]  # noqa: E402
    GIVEN,
    NICK,
    SURNAME,
    SYLLABLES,
    CN_SURNAME,
    CN_GIVEN,
    HOMOPHONE,
    CN_CORE,
    CN_REGION,
    CN_GENERIC,
    CN_LEGAL,
    WORDS_A,
    WORDS_B,
    INDUSTRY,
    LEGAL,
    LEGAL_SWAP,
    WEST_CITY,
    FREE_MAIL,
    CN_MAIL,
)

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
DUP_SHARE = 0.4  # people with duplicates
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


def _copies(
    rng: random.Random, world: World, person: dict[str, str], limit: int
) -> list[dict[str, str]]:
    """The person and 40% of the time 1-4 corrupted duplicates, values missing at random."""
    copies = [person] + [
        corrupt(rng, person, world)
        for _ in range(rng.randint(1, 4) if rng.random() < DUP_SHARE else 0)
    ]
    out = []
    for row in copies[:limit]:
        row = {k: v for k, v in row.items() if not k.startswith("_")}
        for key in ("phone", "city", "postcode", "date_of_birth", "email", "company"):
            if rng.random() < {"date_of_birth": 0.4, "postcode": 0.15}.get(key, 0.05):
                row[key] = ""
        row["phone"] = _phone_format(rng, row["phone"], person["_cn"] == "1")
        out.append(row)
    return out


def rows(size: int, seed: int = 7) -> Iterator[dict[str, str]]:
    rng = random.Random(seed)
    return entity_rows(size, rng, World(size // 2, rng), _copies)


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
    return write_csv(out, COLUMNS, rows(size, seed))


if __name__ == "__main__":
    cli(__doc__, write, size=100_000, seed=7)
