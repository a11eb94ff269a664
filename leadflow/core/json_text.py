"""JSON text for what is written in bulk: a batch's rows and its decisions' inputs.

orjson, not ``json.dumps``: on a batch's decisions it writes the same values in a fraction
of the time (bench/bench_json_text.py), and the ingest pipeline writes about five decisions
per file row. The text differs in form, not in value: no spaces after separators, non-ASCII
characters as UTF-8 rather than ``\\u`` escapes, moments as ``isoformat`` writes them. Keys
that are not strings become strings, as ``json.dumps`` makes them. A type it does not know is
refused (``default`` may turn it into one). An integer beyond 64 bits, which orjson refuses,
is written by ``json.dumps`` instead: a form or a JSON file may carry one (a phone number
sent as a number), and refusing it lost the whole row or batch. NaN and infinities become
null (``json.dumps`` wrote ``NaN``, which PostgreSQL refuses).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, time
from functools import partial
from typing import Any

import orjson


def json_text(value: Any, default: Callable[[Any], Any] | None = None) -> str:
    """``value`` as JSON text; ``default`` turns a value orjson does not know into one it does."""
    try:
        return orjson.dumps(value, default=default, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError as exc:
        if str(exc) != _TOO_BIG:
            raise
    return json.dumps(
        value, default=partial(_as_orjson_writes, default), ensure_ascii=False, allow_nan=False
    )


_TOO_BIG = "Integer exceeds 64-bit range"  # orjson's message, its only way to tell


def _as_orjson_writes(default: Callable[[Any], Any] | None, value: Any) -> Any:
    """For json.dumps: moments as orjson writes them (``isoformat``), the rest by ``default``."""
    if isinstance(value, date | time):
        return value.isoformat()
    if default is None:
        raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")
    return default(value)
