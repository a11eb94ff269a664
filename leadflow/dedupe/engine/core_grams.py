"""Which account core names could be close to a lead's, without scoring every account.

Scoring a lead's company against every owned account's core name costs one comparison per
account per lead: on 20,000 generated firms that was 92% of the account step's samples, and
it grows with the accounts. Instead each core is cut into grams (three-letter pieces of each padded
word, ``$acme$`` -> ``$ac acm cme me$``; single characters for Chinese names) and a lead's
core is scored only against the cores it shares grams with, found by prefix filtering
(Bayardo et al., "Scaling up all pairs similarity search", WWW 2007): if x and y share at
least ``SHARE * min(|x|, |y|)`` grams, then any ``|x| - ceil(SHARE * |x|) + 1`` grams of x hold
one of them (x the shorter: found through the index of every gram), or that many of y's do
(y the shorter: found through the index of each core's prefix grams). The rarest grams are
taken as the prefix, which keeps the lists read short; which ones does not matter to the bound.

What the bound keeps: names whose words lie inside the other's share all the shorter's grams;
an edit changes at most three grams of a word, so names a few typos apart share well over
``SHARE`` of them. Names the scorer calls close (>= 0.88) but sharing fewer grams would be
missed: a scorer at 0.88 allows an edit every four letters, grams do not. Measured against
scoring every core (bench/bench_account_cores.py: 20,000 generated firms, 4,000 names with
one to four random edits each): at a share of 0.5, 2 of 3,723 one-edit names lost an account
ranked below the best one; at 0.3 no answer differs, with 8% of the cores scored. The scored
share is still a share: a common word (Analytics, Studios) brings every core that has it.
tests/dedupe/unit/test_core_grams.py checks the same on smaller sets.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence

from leadflow.dedupe.engine.text import has_han

SHARE = 0.3  # of the shorter name's grams that two close names share (see the docstring)


def grams(core: str) -> frozenset[str]:
    """Three-letter pieces of each padded word; for Chinese names, each character."""
    if has_han(core):
        return frozenset(core.replace(" ", ""))
    out: set[str] = set()
    for word in core.split():
        padded = f"${word}$"
        out.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(out)


def _prefix_length(size: int) -> int:
    return size - math.ceil(SHARE * size) + 1


class CoreGrams:
    """Cores indexed by all their grams and by their rarest ones (see the module docstring)."""

    def __init__(self, cores: Iterable[str]):
        self.order: dict[str, int] = {}
        self.names: list[str] = []  # by order: a core's position is its number
        self.frequency: Counter[str] = Counter()
        # Gram -> the numbers of the cores that hold it. Numbers, not names: the union of a
        # lookup's lists and its sort are then over small ints, without a key function (a
        # third of a lookup's time went into sorting names by their order).
        self.full: dict[str, list[int]] = {}
        self.rare: dict[str, list[int]] = {}
        self.add(cores)

    def add(self, cores: Iterable[str]) -> None:
        """Index more cores. Those indexed earlier keep the rarest grams of their time: the
        bound holds for any choice of a core's prefix grams, the rarest only keep it short."""
        cut = {core: grams(core) for core in cores if core not in self.order}
        self.frequency.update(g for found in cut.values() for g in found)
        for core, found in cut.items():
            number = self.order[core] = len(self.names)
            self.names.append(core)
            for gram in found:
                self.full.setdefault(gram, []).append(number)
            for gram in self._rarest(found):
                self.rare.setdefault(gram, []).append(number)

    def _rarest(self, found: frozenset[str]) -> list[str]:
        ranked = sorted(found, key=lambda g: (self.frequency.get(g, 0), g))
        return ranked[: _prefix_length(len(ranked))]

    def candidates(self, core: str) -> list[str]:
        """Every core that may be close to ``core``, in the order the cores were given."""
        names = self.names
        return [names[number] for number in self.numbers(core)]

    def numbers(self, core: str, since: int = 0) -> list[int]:
        """The numbers of ``candidates(core)``, ascending; with ``since``, only the cores
        numbered from there on (those added after an earlier lookup: each gram's list holds
        its numbers ascending, so they are its tail)."""
        found = grams(core)
        near: set[int] = set()
        for gram in self._rarest(found):  # cores at least as long as this one
            near.update(_tail(self.full.get(gram, ()), since))
        for gram in found:  # cores shorter than this one
            near.update(_tail(self.rare.get(gram, ()), since))
        return sorted(near)


def _tail(numbers: Sequence[int], since: int) -> Sequence[int]:
    if not since or not numbers or numbers[0] >= since:
        return numbers
    return numbers[bisect_left(numbers, since) :]
