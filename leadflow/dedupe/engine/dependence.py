"""Which fields carry the same evidence: colleagues share company, domain, city and postcode.

Fellegi-Sunter adds the weights of fields as if they were independent. For two colleagues,
"same company", "same city" and "same postcode" are one fact told three times, and adding
them makes every pair of colleagues look like one person. Fields are found dependent, without
labels, by this test: among pairs that agree on field f but disagree on most other fields
(so they are not the same entity), does field g agree far more often than between random
records, and the other way round (both ways, so that a strong key
whose non-matching pairs are few and odd cannot pull a field in)? If so f and g are one
group: the group's agreements are not added up, only its strongest agreement counts
(disagreements still all count), and blocking never pairs them.

One dependence is known beforehand rather than tested: an email address made of the given name
(kimberly@, kimberly.ricci@) repeats that name; see ``_names_in_email``.
"""

from __future__ import annotations

import numpy as np

from leadflow.dedupe.engine.columns import Table
from leadflow.dedupe.engine.compare import LEVELS, compare_all
from leadflow.dedupe.kinds import Kind

MIN_LIFT = 5.0  # g agrees at least this many times more often than between random records
MIN_RATE = 0.05  # ... and in at least this share of the f-agreeing non-matching pairs
MIN_IN_EMAIL = 0.2  # a name field inside at least this share of the records' email addresses
GIVEN_HEADERS = ("given", "first", "fore")


def pairs_sharing(
    codes: np.ndarray, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` random pairs of distinct records with the same code, uniform over such pairs."""
    ids = np.flatnonzero(codes >= 0)
    ids = ids[np.argsort(codes[ids], kind="stable")]
    sc = codes[ids]
    if len(ids) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    starts = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]])
    sizes = np.diff(np.r_[starts, len(ids)]).astype(np.float64)
    weight = sizes * (sizes - 1)
    if weight.sum() == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    block = rng.choice(len(starts), count, p=weight / weight.sum())
    first = rng.integers(0, sizes[block].astype(np.int64))
    second = rng.integers(0, sizes[block].astype(np.int64) - 1)
    second = second + (second >= first)
    return ids[starts[block] + first], ids[starts[block] + second]


def lifts(
    table: Table, u_exact: dict[str, float], samples: int = 20_000, seed: int = 0
) -> dict[tuple[str, str], tuple[float, float]]:
    """(f, g) -> (share of f-agreeing non-matches that agree exactly on g, that share / random)."""
    names = list(table.columns)
    rng = np.random.default_rng(seed)
    out: dict[tuple[str, str], float] = {}
    for fi, f in enumerate(names):
        a, b = pairs_sharing(table.columns[f].codes, samples, rng)
        if len(a) < 50:
            continue
        levels = compare_all(table.columns, a, b)
        tops = np.array([_top_level(table, n) for n in names])
        agree = levels >= np.maximum(tops - 1, 1)[None, :]  # the two best levels count as agreeing
        present = levels >= 0
        for gi, g in enumerate(names):
            if gi == fi:
                continue
            others = [k for k in range(len(names)) if k not in (fi, gi)]
            if others:
                n_present = present[:, others].sum(axis=1)
                n_agree = (agree[:, others] & present[:, others]).sum(axis=1)
                unlike = n_agree * 3 < np.maximum(n_present, 1)
            else:
                unlike = np.ones(len(a), bool)
            usable = unlike & present[:, gi]
            if usable.sum() < 30:
                continue
            rate = float((levels[usable, gi] == tops[gi]).mean())
            out[(f, g)] = (rate, rate / max(u_exact[g], 1e-12))
    return out


def _top_level(table: Table, name: str) -> int:
    return len(LEVELS[table.columns[name].kind]) - 1


def dependent_groups(
    table: Table, u_exact: dict[str, float], samples: int = 20_000, seed: int = 0
) -> list[list[str]]:
    """Groups (of two or more fields) whose agreements are one piece of evidence."""
    parent = {name: name for name in table.columns}

    def root(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    found = lifts(table, u_exact, samples, seed)
    for (f, g), (rate, lift) in sorted(found.items()):
        back_rate, back_lift = found.get((g, f), (0.0, 0.0))
        if min(lift, back_lift) >= MIN_LIFT and min(rate, back_rate) >= MIN_RATE:
            parent[root(g)] = root(f)
    for name, email in _names_in_email(table, seed):
        parent[root(name)] = root(email)
    groups: dict[str, list[str]] = {}
    for name in table.columns:
        groups.setdefault(root(name), []).append(name)
    return [members for members in groups.values() if len(members) > 1]


def _names_in_email(table: Table, seed: int, samples: int = 20_000) -> list[tuple[str, str]]:
    """(given-name field, email field), when the records' email addresses are made from it.

    Addresses are built from names (kimberly@, kimberly.ricci@), and a mailbox colleagues share
    is named after a given name: two colleagues called Kimberly who share kimberly@oakware.de
    agree on the address because they agree on the name. So the given name and the address are
    one piece of evidence; the surname stays separate, and a shared mailbox needs it too. Only
    when the data show it: the name inside at least MIN_IN_EMAIL of the addresses.
    """
    emails = [c for c in table.columns.values() if c.kind is Kind.EMAIL]
    names = [c for c in table.columns.values() if c.kind is Kind.NAME]
    if len(emails) != 1 or not names:
        return []
    given = [c for c in names if any(h in c.name.lower() for h in GIVEN_HEADERS)] or names[:1]
    email, name = emails[0], given[0]
    both = np.flatnonzero((email.codes >= 0) & (name.codes >= 0))
    if len(both) < 50:
        return []
    rng = np.random.default_rng(seed)
    pick = rng.choice(both, min(samples, len(both)), replace=False)
    locals_ = (e.split("@", 1)[0] for e in email.values[email.codes[pick]])
    inside = sum(
        n.replace(" ", "") in local for n, local in zip(name.values[name.codes[pick]], locals_)
    )
    return [(name.name, email.name)] if inside >= MIN_IN_EMAIL * len(pick) else []
