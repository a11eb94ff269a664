"""JSON text for what is written in bulk: a batch's rows and its decisions' inputs.

orjson, not ``json.dumps``: on a batch's decisions it writes the same values in a fraction
of the time (bench/bench_json_text.py), and the ingest pipeline writes about five decisions
per file row. The text differs in form, not in value: no spaces after separators, non-ASCII
characters as UTF-8 rather than ``\\u`` escapes, moments as ``isoformat`` writes them. Keys
that are not strings become strings, as ``json.dumps`` makes them. Two refusals of its own:
an integer beyond 64 bits, and a type it does not know (``default`` may turn it into one).
NaN and infinities become null (``json.dumps`` wrote ``NaN``, which PostgreSQL refuses).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson


def json_text(value: Any, default: Callable[[Any], Any] | None = None) -> str:
    """``value`` as JSON text; ``default`` turns a value orjson does not know into one it does."""
    return orjson.dumps(value, default=default, option=orjson.OPT_NON_STR_KEYS).decode()
