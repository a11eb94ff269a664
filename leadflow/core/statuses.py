"""Every status and reason a table stores, as one StrEnum per column.

A StrEnum member equals its string, so the values in the database are the strings below,
exactly as they were before these enums existed: a query, a row written by an older
version and a comparison with a plain string all keep working. The enums live in core so
that the models can use them as defaults; feature packages re-export the ones they own.
"""

from __future__ import annotations

from enum import StrEnum


class RowStatus(StrEnum):
    """SourceRecord.status: staged -> created | merged | quarantined."""

    STAGED = "staged"
    CREATED = "created"
    MERGED = "merged"
    QUARANTINED = "quarantined"


class QuarantineReason(StrEnum):
    """SourceRecord.reason_code of a quarantined row (a reader's error kind or the cleaner's)."""

    MISSING_EMAIL = "missing_email"
    INVALID_EMAIL = "invalid_email"
    WRONG_FIELD_COUNT = "wrong_field_count"
    DATABASE_REFUSED = "database_refused"  # the database would not store it, with its message
    UNREADABLE = "unreadable"
    UNDECODABLE = "undecodable"
    INVALID_JSON = "invalid_json"
    NOT_AN_OBJECT = "not_an_object"
    FIELD_TOO_LARGE = "field_too_large"
    UNCLOSED_QUOTE = "unclosed_quote"
    NUL_BYTE = "nul_byte"


class LeadStatus(StrEnum):
    """Lead.status: new -> nurturing | routed | queued | pool | unassigned | disqualified;
    routed -> accepted; a lead given back goes to the pool; erased is final."""

    NEW = "new"
    NURTURING = "nurturing"
    ROUTED = "routed"
    ACCEPTED = "accepted"
    QUEUED = "queued"  # an open queue item with a deadline holds it
    POOL = "pool"
    UNASSIGNED = "unassigned"
    DISQUALIFIED = "disqualified"
    ERASED = "erased"  # the person asked to be forgotten: a tombstone row


class PipelineStage(StrEnum):
    """Lead.pipeline_stage: how far the ingest pipeline carried the lead."""

    CLEANED = "cleaned"
    ENRICHED = "enriched"
    SCORED = "scored"
    DONE = "done"


class EnrichmentStatus(StrEnum):
    """Lead.enrichment_status: what the last enrichment run made of the lead."""

    ENRICHED = "enriched"
    CACHED = "cached"
    NOT_FOUND = "not_found"
    NOT_NEEDED = "not_needed"
    BAD_INPUT = "bad_input"
    SKIPPED_FREE_MAIL = "skipped_free_mail"
    SKIPPED_DISPOSABLE = "skipped_disposable"
    SKIPPED_NO_DOMAIN = "skipped_no_domain"
    PROVIDER_DISABLED = "provider_disabled"
    BUDGET_EXHAUSTED = "budget_exhausted"
    PROVIDER_ERROR = "provider_error"
    RATE_LIMITED = "rate_limited"
    BAD_RESPONSE = "bad_response"


class AssignmentStatus(StrEnum):
    """Assignment.status: offered -> accepted | rejected | expired | reclaimed | ..."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"
    RECLAIMED = "reclaimed"
    HANDED_OFF = "handed_off"
    RELEASED = "released"
    PREQUALIFIED = "prequalified"  # telesales qualified it and passed it on to the field
    NOT_QUALIFIED = "not_qualified"  # telesales found it not qualified: back to nurture


class QueueItemStatus(StrEnum):
    """QueueItem.status: open -> assigned | routed | pooled | left."""

    OPEN = "open"
    ASSIGNED = "assigned"  # a person gave it to a rep
    ROUTED = "routed"  # routing found a rep later
    POOLED = "pooled"  # escalated past its grace: to the shared pool
    LEFT = "left"  # disqualified, merged or suppressed while waiting


class DeliveryStatus(StrEnum):
    """AssignmentWebhook.status: pending -> delivered | failed."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class EnrollmentStatus(StrEnum):
    """Enrollment.status: active -> completed | exited."""

    ACTIVE = "active"
    COMPLETED = "completed"
    EXITED = "exited"


class OutboxStatus(StrEnum):
    """OutboundEmail.status: pending -> sending -> sent | bounced | failed | skipped;
    sending -> unknown (a crash mid-send: a person checks the mail server's log)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    BOUNCED = "bounced"
    FAILED = "failed"
    SKIPPED = "skipped"
    UNKNOWN = "unknown"


class SuppressionReason(StrEnum):
    """Suppression.reason: why an address is on the do-not-mail list."""

    UNSUBSCRIBED = "unsubscribed"
    HARD_BOUNCE = "hard_bounce"
    COMPLAINED = "complained"
    MANUAL = "manual"


class CandidateStatus(StrEnum):
    """MergeCandidate.status: open -> merged | rejected."""

    OPEN = "open"
    MERGED = "merged"
    REJECTED = "rejected"


class CrmStatus(StrEnum):
    """CrmOutcome.status: an opportunity open, won or lost."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


class LifecycleStage(StrEnum):
    """Lead.lifecycle_stage: the marketing funnel (every change is a decision)."""

    NEW = "new"
    MQL = "mql"
    SQL = "sql"
    OPPORTUNITY = "opportunity"
    WON = "won"
    LOST = "lost"
    RECYCLED = "recycled"
