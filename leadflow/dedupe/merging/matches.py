"""Which new rows of a batch are a stored lead, or an earlier row of the batch, under another
address (pure but for the lookup)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from leadflow.dedupe.policy import MatchingPolicy
from leadflow.core.types import CleanLead
from leadflow.dedupe.merging.candidates import (
    RowKeys,
    find_candidates,
    leads_by_id,
    name_counts,
)
from leadflow.dedupe.merging.keys import LeadKeys, lead_keys, mailbox_key
from leadflow.dedupe.merging.scoring import (
    PairScore,
    Weights,
    action,
    name_share,
    score_pairs,
    scored_pairs,
)


@dataclass(frozen=True)
class FuzzyMatch:
    lead: dict[str, Any]  # the stored lead (its mergeable fields)
    probability: float
    action: str  # merge | review
    rule_id: (
        str  # "mailbox": the same mailbox; "fuzzy": scored; "fuzzy-batch": scored, an earlier row
    )
    deciding: dict[str, Any]
    weights_version: int = 0  # 0: the built-in weights


def row_keys(row: CleanLead, policy: MatchingPolicy) -> LeadKeys:
    """The index columns of the lead a clean row creates."""
    return lead_keys(row.__dict__, policy.mailbox.gmail_dots, policy.mailbox.plus_tags)


def batch_keys(rows: Mapping[str, CleanLead], policy: MatchingPolicy) -> dict[str, LeadKeys]:
    """Per row email, its keys: computed once per batch (about 5 µs a row), read by the name
    shares, both candidate searches and the new lead's columns."""
    return {email: row_keys(row, policy) for email, row in rows.items()}


def lookup_keys(row: CleanLead, policy: MatchingPolicy, keys: LeadKeys | None = None) -> RowKeys:
    keys = keys or row_keys(row, policy)
    # A mailbox key equal to the address finds only the lead with that address, which exact
    # dedup already ruled out.
    return RowKeys(
        keys.email_key if keys.email_key != row.email else None,
        row.phone_e164,
        keys.domain_name_key,
        keys.company_name_key,
    )


def name_shares(
    session: Session, keys_of: Mapping[str, LeadKeys], weights: Weights
) -> dict[str, float]:
    """Per row email (its keys: batch_keys), how common its name is among the live stored
    leads (scoring.name_share): primary-key reads of the counts the database keeps per name
    key (candidates.name_counts)."""
    keys = {email: keys.name_key for email, keys in keys_of.items()}
    stored, total = name_counts(session, {k for k in keys.values() if k})
    return {email: name_share(stored.get(k, 0), total, weights) for email, k in keys.items() if k}


def best_matches(
    rows: Mapping[str, CleanLead],
    candidates: Mapping[str, list[dict[str, Any]]],
    policy: MatchingPolicy,
    weights: Weights,
    shares: Mapping[str, float] | None = None,
) -> dict[str, FuzzyMatch]:
    """Per row email, its best stored lead when that pair is at least worth a review.
    ``shares``: per row email, how common its name is (see name_shares)."""
    shares = shares or {}
    box = policy.mailbox
    pairs: list[tuple[str, dict[str, Any]]] = []
    found: dict[str, FuzzyMatch] = {}
    for email, leads in candidates.items():
        mailbox = mailbox_key(email, box.gmail_dots, box.plus_tags)
        same_box = sorted(
            (lead for lead in leads if lead.get("email_key") == mailbox),
            key=lambda lead: lead["id"],
        )
        if same_box:
            found[email] = FuzzyMatch(
                same_box[0],
                1.0,
                "merge",
                "mailbox",
                {"email": {"level": "same mailbox"}},
                weights.version,
            )
        else:
            pairs.extend((email, lead) for lead in leads)
    scored = scored_pairs(
        [rows[email].__dict__ for email, _ in pairs],
        [lead for _, lead in pairs],
        weights,
        [shares.get(email, 0.0) for email, _ in pairs],
    )
    best: dict[str, int] = {}  # per row, its best pair: most probable, then the oldest lead
    for k, ((email, lead), p) in enumerate(zip(pairs, scored.probability, strict=True)):
        held = best.get(email)
        if held is None or (p, -lead["id"]) > (scored.probability[held], -pairs[held][1]["id"]):
            best[email] = k
    thresholds = policy.thresholds
    for email, k in best.items():
        decided = action(scored.probability[k], thresholds.auto_merge, thresholds.review)
        if decided != "new":
            score = scored.score(k)
            found[email] = FuzzyMatch(
                pairs[k][1], score.probability, decided, "fuzzy", score.deciding, weights.version
            )
    return found


