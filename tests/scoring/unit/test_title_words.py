"""A contains_any rule matches exactly as testing its words one by one would."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from leadflow.scoring.policy import FitRule
from leadflow.scoring.score import holds

HAN = re.compile(r"[\u3400-\u9fff]")


def one_by_one(text: str, words: list[str]) -> bool:
    """The rule as written: each Latin word whole, case-blind; each Chinese word anywhere."""
    for word in words:
        if HAN.search(word):
            if word in text:
                return True
        elif re.search(rf"(?<![a-z0-9]){re.escape(word.lower())}(?![a-z0-9])", text.lower()):
            return True
    return False


PIECES = st.sampled_from(["vp", "VP", "sales", "coo", "co", "ordinator", "head of", "经理", "实习"])
GLUE = st.sampled_from(["", " ", "-", "/", "2", "x", ", "])
TEXT = st.lists(st.tuples(PIECES, GLUE), max_size=5).map(lambda p: "".join(a + b for a, b in p))
WORDS = st.lists(
    st.one_of(PIECES, st.sampled_from(["vp sales", "Head Of", "c.o", "a+b", "销售经理"])),
    min_size=1,
    max_size=6,
)


@given(TEXT, WORDS)
def test_contains_any_is_any_word_tested_alone(text: str, words: list[str]) -> None:
    rule = FitRule(id="r", field="title", points=1, contains_any=words)
    assert holds(rule, text) == one_by_one(text, words)


def test_whole_words_only_and_chinese_anywhere() -> None:
    rule = FitRule(id="r", field="title", points=1, contains_any=["coo", "vp", "经理"])
    assert not holds(rule, "Coordinator")
    assert holds(rule, "Sales VP, EMEA") and holds(rule, "COO")
    assert holds(rule, "销售经理") and not holds(rule, "vpn admin")
