"""Rows of one batch write: one shape for all, their values taken by name in C."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any


def same_shape(rows: Sequence[Mapping[str, Any]]) -> None:
    """Refuse rows that do not all name the same keys, as an executemany does."""
    keys = rows[0].keys()
    for i, row in enumerate(rows):
        if row.keys() != keys:
            differ = sorted(set(keys) ^ set(row.keys()))
            raise ValueError(f"row {i} does not have the keys of row 0: {', '.join(differ)}")


def tuple_getter(keys: Sequence[Any]) -> Callable[[Any], tuple[Any, ...]]:
    """``itemgetter(*keys)`` returning a tuple for any count of keys (for one key it returns
    the bare value)."""
    if len(keys) > 1:
        return itemgetter(*keys)
    if keys:
        get = itemgetter(keys[0])
        return lambda source: (get(source),)
    return lambda source: ()
