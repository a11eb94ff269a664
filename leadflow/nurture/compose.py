"""One outbox row to one message, or the reason it must not go out. No database, no SMTP.

The outbox and ``leadflow nurture preview`` both call this with the same row shape (the
outbox row's columns, the lead's as ``l_<field>``, and a few joined names), so a
preview is exactly what the send would be.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from leadflow.nurture.policy import NurturePolicy, Step
from leadflow.core.decisions import decision_row
from leadflow.nurture.render_steps import (
    LEAD_FIELDS,
    Links,
    Renderer,
    render_nurture,
    unsubscribe_headers,
)
from leadflow.nurture.timezones import zone_for
from leadflow.routing.rep_links import rep_link_urls
from leadflow.nurture.sequence import suppression_kind
from leadflow.nurture.mailer import OutgoingEmail, build_raw, new_message_id
from leadflow.nurture.sender import sender_address
from leadflow.nurture.consent import NO_FACTS, ConsentFacts, consent_block, tracking_allowed
from leadflow.nurture.l10n import local_datetime
from leadflow.nurture.locale import fallbacks, lead_locale
from leadflow.nurture.rep_notice import RepDirectory
from leadflow.nurture.variants import variant_content
from leadflow.core.settings import Settings
from leadflow.core.statuses import AssignmentStatus, EnrollmentStatus

REP_SUBJECT = (
    "New lead for you: {{ lead.full_name or lead.email }} ({{ lead.company or lead.domain }})"
)
# Rep notification subjects per language; the body is templates/email/rep_notification[.<locale>].*
REP_SUBJECTS = {
    "en": REP_SUBJECT,
    "zh": "新线索：{{ lead.full_name or lead.email }}（{{ lead.company or lead.domain }}）",
}
LEAD_COLUMNS = (*LEAD_FIELDS, "phone_e164", "suppressed", "suppression_reason")


def step_subject(step: Step, locale: str) -> str:
    """The step's subject in the reader's locale (zh-CN, then zh), else its default subject."""
    return next((step.subjects[t] for t in fallbacks(locale) if t in step.subjects), step.subject)


def rep_subject(locale: str) -> str:
    return REP_SUBJECTS.get(locale.split("-")[0], REP_SUBJECT)


@dataclass
class Composer:
    settings: Settings
    policy: NurturePolicy
    renderer: Renderer
    reps: RepDirectory = field(default_factory=RepDirectory)  # rep zones, languages, rule words
    # Lead id -> recorded consent and topic choices; set per chunk by the caller (one query).
    consent: Mapping[int, ConsentFacts] = field(default_factory=dict)

    def compose(
        self, row: Mapping[str, Any], blocked: Mapping[str, str], clicks: list[dict[str, Any]]
    ) -> OutgoingEmail | str:
        """The message for an outbox row; tracked links it needs are appended to ``clicks``."""
        if row["l_id"] is None:
            return "lead gone"
        lead = {name: row[f"l_{name}"] for name in LEAD_FIELDS}
        message_id = row["message_id"] or new_message_id(self.settings)
        if row["kind"] == "rep_notification":
            return self._rep_notification(row, lead, message_id)
        why = suppression_kind(
            blocked.get(row["to_addr"].lower()),
            bool(row["l_suppressed"]),
            row["l_suppression_reason"],
        )
        if why:  # checked at send time: a suppression after queueing still stops the email
            return f"suppressed: {why}"
        step = self._step(row)
        if isinstance(step, str):
            return step
        facts = self.consent.get(row["l_id"], NO_FACTS)
        tracking = tracking_allowed(self.policy.consent, row["l_country"], facts)
        links = Links(
            self.settings.secret_key.get_secret_value(), self.settings.public_base_url, row["id"]
        )
        locale = lead_locale(self.policy.locales, lead).locale
        zone = zone_for(
            row["l_country"],
            row["l_state"],
            row["l_phone_e164"],
            self.policy.send_policy.default_zone,
        )
        # A/B: the lead's arm of the step, if it has some.
        template, subject, subjects = variant_content(step, row.get("variant"))
        subject = next((subjects[t] for t in fallbacks(locale) if t in subjects), subject)
        email = render_nurture(
            self.renderer,
            template,
            subject,
            lead,
            links,
            row["campaign_name"],
            self.settings.postal_address,
            locale,
            zone.zone,
            tracking,
        )
        clicks.extend(
            {"outbound_email_id": row["id"], "position": p, "url": u}
            for p, u in links.clicks.items()
        )
        return build_raw(
            self.settings,
            row["to_addr"],
            email,
            message_id,
            unsubscribe_headers(links, sender_address(self.settings)),
        )

    def _step(self, row: Mapping[str, Any]) -> Step | str:
        """The sequence step this row sends, or why it no longer may (exited, gone, no consent)."""
        if row["enrollment_status"] in (None, EnrollmentStatus.EXITED):
            return "enrollment exited"
        index = row["step"] or 0
        sequence = next((s for s in self.policy.sequences if s.key == row["sequence"]), None)
        if sequence is None or index >= len(sequence.steps):
            return f"step {index + 1} of {row['sequence']} is no longer in the policy"
        facts = self.consent.get(row["l_id"], NO_FACTS)
        withheld = consent_block(self.policy.consent, row["l_country"], facts, sequence.topic_key)
        if withheld:  # withdrawn or turned off since it was queued
            return f"consent: {withheld.value}"
        return sequence.steps[index]

    def _rep_notification(
        self, row: Mapping[str, Any], lead: dict[str, Any], message_id: str
    ) -> OutgoingEmail | str:
        if row["assignment_status"] != AssignmentStatus.OFFERED or row["rep_name"] is None:
            return "assignment no longer open"
        assigned, due = row["assigned_at"], row["sla_due_at"]
        expires = assigned + timedelta(hours=self.settings.rep_link_ttl_hours)
        links = rep_link_urls(
            self.settings.secret_key.get_secret_value(),
            self.settings.public_base_url,
            row["assignment_id"],
            expires,
        )
        reader = self.reps.reader(row.get("rep_key"))
        # Deadlines in the rep's own zone and language; "why you" in words, not a rule id.
        context = {
            "lead": lead,
            "rep": {"name": row["rep_name"]},
            "zone": reader.zone,
            "reason": self.reps.why(row["rule_id"], reader.locale),
            "sla_hours": round((due - assigned).total_seconds() / 3600),
            "sla_due_at": due,
            "sla_due": local_datetime(due, reader.zone, reader.locale),
            "actions": links,
            "actions_expire_at": expires,
            "actions_expire": local_datetime(expires, reader.zone, reader.locale),
        }
        email, _ = self.renderer.render(
            self.policy.rep_notification_template,
            rep_subject(reader.locale),
            context,
            locale=reader.locale,
        )
        return build_raw(self.settings, row["to_addr"], email, message_id)

    def _reader_inputs(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The language (and where it came from) and the A/B variant a nurture email used."""
        if row["kind"] != "nurture" or row["l_id"] is None:
            return {}
        chosen = lead_locale(self.policy.locales, {name: row[f"l_{name}"] for name in LEAD_FIELDS})
        return {
            "locale": chosen.locale,
            "locale_source": chosen.source.value,
            "variant": row.get("variant"),
        }

    def send_decision(
        self, row: Mapping[str, Any], at: datetime, run_id: str | None
    ) -> dict[str, Any]:
        """Why this email went now: the recipient's zone and local time travel with the send."""
        zone = zone_for(
            row["l_country"],
            row["l_state"],
            row["l_phone_e164"],
            self.policy.send_policy.default_zone,
        )
        return decision_row(
            lead_id=row["lead_id"],
            kind="send",
            rule_id=row["dedupe_key"],
            outcome=f"sent {row['kind']} to {row['to_addr']}"[:200],
            reason=f"due and inside the rules; local time {at.astimezone(zone.zone):%a %H:%M} {zone.zone.key}",
            inputs={
                "message_id": row["message_id"],
                "outbox_id": row["id"],
                "step": row["step"],
                "zone": zone.zone.key,
                "zone_source": zone.source,
                "attempt": row["attempts"] + 1,
                **self._reader_inputs(row),
            },
            at=at,
            config_version=self.policy.config_version,
            flow_run_id=run_id,
        )
