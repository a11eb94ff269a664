"""Email rendering on the real nurture templates: greetings, escaping, tracked links, strictness."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from jinja2 import UndefinedError

from leadflow.nurture.policy import Step, load_nurture
from leadflow.nurture.render import RenderedEmail, render, rewrite_links
from tests.factories import TEMPLATES_DIR, make_lead_context

BASE = "https://t.leadflow.test"
STEPS: list[Step] = [step for seq in load_nurture(TEMPLATES_DIR).sequences for step in seq.steps]


def tracked(position: int, url: str) -> str:
    return f"{BASE}/c/tok{position}"


def render_step(step: Step, **lead: Any) -> tuple[RenderedEmail, list[str]]:
    context = {
        "lead": make_lead_context(**lead),
        "unsubscribe_url": f"{BASE}/u/unsub-token",
        "open_pixel_url": f"{BASE}/o/pixel.gif",
        "honeypot_url": f"{BASE}/c/honeypot",
        "campaign_name": "Webinar",
        "postal_address": "1 Main St, Springfield",
    }
    return render(
        TEMPLATES_DIR, step.template, step.subject, context, tracked_url=tracked, keep_prefix=BASE
    )


@pytest.mark.parametrize("step", STEPS, ids=[s.template for s in STEPS])
def test_greeting_falls_back_when_the_lead_has_no_name(step: Step) -> None:
    email, _ = render_step(step, first_name=None, last_name=None, full_name=None)
    for part in (email.subject, email.html, email.text):
        assert not re.search(r"\b(Hi|Dear)\s*,", part)
        assert not part.startswith(",")
    assert "Hi there," in email.html and "Hi there," in email.text


def test_greeting_uses_the_full_name_when_first_name_is_missing() -> None:
    email, _ = render_step(STEPS[0], first_name=None, full_name="张伟")
    assert "Hi 张伟," in email.html and "Hi 张伟," in email.text
    assert email.subject.startswith("张伟,")


def test_greeting_prefers_the_first_name() -> None:
    email, _ = render_step(STEPS[0], first_name="Ada", full_name="Ada Lovelace")
    assert "Hi Ada," in email.text


def test_html_part_escapes_a_hostile_company_name() -> None:
    email, _ = render_step(STEPS[0], company="<script>alert(1)</script>")
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html


def test_text_part_and_subject_are_not_html_escaped() -> None:
    email, _ = render_step(STEPS[0], first_name="O'Brien", company="AT&T")
    assert "from AT&T." in email.text
    assert email.subject.startswith("O'Brien,")


@pytest.mark.parametrize("step", STEPS, ids=[s.template for s in STEPS])
def test_content_links_become_tracked_but_unsubscribe_is_kept(step: Step) -> None:
    email, originals = render_step(step)
    hrefs = re.findall(r'href="([^"]+)"', email.html)
    assert originals and all(url.startswith("https://leadflow.example/") for url in originals)
    assert [h for h in hrefs if "/c/tok" in h] == [tracked(i, u) for i, u in enumerate(originals)]
    assert (
        f"{BASE}/u/unsub-token" in hrefs and f"{BASE}/c/honeypot" in hrefs
    )  # kept as given, never rewritten
    assert not any(h.startswith("https://leadflow.example/") for h in hrefs)


def test_original_urls_are_unescaped_from_the_html() -> None:
    _, originals = render_step(STEPS[0])
    assert all("&amp;" not in url for url in originals)
    assert any("&" in url for url in originals)


@pytest.mark.parametrize("step", STEPS, ids=[s.template for s in STEPS])
def test_text_part_carries_the_same_tracked_links(step: Step) -> None:
    email, originals = render_step(step)
    for position, url in enumerate(originals):
        assert tracked(position, url) in email.text
        assert url not in email.text
    assert f"{BASE}/u/unsub-token" in email.text


def test_rewrite_links_leaves_non_http_and_own_links_alone() -> None:
    html = (
        '<a href="mailto:a@b.example">m</a> <a href="#top">t</a> '
        f'<a href="{BASE}/u/x">u</a> <a href="http://shop.example/p?a=1&amp;b=2">s</a>'
    )
    out, originals = rewrite_links(html, tracked, keep_prefix=BASE)
    assert originals == ["http://shop.example/p?a=1&b=2"]
    assert out == html.replace("http://shop.example/p?a=1&amp;b=2", tracked(0, ""))


def test_unknown_variable_in_a_template_raises(tmp_path: Path) -> None:
    (tmp_path / "oops.html.j2").write_text("<p>Hi {{ lead.first_name }} {{ nickname }}</p>")
    (tmp_path / "oops.txt.j2").write_text("Hi")
    with pytest.raises(UndefinedError):
        render(tmp_path, "oops", "Subject", {"lead": make_lead_context()})


def test_misspelt_lead_attribute_raises(tmp_path: Path) -> None:
    (tmp_path / "oops.html.j2").write_text("<p>Hi {{ lead.frist_name }}</p>")
    (tmp_path / "oops.txt.j2").write_text("Hi")
    with pytest.raises(UndefinedError):
        render(tmp_path, "oops", "Subject", {"lead": make_lead_context()})
