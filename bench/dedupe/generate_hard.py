"""A harder generator: people with 1 to 25 records each, and errors at several rates.

    python bench/dedupe/generate_hard.py --size 50000 --out hard_50000.csv [--seed 11]

Same people, companies and places as generate.py (Western and Chinese, Zipf-distributed names
and companies, colleagues sharing a company, its domain and city), and the same columns plus
``full_name``. What makes it harder:

* cluster sizes: half the people once, the rest 2 to 25 records (a long tail);
* per person a typo rate of 2%, 8% or 20% a character, applied to every copied text field;
* nicknames (William/Bill) and initials, titles and suffixes in full_name (Dr, Sir, Jr.);
* Chinese names written in characters, in pinyin given name first or surname first, with or
  without tone marks, in traditional characters, or full width;
* given name and surname swapped; fields missing at 10-40% a field;
* dates as 1980-03-12, 12/03/1980, 12.03.1980, 19800312 or "12 Mar 1980", day and month swapped.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import (  # type: ignore[import-not-found]  # noqa: E402
    NICK,
    World,
    _pinyin,
    _traditional,
    _typo,
)
from synth import cli, entity_rows, write_csv  # type: ignore[import-not-found]  # noqa: E402

TITLES = ["Dr", "Mr", "Mrs", "Ms", "Prof.", "Sir", "Dr."]
SUFFIXES = ["Jr.", "Sr.", "III", "PhD"]
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
TONES = {"a": "āáǎà", "e": "ēéěè", "i": "īíǐì", "o": "ōóǒò", "u": "ūúǔù"}
MISSING = {
    "email": 0.3,
    "phone": 0.35,
    "company": 0.15,
    "city": 0.2,
    "postcode": 0.3,
    "date_of_birth": 0.4,
    "full_name": 0.1,
}
COLUMNS = [
    "rec_id",
    "entity_id",
    "full_name",
    "given_name",
    "surname",
    "email",
    "phone",
    "company",
    "city",
    "postcode",
    "date_of_birth",
]


def cluster_size(rng: random.Random) -> int:
    if rng.random() < 0.5:
        return 1
    return min(25, 2 + int(rng.expovariate(1 / 4.0)))


def _tones(rng: random.Random, word: str) -> str:
    vowels = [k for k, ch in enumerate(word) if ch in TONES]
    if not vowels:
        return word
    k = rng.choice(vowels)
    return word[:k] + rng.choice(TONES[word[k]]) + word[k + 1 :]


def _full_width(text: str) -> str:
    wide = (
        chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else "\u3000" if ch == " " else ch for ch in text
    )
    return "".join(wide)


def _date(rng: random.Random, iso: str) -> str:
    y, m, d = iso.split("-")
    if rng.random() < 0.1 and int(d) <= 12:
        m, d = d, m
    form = rng.choice(("iso", "dmy", "dot", "compact", "words"))
    return {
        "iso": f"{y}-{m}-{d}",
        "dmy": f"{d}/{m}/{y}",
        "dot": f"{d}.{m}.{y}",
        "compact": f"{y}{m}{d}",
        "words": f"{int(d)} {MONTHS[int(m) - 1]} {y}",
    }[form]


def _typos(rng: random.Random, text: str, rate: float) -> str:
    for _ in range(sum(1 for _ in text if rng.random() < rate)):
        text = _typo(rng, text) if text else text
    return text


def _names(rng: random.Random, person: dict[str, str]) -> tuple[str, str, str]:
    """(given, surname, full name) of one record of the person."""
    given, surname = person["given_name"], person["surname"]
    if person["_cn"]:
        roll = rng.random()
        latin_given, latin_surname = _pinyin(given).title(), _pinyin(surname).title()
        if roll < 0.3:
            return given, surname, surname + given
        if roll < 0.45:
            return _traditional(given), _traditional(surname), _traditional(surname + given)
        if roll < 0.6:
            toned = _tones(rng, latin_given)
            return toned, latin_surname, f"{latin_surname} {toned}"
        if roll < 0.7:
            return latin_given, latin_surname, _full_width(f"{latin_given} {latin_surname}")
        return latin_given, latin_surname, f"{latin_given} {latin_surname}"
    if rng.random() < 0.15:
        given = NICK.get(given) or given[:1]
    full = f"{given} {surname}"
    if rng.random() < 0.2:
        full = f"{rng.choice(TITLES)} {full}"
    if rng.random() < 0.05:
        full = f"{full} {rng.choice(SUFFIXES)}"
    return given, surname, full


def record(rng: random.Random, person: dict[str, str], rate: float, first: bool) -> dict[str, str]:
    row = {k: v for k, v in person.items() if not k.startswith("_")}
    given, surname = person["given_name"], person["surname"]
    full = surname + given if person["_cn"] else f"{given} {surname}"
    if not first:
        given, surname, full = _names(rng, person)
    if not first:
        given, surname, full = (
            _typos(rng, given, rate),
            _typos(rng, surname, rate),
            _typos(rng, full, rate),
        )
        if rng.random() < 0.08:
            given, surname = surname, given
        for key in ("email", "city", "company"):
            row[key] = _typos(rng, row[key], rate / 2)
        for key in ("phone", "postcode"):
            if rng.random() < rate * 2:
                row[key] = _typo(rng, row[key]) if row[key] else row[key]
    row.update(given_name=given, surname=surname, full_name=full)
    row["date_of_birth"] = _date(rng, person["date_of_birth"])
    for key, share in MISSING.items():
        if rng.random() < share:
            row[key] = ""
    return row


def _copies(
    rng: random.Random, world: World, person: dict[str, str], limit: int
) -> list[dict[str, str]]:
    """1 to 25 records of the person, all at one typo rate drawn for them."""
    rate = rng.choice((0.02, 0.08, 0.2))
    return [record(rng, person, rate, k == 0) for k in range(min(cluster_size(rng), limit))]


def rows(size: int, seed: int = 11) -> Iterator[dict[str, str]]:
    rng = random.Random(seed)
    return entity_rows(size, rng, World(size // 4, rng), _copies)


def write(size: int, out: Path, seed: int = 11) -> Path:
    return write_csv(out, COLUMNS, rows(size, seed))


if __name__ == "__main__":
    cli(__doc__, write, size=50_000, seed=11)
