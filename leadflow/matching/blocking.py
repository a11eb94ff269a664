"""Candidate pairs: records that share a key under at least one of several rules.

Each rule is a conjunction of keys ("surname & date_of_birth", "company & given_name:phonetic"),
and each rule survives a different corruption: a pair is a candidate when any rule puts both
records in one block. A block larger than ``max_block`` is sorted (by every field, so similar
records sit together) and each record is paired with its ``window`` neighbours only; a rule that
would still make too many pairs is dropped. Everything is counted in the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from leadflow.matching.columns import Table
from leadflow.matching.kinds import BlockingOptions, Kind

STRONG = (Kind.EMAIL, Kind.PHONE, Kind.IDENTIFIER)  # one key alone is selective enough
WEAK = (Kind.NAME, Kind.COMPANY, Kind.DATE, Kind.POSTCODE, Kind.ADDRESS, Kind.DOMAIN)


@dataclass(frozen=True)
class Rule:
    keys: tuple[str, ...]

    @property
    def name(self) -> str:
        return " & ".join(self.keys)

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(k.partition(":")[0] for k in self.keys)


@dataclass
class RuleReport:
    rule: str
    pairs: int = 0  # pairs this rule makes
    new_pairs: int = 0  # of which no earlier rule made
    blocks: int = 0
    largest_block: int = 0
    windowed_blocks: int = 0  # blocks over max_block, compared within a sliding window
    dropped: str | None = None


@dataclass
class Candidates:
    left: np.ndarray  # int64 record ids, left < right
    right: np.ndarray
    rules: list[Rule]
    report: list[RuleReport]
    samples: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # rule -> pairs it made

    def __len__(self) -> int:
        return len(self.left)

    def report_for(self, rule: Rule) -> RuleReport:
        return next(r for r in self.report if r.rule == rule.name)


def default_rules(table: Table, groups: list[list[str]] = ()) -> list[Rule]:  # type: ignore[assignment]
    """Rules from the fields present: each strong key alone, every two weak fields together
    (unless they are one dependent group: colleagues share company and city), sound-alike
    names together, and company sound-alikes (pinyin initials for Chinese) with a name."""
    kinds = {name: col.kind for name, col in table.columns.items()}
    group_of = {name: k for k, group in enumerate(groups) for name in group}
    rules = [Rule((name,)) for name, kind in kinds.items() if kind in STRONG]
    weak = [name for name, kind in kinds.items() if kind in WEAK]
    rules += [Rule((a, b)) for a, b in combinations(weak, 2)
              if group_of.get(a, a) != group_of.get(b, b)]
    names = [name for name, kind in kinds.items() if kind is Kind.NAME]
    if len(names) >= 2:
        rules.append(Rule(tuple(f"{n}:phonetic" for n in names[:2])))
    for company in (name for name, kind in kinds.items() if kind is Kind.COMPANY):
        rules += [Rule((f"{company}:phonetic", f"{other}:prefix3")) for other in names[:2]]
    # Single weak fields last: affordable on small files, dropped by the pair budget on big ones.
    rules += [Rule((name,)) for name in weak]
    return rules


def rule_codes(table: Table, rule: Rule) -> np.ndarray:
    """One int64 code per record for the rule's combined key; -1 when any key is missing."""
    combined = np.zeros(table.n, np.int64)
    missing = np.zeros(table.n, bool)
    for key in rule.keys:
        column = table.key(key)
        codes = column.codes.astype(np.int64)
        missing |= codes < 0
        width = max(len(column.values), 1)
        if int(combined.max(initial=0)) >= (2**62) // width:
            combined = np.unique(combined, return_inverse=True)[1].astype(np.int64)
        combined = combined * width + np.maximum(codes, 0)
    combined[missing] = -1
    return combined


@dataclass
class _Blocked:
    codes: np.ndarray  # rule key per record
    pos: np.ndarray  # position of each record in the rule's sorted order
    big: np.ndarray  # record sits in a windowed block


