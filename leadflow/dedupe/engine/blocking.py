"""Candidate pairs: records that share a key under at least one of several rules.

Each rule is a conjunction of keys ("surname & date_of_birth", "company & given_name:phonetic"),
and each rule survives a different corruption: a pair is a candidate when any rule puts both
records in one block. All rules share one pair budget (budget.py): blocks are compared
all-to-all from the smallest up; bigger blocks are sorted (by every field, so similar records
sit together) and each record is paired with its ``window`` neighbours while budget is left, or
not compared at all. Everything is counted in the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from leadflow.dedupe.engine import budget
from leadflow.dedupe.engine.columns import Table
from leadflow.dedupe.kinds import BlockingOptions, Kind

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
    windowed_blocks: int = 0  # blocks over the cap, compared within a sliding window
    skipped_blocks: int = 0  # blocks over the cap, not compared (over the budget)
    compared_share: float = 1.0  # of the records in blocks of 2+, those whose block is compared
    dropped: str | None = None


@dataclass
class Candidates:
    left: np.ndarray  # int64 record ids, left < right
    right: np.ndarray
    rules: list[Rule]
    report: list[RuleReport]
    samples: dict[int, tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict
    )  # rule -> pairs it made

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
    rules += [
        Rule((a, b)) for a, b in combinations(weak, 2) if group_of.get(a, a) != group_of.get(b, b)
    ]
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


def order_key(table: Table) -> np.ndarray:
    """Rank of each record when sorted by all fields: near ranks are alike records."""
    keys = [col.codes for col in reversed(list(table.columns.values()))]
    order = np.lexsort(keys) if keys else np.arange(table.n)
    rank = np.empty(table.n, np.int64)
    rank[order] = np.arange(table.n)
    return rank


def candidate_pairs(
    table: Table,
    rules: list[Rule] | None = None,
    opts: BlockingOptions | None = None,
    sample_per_rule: int = 60_000,
    seed: int = 0,
    groups: list[list[str]] = (),
) -> Candidates:  # type: ignore[assignment]
    """Union of the rules' pairs within one pair budget (see budget.py); in a link (table.source
    set) only pairs across the sides."""
    opts = opts or BlockingOptions()
    if rules is None:
        rules = (
            [Rule(tuple(keys)) for keys in opts.rules]
            if opts.rules
            else default_rules(table, groups)
        )
    rank = order_key(table)
    blocks = [budget.blocks_of(rule_codes(table, rule), rank, table.source) for rule in rules]
    allotment = budget.allot(blocks, opts, max(opts.max_pairs_per_record * table.n, opts.min_pairs))
    counts = [
        budget.partners(b, allotment, w, opts.window)
        for b, w in zip(blocks, allotment.windowed, strict=True)
    ]
    rng = np.random.default_rng(seed)
    keys, kept, reports, kept_reports, samples = [], [], [], [], {}
    # cheapest first: a pair counts as found by the sharpest rule that makes it
    for r in np.argsort([int(c.sum()) for c in counts], kind="stable"):
        rule, blk, count = rules[r], blocks[r], counts[r]
        report = _report(rule, blk, allotment, allotment.windowed[r])
        reports.append(report)
        if not count.any():
            report.dropped = f"blocks over {allotment.cap} records are over the pair budget"
            continue
        a, b = budget.expand(blk.ids, count)
        if table.source is not None:
            cross = table.source[a] != table.source[b]
            a, b = a[cross], b[cross]
        report.pairs = len(a)
        if len(a) > sample_per_rule:
            pick = np.sort(rng.choice(len(a), sample_per_rule, replace=False))
            samples[len(kept)] = (a[pick], b[pick])
        else:
            samples[len(kept)] = (a, b)
        keys.append(a * table.n + b)
        kept.append(rule)
        kept_reports.append(report)
    left, right, first = budget.union(keys, table.n)
    for report, fresh in zip(kept_reports, np.bincount(first, minlength=len(kept)), strict=True):
        report.new_pairs = int(fresh)
    return Candidates(left, right, kept, reports, samples)


def _report(
    rule: Rule, blk: budget.Blocks, allotment: budget.Allotment, windowed: bool
) -> RuleReport:
    over = blk.sizes > allotment.cap
    multi = blk.sizes > 1
    keyed = max(int(blk.sizes[multi].sum()), 1)
    lost = int(blk.sizes[over].sum()) if not windowed else 0
    return RuleReport(
        rule.name,
        blocks=int(multi.sum()),
        largest_block=int(blk.sizes.max(initial=0)),
        windowed_blocks=int(over.sum()) if windowed else 0,
        skipped_blocks=0 if windowed else int(over.sum()),
        compared_share=1.0 - lost / keyed,
    )
