"""Match probability of (row, stored lead) pairs with Fellegi-Sunter weights.

The comparisons are the matcher's (leadflow/dedupe/engine/compare.py). The weights (m and u per
comparison level, and the prior) come from a file `leadflow merges fit` writes after
learning them on the stored leads without labels; until then the built-in ones below.
A batch holds too few records to learn weights from, which is why they are fitted offline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from leadflow.dedupe.engine.columns import build_table
from leadflow.dedupe.engine.compare import LEVELS, compare_all
from leadflow.dedupe.engine.em import combine
from leadflow.dedupe.kinds import FieldSpec, Kind, MatchConfig

# Compared fields, in lead columns. Email is left out: a row only gets here when its address
# differs from the lead's, and a work and a personal address of one person share nothing.
FIELDS: tuple[tuple[str, Kind], ...] = (
    ("full_name", Kind.NAME),
    ("company", Kind.COMPANY),
    ("phone_e164", Kind.PHONE),
    ("domain", Kind.DOMAIN),
    ("city", Kind.ADDRESS),
    ("country", Kind.CATEGORY),
)
FORMAT = 1


@dataclass(frozen=True)
class FieldWeights:
    m: tuple[float, ...]  # P(level | same person), levels as in compare.LEVELS
    u: tuple[float, ...]  # P(level | different people)

    @property
    def bits(self) -> np.ndarray:
        return np.log2(np.asarray(self.m) / np.asarray(self.u))


@dataclass(frozen=True)
class Weights:
    prior: float  # P(a row and a random stored lead are the same person)
    fields: dict[str, FieldWeights]
    # Fields that agree together for one reason (a company, its domain and its switchboard
    # number): a group adds only its strongest agreement, so one piece of evidence is not
    # counted twice and two colleagues are not one person.
    groups: tuple[tuple[str, ...], ...] = (("company", "domain", "phone_e164"),)
    version: int = 0  # 0: built in
    fitted_on: int = 0  # leads the weights were learned from

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": self.version,
            "leads": self.fitted_on,
            "prior": self.prior,
            "groups": [list(g) for g in self.groups],
            "fields": {name: {"m": list(w.m), "u": list(w.u)} for name, w in self.fields.items()},
        }


# Hand-set from the shapes EM learns on lead exports: an exact name is ~10 bits, a phone ~16,
# a company ~7, a company domain ~7 (free-mail domains are not compared), a different name -5.
BUILT_IN = Weights(
    prior=1e-5,
    fields={
        "full_name": FieldWeights((0.03, 0.05, 0.12, 0.80), (0.97, 0.025, 0.004, 0.001)),
        "company": FieldWeights((0.10, 0.10, 0.20, 0.60), (0.95, 0.04, 0.007, 0.003)),
        "phone_e164": FieldWeights((0.10, 0.05, 0.85), (0.99989, 0.0001, 0.00001)),
        "domain": FieldWeights((0.30, 0.70), (0.995, 0.005)),
        "city": FieldWeights((0.15, 0.05, 0.10, 0.70), (0.90, 0.03, 0.02, 0.05)),
        "country": FieldWeights((0.05, 0.95), (0.70, 0.30)),
    },
)


def load_weights(path: Path) -> Weights:
    """The fitted weights at ``path``; the built-in ones when there is no file yet."""
    if not path.is_file():
        return BUILT_IN
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: unknown weights format {data.get('format')!r}")
    fields = dict(BUILT_IN.fields)
    for name, w in data["fields"].items():
        if name in fields and len(w["m"]) == len(fields[name].m) == len(w["u"]):
            fields[name] = FieldWeights(tuple(w["m"]), tuple(w["u"]))
    groups = tuple(tuple(g) for g in data.get("groups", BUILT_IN.groups))
    return Weights(
        float(data["prior"]), fields, groups, int(data["version"]), int(data.get("leads", 0))
    )


def save_weights(path: Path, weights: Weights) -> None:
    path.write_text(json.dumps(weights.as_json(), indent=2) + "\n", encoding="utf-8")


def comparable(record: Mapping[str, Any]) -> dict[str, Any]:
    """A lead or row as the scorer sees it: a free-mail domain says nothing about the person."""
    return {name: values[0] for name, values in _comparable_columns([record]).items()}


def match_config() -> MatchConfig:
    return MatchConfig(fields=tuple(FieldSpec(name, kind, tf=False) for name, kind in FIELDS))


@dataclass(frozen=True)
class PairScore:
    probability: float
    levels: dict[str, str]  # field -> comparison level (missing fields left out)
    bits: dict[str, float]  # field -> evidence for (+) or against (-) a match
    name_share: float | None = None  # how common the agreeing name is, where that lowered its bits

    @property
    def deciding(self) -> dict[str, dict[str, Any]]:
        """The fields that moved the probability, strongest first."""
        order = sorted(self.bits, key=lambda f: -abs(self.bits[f]))
        out = {
            f: {"level": self.levels[f], "bits": round(self.bits[f], 2)}
            for f in order
            if self.bits[f]
        }
        if self.name_share is not None and "full_name" in out:
            out["full_name"]["share_of_leads"] = round(self.name_share, 6)
        return out


PSEUDO_LEADS = 100  # smoothing: a base this size, at the average rate, before the counts speak


def name_share(holders: int, leads: int, weights: Weights) -> float:
    """The chance that another stored lead than the one compared holds this name, when
    ``holders`` of the ``leads`` stored hold it. Stored leads, not the batch's rows: a batch is
    what is being deduplicated, and one person in it five times is not five namesakes. Smoothed
    towards the average, so that in a small base one namesake says little."""
    u_exact = weights.fields["full_name"].u[-1]
    return (max(holders - 1, 0) + PSEUDO_LEADS * u_exact) / (max(leads, 0) + PSEUDO_LEADS)


def common_name_bits(weights: Weights, shares: np.ndarray) -> np.ndarray:
    """Bits taken off an exact name agreement for names more common than the average name.

    Term-frequency adjustment (as splink's): an exact agreement's u is the chance that two
    different people share *this* name, its share of the leads, not the average over names.
    Only ever downwards: a name rarer than the average gains nothing, since the exact level's
    u already stands for an average name (one lead in a thousand, built in)."""
    u_exact = weights.fields["full_name"].u[-1]
    with np.errstate(divide="ignore"):
        return np.minimum(0.0, np.log2(u_exact / np.maximum(shares, 1e-12)))


@dataclass(frozen=True)
class ScoredPairs:
    """Many pairs' scores as arrays: a pair's ``PairScore`` (its levels and bits as dicts, the
    explanation a decision keeps) is built only when asked for, since a batch keeps one pair
    per row out of its candidates."""

    probability: list[float]
    levels: np.ndarray  # pair x field: comparison level, -1 where a value is missing
    bits: np.ndarray  # pair x field
    shares: np.ndarray  # pair: the name's share of leads
    penalty: np.ndarray  # pair: bits taken off a common name's exact agreement

    def __len__(self) -> int:
        return len(self.probability)

    def score(self, k: int) -> PairScore:
        return _pair_score(
            self.probability[k],
            self.levels[k].tolist(),
            self.bits[k].tolist(),
            float(self.shares[k]),
            float(self.penalty[k]),
        )

    def scores(self) -> list[PairScore]:
        return [
            _pair_score(*pair)
            for pair in zip(
                self.probability,
                self.levels.tolist(),
                self.bits.tolist(),
                self.shares.tolist(),
                self.penalty.tolist(),
                strict=True,
            )
        ]


NAMES = [name for name, _ in FIELDS]
LABELS = [LEVELS[kind] for _, kind in FIELDS]


def _pair_score(
    p: float, row_levels: list[int], row_bits: list[float], share: float, cut: float
) -> PairScore:
    present = [k for k, lv in enumerate(row_levels) if lv >= 0]
    return PairScore(
        p,
        {NAMES[k]: LABELS[k][row_levels[k]] for k in present},
        {NAMES[k]: row_bits[k] for k in present},
        share if cut < 0 else None,
    )


def score_pairs(
    rows: Sequence[Mapping[str, Any]],
    leads: Sequence[Mapping[str, Any]],
    weights: Weights,
    name_shares: Sequence[float] | None = None,
) -> list[PairScore]:
    """Probability that rows[k] and leads[k] are one person, for each k. ``name_shares[k]``:
    the share of leads holding rows[k]'s name (term-frequency adjustment); none if omitted."""
    return scored_pairs(rows, leads, weights, name_shares).scores()


def scored_pairs(
    rows: Sequence[Mapping[str, Any]],
    leads: Sequence[Mapping[str, Any]],
    weights: Weights,
    name_shares: Sequence[float] | None = None,
) -> ScoredPairs:
    """``score_pairs`` as arrays (see ``ScoredPairs``)."""
    n = len(rows)
    if n == 0:
        empty = np.zeros((0, len(FIELDS)))
        return ScoredPairs([], empty.astype(np.int64), empty, np.zeros(0), np.zeros(0))
    records: list[Mapping[str, Any]] = []
    left, right = _positions(rows, records), _positions(leads, records)
    table = build_table(_comparable_columns(records), match_config())
    levels = compare_all(table.columns, left, right)
    bits = np.zeros((n, len(FIELDS)))
    for k, (name, _) in enumerate(FIELDS):
        lv = levels[:, k]
        bits[:, k] = np.where(lv >= 0, weights.fields[name].bits[np.maximum(lv, 0)], 0.0)
    shares = np.zeros(n) if name_shares is None else np.asarray(name_shares, np.float64)
    name_field = NAMES.index("full_name")
    exact = levels[:, name_field] == len(weights.fields["full_name"].m) - 1
    penalty = np.where(exact & (shares > 0), common_name_bits(weights, shares), 0.0)
    bits[:, name_field] += penalty
    evidence = combine(
        [bits[:, k] for k in range(len(FIELDS))], NAMES, [list(g) for g in weights.groups]
    )
    odds = np.log2(weights.prior / (1.0 - weights.prior)) + evidence
    probability = 1.0 / (1.0 + np.exp2(-np.clip(odds, -60, 60)))
    return ScoredPairs(probability.tolist(), levels, bits, shares, penalty)


def _positions(records: Sequence[Mapping[str, Any]], into: list[Mapping[str, Any]]) -> np.ndarray:
    """Each record's row in ``into``, appending the ones not yet there. A batch pairs one row
    with each of its ~20 candidates and a lead may be a candidate of several rows: each record
    is prepared once, not once per pair (by identity: the pairs share the very objects)."""
    seen = {id(record): k for k, record in enumerate(into)}
    out = np.empty(len(records), np.int64)
    for k, record in enumerate(records):
        at = seen.get(id(record))
        if at is None:
            at = seen[id(record)] = len(into)
            into.append(record)
        out[k] = at
    return out


def _comparable_columns(records: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Many records as the scorer sees them (``comparable``), as columns: no dict per record."""
    columns = {name: [record.get(name) for record in records] for name in NAMES}
    columns["domain"] = [
        None if record.get("is_free_mail") else domain
        for record, domain in zip(records, columns["domain"], strict=True)
    ]
    return columns


def action(probability: float, auto_merge: float, review: float) -> str:
    """merge | review | new, from the policy's probability thresholds."""
    if probability >= auto_merge:
        return "merge"
    return "review" if probability >= review else "new"
