"""Outbox timing rules, pure: retry backoff after a 4xx, and when a claim counts as stale.

A row left 'sending' by a dead send is settled from that send's journal by the next send
on the same machine (leadflow.nurture.outbox_recover), without waiting. The stale-claim
rule is the fallback for a journal this machine cannot read (a send on another host): once
STALE_CLAIM has passed since the claim, the next tick marks the row 'unknown', never sending
it again automatically; reading its journal later still upgrades it to 'sent' or 'pending',
and what stays unknown is listed by `leadflow nurture unknown` and settled by
`leadflow nurture resolve --all --as sent|resend|drop`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# After a 4xx the server asked us to come back later: wait longer each time, then give up.
BACKOFF = (
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A live send finishes in seconds; a claim this old belongs to a process that died.
STALE_CLAIM = timedelta(minutes=15)
# A row still pending this long after it was queued lost its sender (a crash before the claim,
# which is safe to send): the next tick picks it up.
ORPHANED_PENDING = timedelta(minutes=10)


def next_attempt(attempts: int, at: datetime) -> datetime | None:
    """When to try again after ``attempts`` tries; None when it is time to give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return at + BACKOFF[max(attempts, 1) - 1]


def stale_before(at: datetime) -> datetime:
    """Claims made before this moment are stale."""
    return at - STALE_CLAIM
