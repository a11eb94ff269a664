"""One outbox row to one message, or the reason it must not go out. No database, no SMTP.

The outbox and ``leadflow nurture preview`` both call this with the same row shape (the
outbox row's columns, the lead's as ``l_<field>``, and a few joined names), so a
preview is exactly what the send would be.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from leadflow.nurture.policy import NurturePolicy
from leadflow.core.decisions import decision_row
from leadflow.nurture.render_steps import LEAD_FIELDS, Links, Renderer, render_nurture, unsubscribe_headers
from leadflow.nurture.timezones import zone_for
from leadflow.routing.rep_links import rep_link_urls
from leadflow.nurture.sequence import suppression_kind
from leadflow.nurture.mailer import OutgoingEmail, build_raw, new_message_id, sender_address
from leadflow.core.settings import Settings

REP_SUBJECT = "New lead for you: {{ lead.full_name or lead.email }} ({{ lead.company or lead.domain }})"
LEAD_COLUMNS = (*LEAD_FIELDS, "phone_e164", "suppressed", "suppression_reason")


@dataclass
class Composer:
    settings: Settings
    policy: NurturePolicy
    renderer: Renderer

    def compose(self, row: Mapping[str, Any], blocked: Mapping[str, str],
                clicks: list[dict[str, Any]]) -> OutgoingEmail | str:
        """The message for an outbox row; tracked links it needs are appended to ``clicks``."""
        if row["l_id"] is None:
            return "lead gone"
        lead = {name: row[f"l_{name}"] for name in LEAD_FIELDS}
        message_id = row["message_id"] or new_message_id(self.settings)
        if row["kind"] == "rep_notification":
            return self._rep_notification(row, lead, message_id)
        why = suppression_kind(blocked.get(row["to_addr"].lower()), bool(row["l_suppressed"]),
                               row["l_suppression_reason"])
        if why:  # checked at send time: a suppression after queueing still stops the email
            return f"suppressed: {why}"
        if row["enrollment_status"] in (None, "exited"):
            return "enrollment exited"
        index = row["step"] or 0
        sequence = next((s for s in self.policy.sequences if s.key == row["sequence"]), None)
        if sequence is None or index >= len(sequence.steps):
            return f"step {index + 1} of {row['sequence']} is no longer in the policy"
        step = sequence.steps[index]
        links = Links(self.settings.secret_key.get_secret_value(), self.settings.public_base_url, row["id"])
        email = render_nurture(self.renderer, step.template, step.subject, lead, links, row["campaign_name"],
                               self.settings.postal_address)
        clicks.extend({"outbound_email_id": row["id"], "position": p, "url": u} for p, u in links.clicks.items())
        return build_raw(self.settings, row["to_addr"], email, message_id,
                         unsubscribe_headers(links, sender_address(self.settings)))

    def _rep_notification(self, row: Mapping[str, Any], lead: dict[str, Any], message_id: str) -> OutgoingEmail | str:
        if row["assignment_status"] != "offered" or row["rep_name"] is None:
            return "assignment no longer open"
        assigned, due = row["assigned_at"], row["sla_due_at"]
        expires = assigned + timedelta(hours=self.settings.rep_link_ttl_hours)
        links = rep_link_urls(self.settings.secret_key.get_secret_value(), self.settings.public_base_url,
                              row["assignment_id"], expires)
        context = {"lead": lead, "rep": {"name": row["rep_name"]}, "reason": row["rule_id"],
                   "sla_hours": round((due - assigned).total_seconds() / 3600),
                   "sla_due": due.strftime("%Y-%m-%d %H:%M UTC"), "actions": links,
                   "actions_expire": expires.strftime("%Y-%m-%d %H:%M UTC")}
        email, _ = self.renderer.render(self.policy.rep_notification_template, REP_SUBJECT, context)
        return build_raw(self.settings, row["to_addr"], email, message_id)

    def send_decision(self, row: Mapping[str, Any], at: datetime, run_id: str | None) -> dict[str, Any]:
        """Why this email went now: the recipient's zone and local time travel with the send."""
        zone = zone_for(row["l_country"], row["l_state"], row["l_phone_e164"],
                        self.policy.send_policy.default_zone)
        return decision_row(
            lead_id=row["lead_id"], kind="send", rule_id=row["dedupe_key"],
            outcome=f"sent {row['kind']} to {row['to_addr']}"[:200],
            reason=f"due and inside the rules; local time {at.astimezone(zone.zone):%a %H:%M} {zone.zone.key}",
            inputs={"message_id": row["message_id"], "outbox_id": row["id"], "step": row["step"],
                    "zone": zone.zone.key, "zone_source": zone.source, "attempt": row["attempts"] + 1},
            at=at, config_version=self.policy.config_version, flow_run_id=run_id)
