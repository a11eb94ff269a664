"""Company keys: the same company written two ways gets the same key.

北京三体云动科技有限公司, 三体云动 and 三体云动（中国）科技有限公司 all key to 三体云动;
"Acme, Inc." and "ACME Corporation" both key to "acme".
"""

from __future__ import annotations

import re
from functools import lru_cache
import unicodedata

from leadflow.ingest.regions import CN_PROVINCES

# Longest first, so 股份有限公司 goes before 有限公司.
CN_LEGAL = sorted(
    [
        "股份有限公司",
        "有限责任公司",
        "有限公司",
        "集团股份",
        "集团",
        "公司",
        "分公司",
        "总公司",
        "控股",
    ],
    key=len,
    reverse=True,
)
# Generic business words that follow the trade name in Chinese legal names.
CN_GENERIC = sorted(
    [
        "信息技术",
        "网络科技",
        "智能科技",
        "科技",
        "技术",
        "信息",
        "网络",
        "软件",
        "数据",
        "电子商务",
        "电子",
        "咨询",
        "服务",
        "实业",
        "贸易",
        "商贸",
        "发展",
    ],
    key=len,
    reverse=True,
)
CN_PLACES = sorted(
    [
        *CN_PROVINCES,
        "深圳",
        "广州",
        "杭州",
        "南京",
        "苏州",
        "成都",
        "武汉",
        "西安",
        "厦门",
        "青岛",
        "大连",
        "宁波",
        "无锡",
        "长沙",
        "郑州",
        "合肥",
        "中国",
    ],
    key=len,
    reverse=True,
)
LATIN_LEGAL = {
    "inc",
    "incorporated",
    "llc",
    "ltd",
    "limited",
    "corp",
    "corporation",
    "co",
    "company",
    "plc",
    "gmbh",
    "ag",
    "kg",
    "sa",
    "sas",
    "sarl",
    "bv",
    "nv",
    "srl",
    "spa",
    "pty",
    "kk",
    "oy",
    "ab",
    "as",
    "aps",
    "lp",
    "llp",
    "group",
    "holdings",
    "the",
}
_BRACKETED_CN = re.compile(r"[（(](中国|北京|上海|深圳|广州|香港)[)）]")
_NON_WORD = re.compile(r"[^\w\u3400-\u9fff]+")
_HAN = re.compile(r"[\u3400-\u9fff]")


def _strip_prefixes(text: str, words: list[str]) -> str:
    changed = True
    while changed:
        changed = False
        for word in words:
            if text.startswith(word) and len(text) > len(word):
                text, changed = text[len(word) :].lstrip("市省"), True
    return text


def _strip_suffixes(text: str, words: list[str]) -> str:
    changed = True
    while changed:
        changed = False
        for word in words:
            if text.endswith(word) and len(text) > len(word):
                text, changed = text[: -len(word)], True
    return text


def _chinese_key(name: str) -> str:
    text = _BRACKETED_CN.sub("", name)
    text = _NON_WORD.sub("", text)
    text = _strip_suffixes(text, CN_LEGAL)
    text = _strip_prefixes(text, CN_PLACES)
    return _strip_suffixes(text, CN_GENERIC)


def _latin_key(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    words = [w for w in _NON_WORD.sub(" ", folded.replace("&", " and ")).split() if w]
    while len(words) > 1 and (words[-1] in LATIN_LEGAL or words[-1] == "and"):
        words.pop()
    while len(words) > 1 and words[0] == "the":
        words.pop(0)
    return " ".join(words)


@lru_cache(maxsize=1 << 16)  # memoised: a campaign repeats its companies row after row
def company_key(name: str | None) -> str | None:
    """A comparison key for a company name, or None when nothing is left."""
    if not name or not name.strip():
        return None
    text = unicodedata.normalize("NFKC", name.strip())
    key = _chinese_key(text) if _HAN.search(text) else _latin_key(text)
    return key or None
