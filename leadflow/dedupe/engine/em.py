"""Fellegi-Sunter weights learned from the data itself, without labels.

* u (how often two records that are NOT the same agree at each level) comes from random pairs;
  the "exact" level's u is exact arithmetic over the value counts.
* m (how often two records that ARE the same agree at each level) comes from EM, run once per
  blocking rule on a sample of that rule's pairs, leaving out the rule's own fields (among
  those pairs they agree by construction, so they would teach nothing true). Estimates of one
  field from different rules are averaged, weighted by how many matches each session found.
* The prior (probability that two random records match) follows from each session too: its
  matches divided by the rule's recall (the chance a true pair shares the rule's keys, from the m
  of the fields it blocks on); the median over rules is kept.
* Term frequencies: an exact agreement on a value weighs log2(u_exact / u_value), u_value being
  the chance that a random other record has that same value (rare surnames count for more).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leadflow.dedupe.engine.blocking import Candidates, Rule
from leadflow.dedupe.engine.columns import Table
from leadflow.dedupe.engine.compare import LEVELS, compare_all
from leadflow.dedupe.kinds import Kind

M_FLOOR = 1e-4
# What two random records' exact agreement usually is, per kind: mixed in as PSEUDO_PAIRS pairs,
# so a handful of records cannot claim that everyone shares an email address.
U_EXACT_DEFAULT = {
    Kind.EMAIL: 1e-5,
    Kind.PHONE: 1e-5,
    Kind.IDENTIFIER: 1e-5,
    Kind.NAME: 5e-3,
    Kind.COMPANY: 5e-3,
    Kind.DOMAIN: 5e-3,
    Kind.DATE: 1e-3,
    Kind.POSTCODE: 5e-3,
    Kind.ADDRESS: 1e-2,
    Kind.TEXT: 1e-3,
    Kind.CATEGORY: 0.1,
}
PSEUDO_PAIRS = 1000.0
PSEUDO_RECORDS = 30.0  # the same for a value's frequency (term-frequency adjustment)


@dataclass
class FieldModel:
    name: str
    kind: Kind
    m: np.ndarray  # P(level | match), over non-missing levels
    u: np.ndarray  # P(level | non-match)
    tf: bool = True  # adjust the exact level by the frequency of the value
    m_estimated: bool = True

    @property
    def labels(self) -> tuple[str, ...]:
        return LEVELS[self.kind]

    @property
    def bits(self) -> np.ndarray:
        return np.log2(self.m / self.u)


def combine(
    contributions: list[np.ndarray], names: list[str], groups: list[list[str]]
) -> np.ndarray:
    """Sum of per-field log-likelihood ratios, where a dependent group adds only its strongest
    agreement (and all of its disagreements). Sums in the contributions' precision."""
    index = {name: k for k, name in enumerate(names)}
    grouped = {name for group in groups for name in group}
    total = np.zeros(
        len(contributions[0]) if contributions else 0,
        contributions[0].dtype if contributions else float,
    )
    for name, k in index.items():
        if name not in grouped:
            total += contributions[k]
    for group in groups:
        best = None
        for name in group:
            c = contributions[index[name]]
            total += np.minimum(c, 0.0, dtype=total.dtype)
            best = (
                np.maximum(c, 0.0, dtype=total.dtype)
                if best is None
                else np.maximum(best, c, out=best)
            )
        if best is not None:
            total += best
    return total


@dataclass
class Model:
    fields: list[FieldModel]
    prior: float  # probability that two random records (two across sides, when linking) match
    sessions: list[dict[str, object]]
    groups: list[list[str]]  # dependent fields (see dependence.py)

    def tf_bits(self, table: Table, fm: FieldModel) -> np.ndarray:
        """Per value of the table's column: bits added to an exact agreement on that value."""
        per_value = _exact_u(table, fm.name)[1]
        return np.log2(fm.u[-1] / np.maximum(per_value, 1e-9))

    def log2_odds(self, table: Table, levels: np.ndarray, left: np.ndarray) -> np.ndarray:
        """Posterior log2 odds of a match for each compared pair.

        In float32: tens of millions of pairs times eight fields, and a weight is known to a few
        hundredths of a bit at best."""
        parts = []
        for k, fm in enumerate(self.fields):
            lv = levels[:, k]
            lookup = np.r_[0.0, fm.bits].astype(np.float32)
            part = lookup[lv + 1]  # missing (-1) weighs nothing; one gather per field
            if fm.tf and len(table.columns[fm.name].values):
                exact = np.flatnonzero(lv == len(fm.m) - 1)
                tf = self.tf_bits(table, fm).astype(np.float32)
                part[exact] += tf[table.columns[fm.name].codes[left[exact]]]
            parts.append(part)
        names = [fm.name for fm in self.fields]
        odds = combine(parts, names, self.groups)
        odds += np.float32(np.log2(self.prior / (1.0 - self.prior)))
        return odds

    def probability(self, table: Table, levels: np.ndarray, left: np.ndarray) -> np.ndarray:
        odds = self.log2_odds(table, levels, left).astype(
            np.float64
        )  # float64 out, as callers expect
        return 1.0 / (1.0 + np.exp2(-np.clip(odds, -60, 60)))


