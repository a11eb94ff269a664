"""The preference centre behind the signed unsubscribe link: see and change one's topics.

GET shows the lead's topics (from the nurture policy) with what they chose, in their own
language; POST of that form stores the choices. A POST without the form's ``preferences``
field is RFC 8058 one-click unsubscribe (from everything), as before. The web layer checks
the signed token and passes the email's id; the page shows no personal data but the topics.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from leadflow.core.clock import as_utc
from leadflow.nurture.policy import NurturePolicy, load_nurture
from leadflow.core.db import session_scope
from leadflow.core.models import Lead, OutboundEmail
from leadflow.nurture.consent import LawfulBasis, Purpose
from leadflow.nurture.consent_store import consent_facts, record_consent, set_topics
from leadflow.nurture.locale import lead_locale
from leadflow.core.settings import get_settings

FORM_FIELD = "preferences"  # present only in the preference form: its absence means one-click
TEXT = {
    "en": {
        "title": "Email preferences",
        "intro": "Choose what we may send you:",
        "save": "Save my choices",
        "all": "Or stop every email from us:",
        "stop": "Unsubscribe from everything",
        "saved": "Saved.",
    },
    "zh": {
        "title": "邮件偏好设置",
        "intro": "请选择您愿意接收的内容：",
        "save": "保存我的选择",
        "all": "或者停止接收我们的所有邮件：",
        "stop": "退订全部邮件",
        "saved": "已保存。",
    },
}


@dataclass(frozen=True)
class PreferenceView:
    lead_id: int
    outbox_id: int
    locale: str
    topics: dict[str, tuple[str, bool]]  # key -> (name, subscribed)


def _lead_for(outbox_id: int, session: Session) -> tuple[OutboundEmail, Lead] | None:
    outbox = session.get(OutboundEmail, outbox_id)
    lead = session.get(Lead, outbox.lead_id) if outbox else None
    return (outbox, lead) if outbox and lead else None


def _policy() -> NurturePolicy:
    return load_nurture(get_settings().templates_dir)


def preference_view(outbox_id: int) -> PreferenceView | None:
    """What the preference centre shows for the email a verified unsubscribe token names."""
    policy = _policy()
    with session_scope() as session:
        found = _lead_for(outbox_id, session)
        if found is None:
            return None
        outbox, lead = found
        chosen = consent_facts(session, [lead.id]).get(lead.id)
        choices = dict(chosen.topics) if chosen else {}
        locale = lead_locale(
            policy.locales,
            {
                c: getattr(lead, c)
                for c in ("locale", "country", "state", "full_name", "first_name", "last_name")
            },
        )
        topics = {key: (name, choices.get(key, True)) for key, name in policy.topics().items()}
        return PreferenceView(lead.id, outbox.id, locale.locale, topics)


def save_preferences(
    outbox_id: int, form: Mapping[str, list[str]], now: datetime | None = None
) -> bool:
    """Store the submitted topic choices (a topic left unticked is turned off)."""
    policy, at = _policy(), as_utc(now)
    chosen = set(form.get("topic", []))
    sequences: dict[str, list[str]] = {}
    for sequence in policy.sequences:
        sequences.setdefault(sequence.topic_key, []).append(sequence.key)
    with session_scope() as session:
        found = _lead_for(outbox_id, session)
        if found is None:
            return False
        outbox, lead = found
        set_topics(
            session,
            lead_id=lead.id,
            choices={t: t in chosen for t in sequences},
            topic_sequences=sequences,
            source="preference_centre",
            evidence={"outbox_id": outbox.id},
            at=at,
        )
    return True


def render_page(view: PreferenceView, token: str, saved: bool = False) -> str:
    words = TEXT.get(view.locale.split("-")[0], TEXT["en"])
    safe = html.escape(token, quote=True)
    boxes = "".join(
        f'<label><input type="checkbox" name="topic" value="{html.escape(key, quote=True)}"'
        f"{' checked' if on else ''}> {html.escape(name)}</label><br>"
        for key, (name, on) in view.topics.items()
    )
    return (
        f'<!doctype html><html lang="{html.escape(view.locale)}"><meta charset="utf-8">'
        f"<title>{words['title']}</title><h1>{words['title']}</h1>"
        + (f"<p>{words['saved']}</p>" if saved else "")
        + f'<form method="post" action="/u/{safe}"><p>{words["intro"]}</p>{boxes}'
        f'<input type="hidden" name="{FORM_FIELD}" value="1">'
        f'<button type="submit">{words["save"]}</button></form>'
        f'<p>{words["all"]}</p><form method="post" action="/u/{safe}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        f'<button type="submit">{words["stop"]}</button></form>'
    )


def record_one_click(outbox_id: int, now: datetime | None = None) -> None:
    """A one-click unsubscribe is also a withdrawal of consent to marketing email, on record
    with the email it came from (the suppression itself is engagement's)."""
    with session_scope() as session:
        found = _lead_for(outbox_id, session)
        if found is not None:
            record_consent(
                session,
                lead_id=found[1].id,
                purpose=Purpose.MARKETING_EMAIL,
                granted=False,
                basis=LawfulBasis.CONSENT,
                source="list-unsubscribe",
                evidence={"outbox_id": outbox_id},
                at=as_utc(now),
            )
