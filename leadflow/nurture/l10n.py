"""Words and figures in the reader's language: greetings, dates, numbers (Babel). Pure.

Templates get these as Jinja filters that read ``locale`` (and ``zone``) from the render
context, so one template set serves every reader: ``{{ sla_due|local_datetime }}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time, get_timezone_name
from babel.numbers import format_decimal
from jinja2 import pass_context
from jinja2.runtime import Context

from leadflow.nurture.locale import babel_locale

DEFAULT_LOCALE = "en"
# Languages that write the family name first, with no space, and greet by the whole name.
FAMILY_FIRST = frozenset({"zh", "ja", "ko"})
# (with a name, without one); {name} is the greeting name.
GREETINGS: dict[str, tuple[str, str]] = {
    "en": ("Hi {name},", "Hi there,"),
    "zh": ("{name}，您好！", "您好！"),
    "ja": ("{name}様", "ご担当者様"),
    "de": ("Hallo {name},", "Hallo,"),
    "fr": ("Bonjour {name},", "Bonjour,"),
    "es": ("Hola {name}:", "Hola:"),
}


def _language(tag: str) -> str:
    return tag.split("-")[0].lower()


def greeting_name(lead: Mapping[str, Any], tag: str = DEFAULT_LOCALE) -> str | None:
    """How the reader is addressed: the given name, or the whole name where that is polite."""
    if _language(tag) in FAMILY_FIRST:
        joined = f"{lead.get('last_name') or ''}{lead.get('first_name') or ''}"
        return lead.get("full_name") or joined or None
    return lead.get("first_name") or lead.get("full_name") or None


def greeting(lead: Mapping[str, Any], tag: str = DEFAULT_LOCALE) -> str:
    """The opening line: never "Dear ," and never an English greeting in a Chinese email."""
    with_name, without = GREETINGS.get(_language(tag), GREETINGS[DEFAULT_LOCALE])
    name = greeting_name(lead, tag)
    return with_name.format(name=name) if name else without


def local_datetime(moment: datetime, zone: ZoneInfo, tag: str) -> str:
    """A moment as the reader reads it: their zone and their language, the zone named."""
    locale, local = babel_locale(tag), moment.astimezone(zone)
    day = format_skeleton("yMMMEd", local, tzinfo=zone, locale=locale)
    clock = format_time(local, "short", tzinfo=zone, locale=locale)
    return f"{day} {clock} ({get_timezone_name(local, 'long', locale=locale)})"


def local_date(moment: datetime, zone: ZoneInfo, tag: str) -> str:
    return format_date(moment.astimezone(zone).date(), "long", locale=babel_locale(tag))


def local_number(value: float | int, tag: str) -> str:
    return format_decimal(value, locale=babel_locale(tag))


def _reader(context: Context) -> tuple[str, ZoneInfo]:
    zone = context.get("zone")
    return str(context.get("locale") or DEFAULT_LOCALE), zone if isinstance(
        zone, ZoneInfo
    ) else ZoneInfo("UTC")


@pass_context
def _datetime_filter(context: Context, value: datetime) -> str:
    tag, zone = _reader(context)
    return local_datetime(value, zone, tag)


@pass_context
def _date_filter(context: Context, value: datetime) -> str:
    tag, zone = _reader(context)
    return local_date(value, zone, tag)


@pass_context
def _number_filter(context: Context, value: float | int) -> str:
    return local_number(value, _reader(context)[0])


FILTERS = {
    "local_datetime": _datetime_filter,
    "local_date": _date_filter,
    "local_number": _number_filter,
}
