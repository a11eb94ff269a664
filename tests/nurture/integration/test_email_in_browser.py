"""A Chinese lead's received email, opened in headless chromium: the zh-CN text is what a
reader sees, set in a CJK font, inside the 600px layout, and every link goes where it says.

Needs Debian's chromium and Playwright from PyPI (the `test` extra), through the shared
`browser` fixture (tests/support/browser.py); never a downloaded browser build.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leadflow.core.db import session_scope
from leadflow.nurture.consent import LawfulBasis, Purpose
from leadflow.nurture.consent_store import record_consent
from tests.nurture.integration.nurture_support import add_lead, enroll, tick
from tests.nurture.integration.test_nurture_send import text_and_html

pytestmark = pytest.mark.db
TUESDAY_10_SHANGHAI = datetime(2026, 11, 10, 2, tzinfo=UTC)
# Width of a string in a font that has no CJK glyphs (tofu boxes) vs one that has them.
MEASURE = """(text) => { const s = document.createElement('span'); s.textContent = text;
  document.body.appendChild(s); const w = s.getBoundingClientRect().width; s.remove();
  return w; }"""


def test_a_chinese_lead_reads_chinese_in_chromium(recorder, leadflow_env, tmp_path, browser):
    lead = add_lead(
        "li.ping@example.cn",
        TUESDAY_10_SHANGHAI,
        "CN",
        "SH",
        full_name="李平",
        first_name="平",
        last_name="李",
        company="上海盛世供应链管理有限公司",
    )
    with session_scope() as session:
        record_consent(
            session,
            lead_id=lead,
            purpose=Purpose.MARKETING_EMAIL,
            granted=True,
            basis=LawfulBasis.CONSENT,
            source="form:test",
            evidence={},
            at=TUESDAY_10_SHANGHAI,
        )
    enroll([lead], TUESDAY_10_SHANGHAI)
    assert tick(recorder, TUESDAY_10_SHANGHAI).sent == 1
    html = text_and_html(recorder.to("li.ping@example.cn")[0].message)[1]

    page = browser.new_page(viewport={"width": 800, "height": 1000})
    try:
        page.set_content(html, wait_until="domcontentloaded")
        if page.evaluate(MEASURE, "李平") == page.evaluate(MEASURE, "\ue000\ue001"):
            pytest.skip(
                "no CJK font installed (apt-get install fonts-wqy-microhei): glyphs would be boxes"
            )
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        paragraphs = page.locator("p").all_inner_texts()
        assert paragraphs[0] == "李平，您好！"
        assert "感谢您代表上海盛世供应链管理有限公司的关注" in paragraphs[1]
        # Consent to email only, and China tracks on opt-in: the link goes out as written.
        assert (
            page.get_by_role("link", name="阅读指南").get_attribute("href")
            == "https://leadflow.example/guides/routing?utm_source=nurture&utm_content=step1"
        )
        assert page.get_by_role("link", name="退订").is_visible()
        body_width = page.evaluate("document.body.getBoundingClientRect().width")
        assert body_width <= 600 and page.evaluate("document.documentElement.scrollWidth") <= 800
        page.screenshot(path=str(tmp_path / "zh-CN-welcome.png"), full_page=True)
    finally:
        page.close()
