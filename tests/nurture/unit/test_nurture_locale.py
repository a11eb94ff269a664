"""A lead's language from its data, greetings and dates per locale, per-locale templates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from leadflow.nurture.policy import LocalePolicy, load_nurture
from leadflow.routing.policy import load_routing
from leadflow.nurture.compose import step_subject
from leadflow.nurture.render_steps import Renderer
from leadflow.nurture.l10n import greeting, local_datetime, local_number
from leadflow.nurture.locale import LocaleSource, name_script, resolve_locale
from leadflow.nurture.rep_notice import rep_directory
from leadflow.core.settings import PROJECT_ROOT
from tests.factories import TEMPLATES_DIR, make_lead_context

RULES = LocalePolicy(
    default="en",
    supported=["en", "zh-CN", "fr-CA"],
    by_country={"CN": "zh-CN", "TW": "zh-CN"},
    by_state={"CA": {"QC": "fr-CA"}},
    by_script={"Han": "zh-CN"},
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"explicit": "zh_cn", "country": "US"}, ("zh-CN", LocaleSource.EXPLICIT)),
        ({"explicit": "zh", "country": "US"}, ("zh-CN", LocaleSource.EXPLICIT)),  # same language
        (
            {"explicit": "ko", "country": "CN"},
            ("zh-CN", LocaleSource.COUNTRY),
        ),  # unsupported: ignored
        ({"country": "ca", "state": "qc"}, ("fr-CA", LocaleSource.STATE)),
        ({"country": "CA", "state": "ON"}, ("en", LocaleSource.DEFAULT)),
        ({"country": "CN", "names": ["Ping Li"]}, ("zh-CN", LocaleSource.COUNTRY)),
        (
            {"country": "US", "names": ["李平"]},
            ("en", LocaleSource.DEFAULT),
        ),  # the country outranks a name
        ({"names": ["郭秀英"]}, ("zh-CN", LocaleSource.NAME_SCRIPT)),
        ({"names": ["Ada Lovelace"]}, ("en", LocaleSource.DEFAULT)),
    ],
)
def test_a_leads_locale_comes_from_its_data_in_order(data, expected):
    found = resolve_locale(RULES, **data)
    assert (found.locale, found.source) == expected


def test_name_scripts():
    assert name_script(["李平", None]) == "Han"
    assert name_script(["山田 たろう"]) == "Kana"  # kanji with kana is Japanese
    assert name_script(["Иван Петров"]) == "Cyrillic"
    assert name_script(["", "123"]) is None


def test_a_locale_the_policy_does_not_support_is_refused_naming_it():
    with pytest.raises(ValidationError, match="de"):
        LocalePolicy(supported=["en"], by_country={"DE": "de"})
    with pytest.raises(ValidationError, match="xx-YY|unknown locale"):
        LocalePolicy(supported=["en", "xx-YY"])


def test_greetings_and_dates_per_locale():
    chinese = {"full_name": "李平", "first_name": "平", "last_name": "李"}
    assert greeting(chinese, "zh-CN") == "李平，您好！"
    assert greeting({}, "zh-CN") == "您好！"
    assert greeting({"first_name": "Ada"}, "en") == "Hi Ada,"
    due = datetime(2026, 11, 12, 15, tzinfo=UTC)
    assert (
        local_datetime(due, ZoneInfo("Asia/Shanghai"), "zh-CN")
        == "2026年11月12日周四 23:00 (中国标准时间)"
    )
    assert (
        local_datetime(due, ZoneInfo("America/Los_Angeles"), "en")
        == "Thu, Nov 12, 2026 7:00\u202fAM (Pacific Standard Time)"
    )  # CLDR: a narrow no-break space
    assert (
        local_number(12345.5, "de") == "12.345,5" and local_number(12345.5, "zh-CN") == "12,345.5"
    )


def tracked(position: int, url: str) -> str:
    return f"https://t/c/{position}"


def test_a_chinese_lead_gets_the_zh_cn_template_and_subject_and_others_fall_back(tmp_path: Path):
    policy = load_nurture(TEMPLATES_DIR)
    step = policy.sequences[0].steps[0]
    renderer = Renderer(TEMPLATES_DIR)
    context = {
        "lead": make_lead_context(
            full_name="李平", first_name="平", last_name="李", company="上海盛世"
        ),
        "unsubscribe_url": "https://t/u/x",
        "open_pixel_url": "https://t/o/x.gif",
        "honeypot_url": "https://t/c/h",
        "campaign_name": "上海展会",
        "postal_address": "地址",
        "tracking": True,
    }
    email, links = renderer.render(
        step.template,
        step_subject(step, "zh-CN"),
        context,
        tracked_url=tracked,
        keep_prefix="https://t/",
        locale="zh-CN",
    )
    assert links == ["https://leadflow.example/guides/routing?utm_source=nurture&utm_content=step1"]
    assert email.subject == "10 分钟读懂如何正确分配线索"
    assert (
        email.text.startswith("李平，您好！")
        and "代表上海盛世" in email.text
        and "Hi " not in email.text
    )
    assert "阅读指南：https://t/c/0" in email.text
    assert '<html lang="zh-CN">' in email.html and "退订" in email.html
    # A locale without templates of its own reads the default set, and the default subject.
    email, _ = renderer.render(
        step.template,
        step_subject(step, "fr-CA"),
        context,
        tracked_url=tracked,
        keep_prefix="https://t/",
        locale="fr-CA",
    )
    assert (
        email.subject.endswith("the 10-minute guide to routing leads right")
        and "Unsubscribe" in email.html
    )
    assert renderer.has_locale(step.template, "zh-CN") and not renderer.has_locale(
        step.template, "fr-CA"
    )


def test_reps_read_in_their_zone_and_language_and_why_you_is_words():
    routing = load_routing(PROJECT_ROOT / "routing_rules")
    directory = rep_directory(routing.teams, routing.rules, load_nurture(TEMPLATES_DIR).locales)
    assert directory.reader("li.ming").locale == "zh-CN"  # 李明: from the name's script
    assert directory.reader("li.ming").zone.key == "Asia/Shanghai"
    assert directory.reader("ben.carter").zone.key == "America/Los_Angeles"  # the rep's own hours
    assert directory.reader("alice.morgan").zone.key == "America/New_York"  # the team's
    assert (
        directory.why("na-enterprise", "en")
        == "territory is north_america; company size is enterprise"
    )
    assert directory.why("china-east", "zh-CN") == "区域为china_east"
    assert directory.why("dach-top-enterprise", "en").startswith(
        "German-speaking enterprise buyers"
    )
    assert directory.why("prior-owner", "zh-CN") == "此人之前的线索由您跟进"