def random_pairs(table: Table, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    if table.source is not None:
        lefts, rights = np.flatnonzero(table.source == 0), np.flatnonzero(table.source == 1)
        a, b = rng.choice(lefts, count), rng.choice(rights, count)
    else:
        a, b = rng.integers(0, table.n, count), rng.integers(0, table.n, count)
        keep = a != b
        a, b = a[keep], b[keep]
    return np.minimum(a, b), np.maximum(a, b)


def _exact_u(table: Table, name: str) -> tuple[float, np.ndarray]:
    """P(two random records agree exactly), and per value P(a random other record has it)."""
    column = table.columns[name]
    counts = column.counts.astype(np.float64)
    u0 = U_EXACT_DEFAULT[column.kind]
    if table.source is not None:
        present = column.codes >= 0
        a = np.bincount(column.codes[present & (table.source == 0)], minlength=len(counts))
        b = np.bincount(column.codes[present & (table.source == 1)], minlength=len(counts))
        agree, pairs = float((a * b).sum()), float(a.sum() * b.sum())
        per_value = (counts + PSEUDO_RECORDS * u0) / (counts.sum() + PSEUDO_RECORDS)
    else:
        total = max(counts.sum(), 2.0)
        agree, pairs = float((counts * (counts - 1)).sum()) / 2.0, total * (total - 1) / 2.0
        per_value = (np.maximum(counts - 1, 1) + PSEUDO_RECORDS * u0) / (total - 1 + PSEUDO_RECORDS)
    u_exact = (agree + PSEUDO_PAIRS * u0) / (pairs + PSEUDO_PAIRS)
    return max(u_exact, 1e-12), per_value


def estimate_u(table: Table, samples: int, seed: int) -> list[np.ndarray]:
    """u per field, over its levels."""
    a, b = random_pairs(table, min(samples, max(20_000, 20 * table.n)), seed)
    levels = compare_all(table.columns, a, b)
    us = []
    for k, (name, column) in enumerate(table.columns.items()):
        n_levels = len(LEVELS[column.kind])
        lv = levels[:, k]
        counts = np.bincount(lv[lv >= 0], minlength=n_levels)[:n_levels].astype(np.float64)
        below = counts[:-1] + 0.5  # smoothing: no level is ever impossible
        u_exact = _exact_u(table, name)[0]
        us.append(np.r_[below / below.sum() * (1.0 - u_exact), u_exact])
    return us


def _patterns(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of a small-int matrix and their counts (rows encoded base 8)."""
    code = np.zeros(len(levels), np.int64)
    for k in range(levels.shape[1]):
        code = code * 8 + (levels[:, k].astype(np.int64) + 1)
    distinct, counts = np.unique(code, return_counts=True)
    rows = np.empty((len(distinct), levels.shape[1]), np.int64)
    rest = distinct.copy()
    for k in range(levels.shape[1] - 1, -1, -1):
        rows[:, k] = rest % 8 - 1
        rest //= 8
    return rows, counts.astype(np.float64)


def _llr(
    rows: np.ndarray,
    m: list[np.ndarray],
    u: list[np.ndarray],
    names: list[str],
    groups: list[list[str]],
) -> np.ndarray:
    parts = []
    for k in range(len(m)):
        lv = rows[:, k]
        parts.append(
            np.where(lv >= 0, np.log(m[k][np.maximum(lv, 0)] / u[k][np.maximum(lv, 0)]), 0.0)
        )
    return combine(parts, names, groups)


def run_em(
    levels: np.ndarray,
    u: list[np.ndarray],
    m: list[np.ndarray],
    names: list[str],
    groups: list[list[str]],
    prior: float = 0.1,
    iterations: int = 40,
    tol: float = 1e-6,
    free_u: bool = False,
) -> tuple[list[np.ndarray], float]:
    """EM for m and the share of matches. ``levels`` is pairs x fields.

    With ``free_u`` the non-matches' level frequencies are learned too (starting from the random
    pairs' u): among pairs of one blocking rule the non-matches are not random pairs (people
    sharing a mailbox also share a company), and a fixed u would push them into the matches.
    """
    rows, counts = _patterns(levels)
    m = [x.copy() for x in m]
    u = [x.copy() for x in u]
    groups = [[n for n in g if n in names] for g in groups]
    groups = [g for g in groups if len(g) > 1]
    for _ in range(iterations):
        logit = np.log(prior / (1.0 - prior)) + _llr(rows, m, u, names, groups)
        post = 1.0 / (1.0 + np.exp(-np.clip(logit, -700, 700)))
        weight = post * counts
        new_prior = float(np.clip(weight.sum() / counts.sum(), 1e-9, 1 - 1e-9))
        delta = abs(new_prior - prior)
        for k in range(len(m)):
            lv = rows[:, k]
            present = lv >= 0
            tally = np.bincount(lv[present], weights=weight[present], minlength=len(m[k]))[
                : len(m[k])
            ]
            new = np.maximum(tally / max(tally.sum(), 1e-12), M_FLOOR)
            new /= new.sum()
            delta = max(delta, float(np.abs(new - m[k]).max()))
            m[k] = new
            if free_u:
                tally = np.bincount(
                    lv[present], weights=(counts - weight)[present], minlength=len(u[k])
                )[: len(u[k])]
                u[k] = np.maximum(tally / max(tally.sum(), 1e-12), 1e-6)
                u[k] /= u[k].sum()
        prior = new_prior
        if delta < tol:
            break
    return m, prior


def _initial_m(n_levels: int) -> np.ndarray:
    m = np.geomspace(0.02, 1.0, n_levels)
    m[-1] = 3.0
    return m / m.sum()


def _key_recall(fm: FieldModel, key: str, present: float) -> float:
    """P(a true pair shares this key): exact agreement, or a bit more for derived keys."""
    top = float(fm.m[-1]) if key.partition(":")[2] == "" else float(min(1.0, fm.m[-1] + fm.m[-2]))
    return top * present


def fit(
    table: Table,
    candidates: Candidates,
    us: list[np.ndarray],
    groups: list[list[str]],
    *,
    tf_fields: set[str],
) -> Model:
    """m by EM per blocking rule (without the rule's fields and their group mates), then the prior."""
    names = list(table.columns)
    group_of = {name: set(group) for group in groups for name in group}
    estimates: list[list[tuple[np.ndarray, float]]] = [[] for _ in names]
    sessions: list[dict[str, object]] = []
    for index, (a, b) in candidates.samples.items():
        rule = candidates.rules[index]
        blocked = set().union(*(group_of.get(f, {f}) for f in rule.fields))
        free = [k for k, name in enumerate(names) if name not in blocked]
        if not free or len(a) < 20:
            continue
        levels = compare_all({names[k]: table.columns[names[k]] for k in free}, a, b)
        m, share = run_em(
            levels,
            [us[k] for k in free],
            [_initial_m(len(us[k])) for k in free],
            [names[k] for k in free],
            groups,
            free_u=True,
        )
        found = share * len(a)
        sessions.append(
            {
                "rule": rule,
                "share": share,
                "sampled": len(a),
                "pairs": candidates.report_for(rule).pairs,
                "compared_share": candidates.report_for(rule).compared_share,
            }
        )
        if found >= 5:
            for k, mk in zip(free, m, strict=True):
                estimates[k].append((mk, found))
    fields = []
    for k, name in enumerate(names):
        column = table.columns[name]
        if estimates[k]:
            total = sum(w for _, w in estimates[k])
            m = sum(mk * w for mk, w in estimates[k]) / total
        else:
            m = _initial_m(len(us[k]))
        fields.append(
            FieldModel(name, column.kind, m, us[k], name in tf_fields, bool(estimates[k]))
        )
    prior = _prior(table, fields, sessions)
    return Model(fields, prior, sessions, groups)


def _prior(table: Table, fields: list[FieldModel], sessions: list[dict[str, object]]) -> float:
    by_name = {fm.name: fm for fm in fields}
    if table.source is not None:
        total = float((table.source == 0).sum()) * float((table.source == 1).sum())
    else:
        total = table.n * (table.n - 1) / 2.0
    guesses = []
    for session in sessions:
        rule: Rule = session["rule"]  # type: ignore[assignment]
        recall = 1.0
        for key in rule.keys:
            column = table.key(key.partition(":")[0])
            present = (column.non_null / max(table.n, 1)) ** 2
            recall *= _key_recall(by_name[key.partition(":")[0]], key, present)
        # true pairs in blocks over the budget were never made: they are not this rule's to find
        recall *= float(session["compared_share"])  # type: ignore[arg-type]
        share, pairs = float(session["share"]), int(session["pairs"])  # type: ignore[arg-type]
        if recall > 0.02 and share * pairs >= 1:
            guesses.append(share * pairs / recall / max(total, 1.0))
            session["recall"], session["prior"] = recall, guesses[-1]
    prior = float(np.median(guesses)) if guesses else 1.0 / max(table.n, 2)
    return float(np.clip(prior, 1e-12, 0.5))