def _plan(codes: np.ndarray, order_key: np.ndarray, opts: BlockingOptions
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, RuleReport]:
    """Sorted record ids, partners per sorted position, big-block flag per sorted position."""
    ids = np.flatnonzero(codes >= 0)
    ids = ids[np.lexsort((order_key[ids], codes[ids]))]
    sc = codes[ids]
    report = RuleReport("")
    if len(ids) < 2:
        return ids, np.zeros(len(ids), np.int64), np.zeros(len(ids), bool), report
    starts = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]])
    sizes = np.diff(np.r_[starts, len(ids)])
    ends = np.repeat(starts + sizes, sizes)
    after = ends - np.arange(len(ids)) - 1
    big_group = sizes > opts.max_block
    big = np.repeat(big_group, sizes)
    partners = np.where(big, np.minimum(after, opts.window), after)
    report.blocks = int((sizes > 1).sum())
    report.largest_block = int(sizes.max())
    report.windowed_blocks = int(big_group.sum())
    return ids, partners.astype(np.int64), big, report


def _expand(ids: np.ndarray, partners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    total = int(partners.sum())
    first = np.repeat(np.arange(len(ids)), partners)
    offset = np.arange(total) - np.repeat(np.cumsum(partners) - partners, partners)
    a, b = ids[first], ids[first + 1 + offset]
    return np.minimum(a, b), np.maximum(a, b)


def _made_by(blocked: _Blocked, a: np.ndarray, b: np.ndarray, window: int) -> np.ndarray:
    same = (blocked.codes[a] == blocked.codes[b]) & (blocked.codes[a] >= 0)
    near = np.abs(blocked.pos[a] - blocked.pos[b]) <= window
    return same & (~blocked.big[a] | near)


def order_key(table: Table) -> np.ndarray:
    """Rank of each record when sorted by all fields: near ranks are alike records."""
    keys = [col.codes for col in reversed(list(table.columns.values()))]
    order = np.lexsort(keys) if keys else np.arange(table.n)
    rank = np.empty(table.n, np.int64)
    rank[order] = np.arange(table.n)
    return rank


def candidate_pairs(table: Table, rules: list[Rule] | None = None,
                    opts: BlockingOptions | None = None, sample_per_rule: int = 60_000,
                    seed: int = 0, groups: list[list[str]] = ()) -> Candidates:  # type: ignore[assignment]
    """Union of the rules' pairs; in a link (table.source set) only pairs across the sides."""
    opts = opts or BlockingOptions()
    if rules is None:
        rules = [Rule(tuple(keys)) for keys in opts.rules] if opts.rules else default_rules(table, groups)
    rank = order_key(table)
    rng = np.random.default_rng(seed)
    planned = []
    for rule in rules:
        codes = rule_codes(table, rule)
        ids, partners, big, report = _plan(codes, rank, opts)
        report.rule = rule.name
        planned.append((rule, codes, ids, partners, big, report, int(partners.sum())))
    planned.sort(key=lambda p: p[6])  # cheapest first: pairs count as found by the sharpest rule
    lefts, rights, kept, reports, samples, earlier = [], [], [], [], {}, []
    budget = opts.max_pairs_per_record * max(table.n, 1)
    for rule, codes, ids, partners, big, report, expected in planned:
        reports.append(report)
        if expected > budget:
            report.dropped = f"{expected:,} pairs is over the budget of {int(budget):,}"
            continue
        a, b = _expand(ids, partners)
        if table.source is not None:
            cross = table.source[a] != table.source[b]
            a, b = a[cross], b[cross]
        report.pairs = len(a)
        index = len(kept)
        if len(a) > sample_per_rule:
            pick = np.sort(rng.choice(len(a), sample_per_rule, replace=False))
            samples[index] = (a[pick], b[pick])
        else:
            samples[index] = (a, b)
        fresh = np.ones(len(a), bool)
        for blocked in earlier:
            fresh &= ~_made_by(blocked, a, b, opts.window)
        a, b = a[fresh], b[fresh]
        report.new_pairs = len(a)
        lefts.append(a)
        rights.append(b)
        pos = np.zeros(table.n, np.int64)
        pos[ids] = np.arange(len(ids))
        big_record = np.zeros(table.n, bool)
        big_record[ids[big]] = True
        earlier.append(_Blocked(codes, pos, big_record))
        kept.append(rule)
    left = np.concatenate(lefts) if lefts else np.empty(0, np.int64)
    right = np.concatenate(rights) if rights else np.empty(0, np.int64)
    return Candidates(left, right, kept, reports, samples)
