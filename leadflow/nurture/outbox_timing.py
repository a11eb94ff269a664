"""Outbox timing rules, pure: retry backoff after a 4xx, and when a claim counts as stale.

The policy for a row left 'sending' (the process died between its claim and the SMTP
answer, or the connection broke during DATA): it is never sent again automatically.
Once STALE_CLAIM has passed since the claim, the next tick marks it 'unknown' and records
a decision; `leadflow nurture unknown` lists such rows for a person, who checks the
Message-ID in the mail server's log and resolves each (sent, resend or drop).
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
