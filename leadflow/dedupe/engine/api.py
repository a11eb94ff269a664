"""The matcher the pipeline calls: fit on records, score pairs, cluster, match new records.

    matcher = Matcher(MatchConfig.of({"email": "email", "full_name": "name", "company": "company"}))
    result = matcher.dedupe(rows)           # fit (no labels) + block + score + cluster
    result.cluster[i], result.best_probability[i], result.review_pairs()
    decisions = match_against(matcher, new_rows)   # new rows vs the rows the matcher was fitted on

Records are dicts (or one dict of columns); ids are positions in the sequence passed in.
Nothing here touches a database; the same records in give the same clusters out.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from leadflow.dedupe.engine import blocking, cluster, dependence, em, split
from leadflow.dedupe.engine.columns import Table, build_table
from leadflow.dedupe.engine.compare import compare_all
from leadflow.dedupe.kinds import ClusterMethod, MatchConfig

Records = Sequence[Mapping[str, Any]] | Mapping[str, Sequence[Any]]


@dataclass
class ScoredPairs:
    left: np.ndarray  # record ids (left < right when deduplicating; left side first when linking)
    right: np.ndarray
    probability: np.ndarray


@dataclass
class MatchReport:
    """What a run did, for people and logs."""

    fields: dict[str, str]
    rules: list[blocking.RuleReport]
    candidate_pairs: int
    prior: float
    weights: dict[str, dict[str, tuple[float, float]]]  # field -> level -> (m, u)
    seconds: dict[str, float] = field(default_factory=dict)
    clusters: int = 0
    largest_cluster: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "fields": self.fields,
            "candidate_pairs": self.candidate_pairs,
            "prior": self.prior,
            "rules": [vars(r) for r in self.rules],
            "weights": self.weights,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "clusters": self.clusters,
            "largest_cluster": self.largest_cluster,
        }


@dataclass
class MatchResult:
    cluster: np.ndarray  # per record: the smallest record id of its cluster
    best_probability: np.ndarray  # per record: its best match probability with any compared record
    pairs: ScoredPairs
    report: MatchReport
    merge_threshold: float
    review_threshold: float
    source: np.ndarray | None = None  # linking: 0 left file, 1 right file

    def review_pairs(self) -> ScoredPairs:
        """Pairs for a person to decide: between the review and the merge thresholds."""
        p = self.pairs.probability
        keep = (p >= self.review_threshold) & (p < self.merge_threshold)
        return ScoredPairs(self.pairs.left[keep], self.pairs.right[keep], p[keep])


@dataclass(frozen=True)
class MatchDecision:
    """One new record against the index: its best existing record and what to do."""

    record: int
    match: int | None  # id in the index (None when nothing was compared)
    probability: float
    decision: str  # "merge" | "review" | "new"


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the duration, back as it was after.

    Each full collection walks every container object alive, and at a million records the
    caller's rows alone are millions of them; the dicts and lists that building columns
    allocates trigger dozens of such walks (3.4 s of a 20 s run at 1M, measured). Matching
    makes no reference cycles worth collecting midway: its bulk is NumPy arrays and strings.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Matcher:
    """Fellegi-Sunter matcher that learns its weights from the records it is given."""

    def __init__(self, config: MatchConfig):
        self.config = config
        self.table: Table | None = None
        self.model: em.Model | None = None
        self.candidates: blocking.Candidates | None = None
        self.records: Records | None = None
        self.seconds: dict[str, float] = {}

    def fit(self, records: Records, link_with: Records | None = None) -> Matcher:
        """Learn m, u, the prior and term frequencies from ``records`` (no labels)."""
        with collector_paused():
            return self._fit(records, link_with)

    def _fit(self, records: Records, link_with: Records | None) -> Matcher:
        clock = time.perf_counter()
        self.records = records
        self.table = _table(records, link_with, self.config)
        self.seconds["prepare"] = time.perf_counter() - clock
        clock = time.perf_counter()
        us = em.estimate_u(self.table, self.config.u_samples, self.config.seed)
        u_exact = {name: float(u[-1]) for name, u in zip(self.table.columns, us, strict=True)}
        groups = dependence.dependent_groups(self.table, u_exact, seed=self.config.seed)
        self.seconds["u"] = time.perf_counter() - clock
        clock = time.perf_counter()
        self.candidates = blocking.candidate_pairs(
            self.table, opts=self.config.blocking, seed=self.config.seed, groups=groups
        )
        self.seconds["block"] = time.perf_counter() - clock
        clock = time.perf_counter()
        tf_fields = {spec.name for spec in self.config.fields if spec.tf}
        self.model = em.fit(self.table, self.candidates, us, groups, tf_fields=tf_fields)
        self.seconds["fit"] = time.perf_counter() - clock
        return self

    def _require(self) -> tuple[Table, em.Model, blocking.Candidates]:
        if self.table is None or self.model is None or self.candidates is None:
            raise RuntimeError("call fit() first")
        return self.table, self.model, self.candidates

    def score_pairs(
        self, left: Sequence[int] | np.ndarray, right: Sequence[int] | np.ndarray
    ) -> np.ndarray:
        """Match probability of each (left[k], right[k]) pair of fitted record ids."""
        table, model, _ = self._require()
        a, b = np.asarray(left, np.int64), np.asarray(right, np.int64)
        return model.probability(table, compare_all(table.columns, a, b), a)

    def predict(self) -> MatchResult:
        """Score every candidate pair and cluster them (see ``_cluster``)."""
        with collector_paused():
            return self._predict()

    def _predict(self) -> MatchResult:
        table, model, candidates = self._require()
        clock = time.perf_counter()
        probability = self.score_pairs(candidates.left, candidates.right)
        self.seconds["score"] = time.perf_counter() - clock
        clock = time.perf_counter()
        merge, review = self.config.thresholds.merge, self.config.thresholds.review
        a, b = candidates.left, candidates.right
        labels = self._cluster(table, model, a, b, probability)
        best = cluster.best_probability(table.n, a, b, probability)
        self.seconds["cluster"] = time.perf_counter() - clock
        sizes = np.bincount(labels)
        report = MatchReport(
            fields={spec.name: str(spec.kind) for spec in self.config.fields},
            rules=candidates.report,
            candidate_pairs=len(candidates),
            prior=model.prior,
            weights={
                fm.name: {
                    label: (float(m), float(u))
                    for label, m, u in zip(fm.labels, fm.m, fm.u, strict=True)
                }
                for fm in model.fields
            },
            seconds=dict(self.seconds),
            clusters=int((sizes > 0).sum()),
            largest_cluster=int(sizes.max(initial=0)),
        )
        if table.source is not None:  # left side first in each pair
            swap = table.source[a] == 1
            a, b = np.where(swap, b, a), np.where(swap, a, b)
        return MatchResult(
            labels, best, ScoredPairs(a, b, probability), report, merge, review, table.source
        )

    def _cluster(
        self, table: Table, model: em.Model, a: np.ndarray, b: np.ndarray, probability: np.ndarray
    ) -> np.ndarray:
        """Cluster labels by the configured method (see split.py for the default)."""
        options, merge = self.config.clustering, self.config.thresholds.merge
        if options.method is ClusterMethod.STAR:
            return cluster.star_clusters(table.n, a, b, probability, merge)
        if options.method is ClusterMethod.COMPONENTS:
            return cluster.component_clusters(table.n, a, b, probability, merge)
        link = options.link if options.link is not None else merge
        return split.split_clusters(
            table.n,
            a,
            b,
            probability,
            options.split_at,
            link,
            self.score_pairs,
            options.max_dense,
            table.source,
            merge,
        )

    def dedupe(self, records: Records) -> MatchResult:
        return self.fit(records).predict()

    def link(self, left: Records, right: Records) -> MatchResult:
        """Records of two sources; ids of ``right`` follow those of ``left``. Only cross pairs count."""
        return self.fit(left, link_with=right).predict()


def _n(records: Records) -> int:
    if isinstance(records, Mapping):
        return len(next(iter(records.values()))) if records else 0
    return len(records)


def _concat(left: Records, right: Records, names: list[str]) -> dict[str, list[Any]]:
    def col(records: Records, name: str) -> list[Any]:
        if isinstance(records, Mapping):
            return list(records.get(name) or [None] * _n(records))
        return [r.get(name) for r in records]

    return {name: col(left, name) + col(right, name) for name in names}


def _table(records: Records, link_with: Records | None, config: MatchConfig) -> Table:
    if link_with is None:
        return build_table(records, config)
    names = [spec.name for spec in config.fields]
    source = np.r_[np.zeros(_n(records), np.int8), np.ones(_n(link_with), np.int8)]
    return build_table(_concat(records, link_with, names), config, source)


def match_against(index: Matcher, records: Records) -> list[MatchDecision]:
    """Each new record's best match among the records ``index`` was fitted on.

    The weights learned by ``index.fit`` are kept; blocking and term frequencies are taken over
    the existing and new records together. New records are not merged with each other here
    (deduplicate a batch with ``Matcher.dedupe`` first).
    """
    _, model, _ = index._require()
    if index.records is None:
        raise RuntimeError("call fit() first")
    with collector_paused():
        return _match_against(index, model, records)


def _match_against(index: Matcher, model: em.Model, records: Records) -> list[MatchDecision]:
    assert index.records is not None
    existing = _n(index.records)
    table = _table(index.records, records, index.config)
    pairs = blocking.candidate_pairs(
        table, opts=index.config.blocking, seed=index.config.seed, groups=model.groups
    )
    a, b = pairs.left, pairs.right
    probability = model.probability(table, compare_all(table.columns, a, b), a)
    new_side = np.where(table.source[a] == 1, a, b) - existing  # type: ignore[index]
    old_side = np.where(table.source[a] == 1, b, a)  # type: ignore[index]
    order = np.lexsort((old_side, -probability, new_side))
    first = order[np.r_[True, new_side[order][1:] != new_side[order][:-1]]] if len(order) else order
    best = {int(new_side[k]): (int(old_side[k]), float(probability[k])) for k in first}
    merge, review = index.config.thresholds.merge, index.config.thresholds.review
    decisions = []
    for r in range(_n(records)):
        match, p = best.get(r, (None, 0.0))
        decision = "merge" if p >= merge else "review" if p >= review else "new"
        decisions.append(MatchDecision(r, match, p, decision))
    return decisions