def match_new_rows(
    session: Session,
    rows: Mapping[str, CleanLead],
    policy: MatchingPolicy,
    weights: Weights,
    shares: Mapping[str, float],
    keys: Mapping[str, LeadKeys] | None = None,
) -> dict[str, FuzzyMatch]:
    """Rows (by email) that exact dedup would create, matched against the stored leads.
    ``shares``: per row email, how common its name is (see name_shares); ``keys``: the rows'
    keys (batch_keys), computed here when not given."""
    if not policy.enabled or not rows:
        return {}
    keys = keys or batch_keys(rows, policy)
    emails = list(rows)
    found = find_candidates(
        session,
        [lookup_keys(rows[e], policy, keys[e]) for e in emails],
        policy.max_candidates_per_key,
    )
    candidates = {e: leads for e, leads in zip(emails, found, strict=True) if leads}
    matches = best_matches(rows, candidates, policy, weights, shares)
    # Candidates carry what comparing reads; a match is merged or reviewed: all its fields.
    whole = leads_by_id(session, [match.lead["id"] for match in matches.values()])
    return {email: replace(m, lead=whole[m.lead["id"]]) for email, m in matches.items()}


@dataclass(frozen=True)
class BatchMatch:
    """A new row that is probably an earlier new row of the same batch under another address."""

    into: str  # the email of the earlier row, which creates the lead
    probability: float
    action: str  # merge | review
    deciding: dict[str, Any]
    via: str | None = None  # review only: the row it is alike to, which merged into ``into``


_NONE = BatchMatch("", 0.0, "new", {})


def _batch_pairs(
    rows: Mapping[str, CleanLead],
    policy: MatchingPolicy,
    skip: frozenset[str],
    order: Mapping[str, int],
    keys_of: Mapping[str, LeadKeys],
) -> list[tuple[str, str]]:
    """(earlier, later) row emails sharing a key held by at most max_candidates_per_key rows."""
    groups: dict[tuple[int, str], list[str]] = defaultdict(list)
    for email, row in rows.items():
        keys = lookup_keys(row, policy, keys_of[email])
        for slot, value in enumerate((keys.phone, keys.domain_name, keys.company_name)):
            if value is not None:
                groups[(slot, value)].append(email)
    return sorted(
        {
            (a, b)
            for members in groups.values()
            if 1 < len(members) <= policy.max_candidates_per_key
            for i, a in enumerate(members)
            for b in members[i + 1 :]
            if b not in skip
        },
        key=lambda pair: (order[pair[1]], order[pair[0]]),
    )


def match_within_batch(
    rows: Mapping[str, CleanLead],
    policy: MatchingPolicy,
    weights: Weights,
    skip: frozenset[str] = frozenset(),
    shares: Mapping[str, float] | None = None,
    keys: Mapping[str, LeadKeys] | None = None,
) -> dict[str, BatchMatch]:
    """Per row email (rows in file order), the earlier row it matches, when worth a review.

    Candidates share the phone, domain + name or company + name key, in key groups of at most
    ``max_candidates_per_key`` rows, as against the stored leads. A row merges only into a row
    that creates its lead, never into one that merged away itself, so no chain can link two
    people through a third. ``skip``: rows already matched to a stored lead; ``shares``: per
    row email, how common its name is (see name_shares); ``keys``: as for match_new_rows.
    """
    if not policy.enabled or len(rows) < 2:
        return {}
    shares = shares or {}
    order = {email: k for k, email in enumerate(rows)}
    pairs = _batch_pairs(rows, policy, skip, order, keys or batch_keys(rows, policy))
    scores = score_pairs(
        [rows[b].__dict__ for _, b in pairs],
        [rows[a].__dict__ for a, _ in pairs],
        weights,
        [shares.get(b, 0.0) for _, b in pairs],
    )
    by_later: dict[str, list[tuple[float, int, str, PairScore]]] = defaultdict(list)
    for (a, b), score in zip(pairs, scores, strict=True):
        by_later[b].append((score.probability, -order[a], a, score))
    thresholds = policy.thresholds
    found: dict[str, BatchMatch] = {}
    for later in sorted(by_later, key=order.__getitem__):
        merged_away = {
            c[2] for c in by_later[later] if c[2] in found and found[c[2]].action == "merge"
        }
        creators = [c for c in by_later[later] if c[2] not in merged_away]
        decided = "new"
        if creators:
            probability, _, into, score = max(creators)
            decided = action(probability, thresholds.auto_merge, thresholds.review)
            if decided != "new":
                found[later] = BatchMatch(into, probability, decided, score.deciding)
        if decided != "merge" and merged_away:
            # Alike only to a row that joined another's lead: a person decides, against that lead.
            probability, _, via, score = max(c for c in by_later[later] if c[2] in merged_away)
            if (
                probability >= thresholds.review
                and probability > found.get(later, _NONE).probability
            ):
                found[later] = BatchMatch(
                    found[via].into, probability, "review", score.deciding, via
                )
    return found


def point_at_batch_leads(
    within: dict[str, BatchMatch],
    created: dict[str, dict],
    lead_ids: dict[str, int],
    existing: dict[str, dict],
    fuzzy: dict[str, FuzzyMatch],
    version: int,
) -> None:
    """Rows matched to an earlier row of the batch, once that row's lead exists: a merge joins
    it as a fuzzy merge into a stored lead would (so undo splits it back out), a review pair
    is queued beside it."""
    for email, twin in within.items():
        lead = created[twin.into]
        fuzzy[email] = FuzzyMatch(
            lead, twin.probability, twin.action, "fuzzy-batch", twin.deciding, version
        )
        if twin.action == "merge":
            lead_ids[email] = lead["id"]
            existing[email] = lead
