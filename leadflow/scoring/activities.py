"""Activity history from a CRM or marketing-automation export, as engagement events (pure).

Two shapes are read:
- a log, one row per activity (HubSpot/Salesforce/Marketo activity exports, leadforge's
  touches, sessions and sales_activities): a lead key, a type, a time, maybe a URL;
- counts as of a date, one row per lead ("Emails Opened", "Number of Sessions",
  pricing_page_views): each count becomes that many events at the as-of date.
Every event keeps its original time so decay applies as if leadflow had seen it live. Types
with no engagement signal are kept under their own name and reported, never dropped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from leadflow.scoring.features import find_column, snake
from leadflow.scoring.values import category_key, is_missing, to_date, to_number

LEAD_ID_HEADERS = ("lead_id", "leadid", "leadflow_id", "lead")
EMAIL_HEADERS = ("email", "email_address", "contact_email", "lead_email", "recipient", "e_mail")
TYPE_HEADERS = (
    "activity_type",
    "event_type",
    "type",
    "touch_type",
    "session_type",
    "activity",
    "event",
    "interaction_type",
    "engagement_type",
    "task_subtype",
)
TIME_HEADERS = (
    "occurred_at",
    "timestamp",
    "activity_date",
    "activity_timestamp",
    "touch_timestamp",
    "session_timestamp",
    "event_timestamp",
    "date",
    "created_date",
    "activity_date_time",
    "completed_date",
    "time",
)
ID_HEADERS = (
    "activity_id",
    "event_id",
    "touch_id",
    "session_id",
    "id",
    "marketo_guid",
    "engagement_id",
)
URL_HEADERS = ("url", "page_url", "link", "web_page", "primary_attribute_value")
AS_OF_HEADERS = ("as_of", "snapshot_date", "last_activity_date", "last_modified_date")

# Activity words in exports -> leadflow event type (engagement.yaml signals), plus a URL for
# the page classes the derived signals look for.
TYPE_WORDS: dict[str, tuple[str, str | None]] = {
    "open": ("open", None),
    "email_open": ("open", None),
    "opened": ("open", None),
    "open_email": ("open", None),
    "email_opened": ("open", None),
    "click": ("click", None),
    "email_click": ("click", None),
    "clicked": ("click", None),
    "click_email": ("click", None),
    "click_link": ("click", None),
    "email_clicked": ("click", None),
    "visit": ("visit", None),
    "website": ("visit", None),
    "web_visit": ("visit", None),
    "page_view": ("visit", None),
    "visit_webpage": ("visit", None),
    "session": ("visit", None),
    "web_session": ("visit", None),
    "pricing_page": ("visit", "/pricing"),
    "pricing": ("visit", "/pricing"),
    "demo_page": ("visit", "/demo"),
    "docs_page": ("visit", "/docs"),
    "form_fill": ("form_fill", None),
    "form": ("form_fill", None),
    "fill_out_form": ("form_fill", None),
    "form_submission": ("form_fill", None),
    "content_download": ("form_fill", None),
    "webinar": ("webinar_attended", None),
    "webinar_attended": ("webinar_attended", None),
    "attended_event": ("webinar_attended", None),
    "reply": ("reply", None),
    "email_reply": ("reply", None),
    "replied": ("reply", None),
    "meeting": ("meeting", None),
    "demo": ("meeting", None),
    "meeting_booked": ("meeting", None),
    "call": ("call", None),
    "phone_call": ("call", None),
    "log_a_call": ("call", None),
    "unsubscribe": ("unsubscribe", None),
    "unsubscribed": ("unsubscribe", None),
    "bounce": ("bounce", None),
    "bounced": ("bounce", None),
    "hard_bounce": ("bounce", None),
}
# Count columns (counts as of a date) -> (event type, URL), Salesforce/HubSpot/Marketo/leadforge.
COUNT_COLUMNS: dict[str, tuple[str, str | None]] = {
    "emails_opened": ("open", None),
    "email_opens": ("open", None),
    "hs_email_open": ("open", None),
    "emails_clicked": ("click", None),
    "email_clicks": ("click", None),
    "hs_email_click": ("click", None),
    "number_of_sessions": ("visit", None),
    "hs_analytics_num_visits": ("visit", None),
    "session_count": ("visit", None),
    "web_sessions": ("visit", None),
    "visits": ("visit", None),
    "pricing_page_views": ("visit", "/pricing"),
    "demo_page_views": ("visit", "/demo"),
    "docs_page_views": ("visit", "/docs"),
    "form_submissions": ("form_fill", None),
    "number_of_form_submissions": ("form_fill", None),
    "hs_analytics_num_event_completions": ("form_fill", None),
    "meetings": ("meeting", None),
    "number_of_meetings": ("meeting", None),
    "calls": ("call", None),
    "number_of_calls": ("call", None),
    "webinars_attended": ("webinar_attended", None),
}


@dataclass(frozen=True)
class Activity:
    event_id: str  # stable: the same row imports onto itself
    lead_key: str  # email (lower case) or "#<lead id>"
    type: str
    occurred_at: datetime
    url: str | None
    original_type: str
    line_no: int


@dataclass(frozen=True)
class Layout:
    lead: str
    by_email: bool
    type: str | None
    time: str | None
    id: str | None
    url: str | None
    counts: dict[str, tuple[str, str | None]]


def read_layout(headers: Sequence[str]) -> Layout | None:
    email = find_column(headers, EMAIL_HEADERS)
    lead = email or find_column(headers, LEAD_ID_HEADERS)
    if lead is None:
        return None
    counts = {h: COUNT_COLUMNS[snake(h)] for h in headers if snake(h) in COUNT_COLUMNS}
    return Layout(
        lead,
        email is not None,
        find_column(headers, TYPE_HEADERS),
        find_column(headers, TIME_HEADERS),
        find_column(headers, ID_HEADERS),
        find_column(headers, URL_HEADERS),
        counts,
    )


def event_type(raw: Any) -> tuple[str, str | None, bool]:
    """(leadflow type, URL hint, known?) for an export's activity word."""
    key = category_key(raw) or "unknown"
    if key in TYPE_WORDS:
        return (*TYPE_WORDS[key], True)
    return key[:30], None, False


