"""Person names across scripts: 郭秀英, "Xiuying Guo", "GUO Xiuying", "Guō Xiùyīng" and the
full-width "Ｘｉｕｙｉｎｇ Ｇｕｏ" are one name.

A Chinese name is read as its surname (one character, or a compound such as 欧阳) and its given
name, each in toneless pinyin; a Latin name as its words (accents, case and width already folded
by ``norm_name``). Two keys follow, the same whatever the script and the order:

* ``romanized``: the parts sorted and joined ("guo xiuying"), compared for equality;
* ``name_sound``: the Soundex codes of the first and last parts, sorted ("G000 X520"), for
  blocking and the ingest name key (robust to spelling by ear as well).
"""

from __future__ import annotations

from functools import lru_cache

from leadflow.dedupe.engine.text import has_han, pinyin, soundex

# Two-character surnames: the rest of the name is the given name.
CN_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 夏侯 令狐 宇文 长孙 司徒 端木 独孤 南宫 西门 轩辕 澹台 "
    "申屠 百里 呼延 万俟 闻人 赫连".split()
)


@lru_cache(maxsize=200_000)  # both keys of a value read its parts
def name_parts(text: str) -> tuple[str, ...]:
    """Romanized parts of a normalized name: (surname, given name) in pinyin for Chinese, the
    words for Latin script."""
    if not has_han(text):
        return tuple(text.split())
    han = text.replace(" ", "")
    cut = 2 if han[:2] in CN_COMPOUND_SURNAMES and len(han) > 2 else 1
    parts = (han[:cut], han[cut:]) if len(han) > cut else (han,)
    return tuple(p for p in (pinyin(part) for part in parts) if p)


def romanized(text: str) -> str | None:
    """The name's parts, sorted: 郭秀英, "Xiuying Guo" and "Guo Xiuying" are "guo xiuying"."""
    return " ".join(sorted(name_parts(text))) or None


def name_sound(text: str) -> str | None:
    """Sorted Soundex of the first and last parts: "G000 X520" for each form of 郭秀英."""
    parts = name_parts(text)
    if not parts:
        return None
    return " ".join(sorted({soundex(parts[0]), soundex(parts[-1])} - {""})) or None


def is_han(text: str) -> str:
    """The script a name is written in, as a key: a romanized agreement across scripts is the
    best agreement the two values can show (the Latin form carries no more than its sound)."""
    return "han" if has_han(text) else "latin"
