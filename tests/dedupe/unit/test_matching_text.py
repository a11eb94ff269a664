"""Normalization for matching: Chinese company names, Gmail policy, phones, dates."""

from __future__ import annotations

import pytest
from rapidfuzz import fuzz

from leadflow.dedupe.kinds import EmailPolicy
from leadflow.dedupe.engine.text import (
    norm_company,
    norm_date,
    norm_email,
    norm_phone,
    phonetic,
    pinyin,
    soundex,
)

FIVE_WAYS = [
    "北京三体云动科技有限公司",
    "三体云动",
    "三体云动（北京）科技有限公司",
    "三體雲動科技有限公司",  # traditional characters
    "北京市三体云动科技有限公司",
    "三体云动 (中国) 科技有限公司",
    " 三体云动 科技 有限公司 ",  # spaces
]


def test_the_same_chinese_company_written_many_ways_has_one_core_name() -> None:
    assert {norm_company(name) for name in FIVE_WAYS} == {"三体云动"}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "北京三体云动科技有限公司",
            "北京三快在线科技有限公司",
        ),  # share region, generic word, legal form and 三
        ("深圳市腾讯计算机系统有限公司", "深圳市腾达网络科技有限公司"),
        ("上海小米科技有限公司", "上海小马智行科技有限公司"),
    ],
)
def test_different_chinese_companies_sharing_affixes_stay_apart(a: str, b: str) -> None:
    core_a, core_b = norm_company(a), norm_company(b)
    assert core_a != core_b
    assert fuzz.token_set_ratio(core_a, core_b) < 70  # below the company comparison's lowest level
    # Raw, the shared affixes make them look alike: that is what the normalization removes.
    assert fuzz.ratio(a, b) > fuzz.ratio(core_a, core_b)


def test_latin_legal_forms_and_case_do_not_matter() -> None:
    assert (
        norm_company("Acme, Inc.")
        == norm_company("ACME Corporation")
        == norm_company("acme")
        == "acme"
    )
    assert norm_company("Acme Logistics GmbH") != norm_company("Acme Foods GmbH")


def test_gmail_dots_and_plus_tags_are_one_mailbox_under_the_default_policy() -> None:
    base = norm_email("johnsmith@gmail.com")
    assert norm_email("John.Smith+newsletter@GMAIL.com") == base
    assert norm_email("j.o.h.n.smith@googlemail.com") == base


def test_dots_matter_outside_gmail_and_plus_tags_follow_the_policy() -> None:
    assert norm_email("john.smith@acme.com") != norm_email("johnsmith@acme.com")
    assert norm_email("john+x@acme.com") == "john+x@acme.com"  # unknown provider: keep the tag
    assert norm_email("john+x@acme.com", EmailPolicy(plus_tags="all")) == "john@acme.com"
    assert norm_email("john+x@outlook.com") == "john@outlook.com"
    strict = EmailPolicy(gmail_dots=False, plus_tags="none")
    assert norm_email("john.smith+x@gmail.com", strict) == "john.smith+x@gmail.com"


def test_invalid_emails_are_missing() -> None:
    assert norm_email("not an email") is None
    assert norm_email("") is None
    assert norm_email(None) is None


def test_phones_key_the_same_whatever_the_format_or_country_prefix() -> None:
    keys = {
        norm_phone(p)
        for p in ("+86 138-0013-8000", "0086 13800138000", "138 0013 8000", "13800138000")
    }
    assert len(keys) == 1
    assert norm_phone("+1 (415) 555-0134") == norm_phone("415.555.0134")
    assert norm_phone("12") is None


def test_dates_in_common_orders_normalize_to_one_form() -> None:
    assert norm_date("1956-04-09") == norm_date("19560409") == norm_date("9/4/1956") == "19560409"


def test_phonetic_keys() -> None:
    assert soundex("robert") == soundex("rupert") == "r163"
    assert phonetic("三体云动") == "styd" == pinyin("三体云东", initials=True)
    assert pinyin("三体云动") == pinyin("三体云东") == "santiyundong"


def test_ascii_text_is_its_own_pinyin_as_pypinyin_reads_it() -> None:
    """``pinyin`` skips pypinyin for ASCII text: no ASCII character has a reading there."""
    from pypinyin import Style, lazy_pinyin

    every = "".join(chr(code) for code in range(128))
    assert lazy_pinyin(every, style=Style.NORMAL, errors="ignore") == []
    assert [lazy_pinyin(c, style=Style.NORMAL, errors="ignore") for c in every] == [[]] * 128
    assert pinyin("acme analytics") == "acme analytics" == pinyin("acme analytics", True)
    assert pinyin("acme 〇") == "ling"  # not ASCII: read by pypinyin, which reads 〇
    assert pinyin("abc 中国") == "zhongguo"