def lead_key(layout: Layout, row: Mapping[str, Any]) -> str | None:
    value = row.get(layout.lead)
    if is_missing(value):
        return None
    text = str(value).strip().lower()
    return text if layout.by_email else f"#{text}"


def _stable_id(source: str, row: Mapping[str, Any], extra: str = "") -> str:
    text = "\x1f".join(f"{k}={row[k]}" for k in sorted(row)) + extra
    return f"{source}:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


def activities_of(
    source: str, line_no: int, row: Mapping[str, Any], layout: Layout, as_of: datetime
) -> tuple[list[Activity], str | None]:
    """The events one row stands for, or the reason it stands for none."""
    key = lead_key(layout, row)
    if key is None:
        return [], "no lead email or id"
    out: list[Activity] = []
    if layout.type:
        when = to_date(row.get(layout.time)) if layout.time else None
        if when is None:
            return [], f"no readable time in {layout.time or 'any column'}"
        kind, hint, _known = event_type(row.get(layout.type))
        url = (
            None if layout.url is None or is_missing(row.get(layout.url)) else str(row[layout.url])
        )
        event_id = (
            f"{source}:{row[layout.id]}"
            if layout.id and not is_missing(row.get(layout.id))
            else _stable_id(source, row)
        )
        out.append(
            Activity(event_id, key, kind, when, url or hint, str(row.get(layout.type)), line_no)
        )
    for column, (kind, hint) in layout.counts.items():
        count = int(to_number(row.get(column)) or 0)
        when = to_date(row.get(find_column(row.keys(), AS_OF_HEADERS) or "")) or as_of
        for n in range(min(count, 500)):
            out.append(
                Activity(
                    f"{source}:{key}:{snake(column)}:{n}", key, kind, when, hint, column, line_no
                )
            )
    return out, None
