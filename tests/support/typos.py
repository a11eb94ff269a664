"""Names as people type them: random deletions, insertions and substitutions (tests, bench)."""

from __future__ import annotations

import random


def typed(rng: random.Random, name: str, edits: int) -> str:
    """``name`` with ``edits`` random one-letter edits."""
    chars = list(name)
    for _ in range(edits):
        at, kind = rng.randrange(len(chars)), rng.choice("dis")
        if kind == "d" and len(chars) > 1:
            del chars[at]
        elif kind == "i":
            chars.insert(at, rng.choice("abcdefghijklmnopqrstuvwxyz"))
        else:
            chars[at] = rng.choice("abcdefghijklmnopqrstuvwxyz")
    return "".join(chars)
