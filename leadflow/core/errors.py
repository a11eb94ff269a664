"""The one error tree of leadflow.

Transient errors are worth a retry (network, locks, 4xx SMTP); permanent ones are not (bad
config, bad input, 5xx SMTP). Tasks retry only on ``TransientError``. Every error leadflow raises
on purpose is drawn here::

    LeadflowError
    ├── TransientError                      retry: the same call may succeed later
    │   ├── TransientDeliveryError          SMTP 4xx, connection problems
    │   └── ProviderTransientError          enrichment: 202 queued, 429, 5xx, timeouts
    ├── PermanentError                      retrying cannot help
    │   ├── ConfigError                     a policy file is invalid (file:line [field])
    │   ├── SourceNotFound, EmptySource, UnreadableSource, RecordTooLarge   reading a source
    │   ├── QuarantineError                 a quarantine fix that cannot be applied
    │   ├── UnknownLead                     no such lead id or email
    │   ├── NotYourLead                     a person acting on someone else's lead: refused
    │   ├── HandoffError                    a hand-off that cannot be done as asked
    │   ├── UnknownPerson                   `--as` names nobody active in routing.yaml
    │   ├── NotAllowed                      a person may not do this (the refusal is recorded)
    │   ├── ClaimRefused                    a pool claim over a limit, or lost to another rep
    │   ├── NotPrequalified                 telesales: not its accepted lead, or answers missing
    │   ├── MergeError                      a merge review or undo that cannot be done
    │   ├── BadOutcomeRow                   a CRM outcome row that cannot be read
    │   ├── TableError, DatasetError        export tables that cannot be read or trained on
    │   ├── TrainingError, ModelFileError   too few outcomes; a model file that cannot be read
    │   ├── UnreadablePayload               a verified webhook body without what it promised
    │   ├── RequestRefused                  a web request answered 4xx before any write
    │   ├── PermanentDeliveryError          SMTP 5xx; RecipientRejected (a hard bounce)
    │   ├── UncertainDeliveryError          the data went out, then the line dropped
    │   ├── StackError                      the local stack (`leadflow up`) is not there
    │   └── ProviderPermanentError          enrichment: bad answer; ProviderDisabledError
    ├── DeliveryError                       base of the SMTP errors above
    └── EnrichmentError                     base of the provider errors above

Where bad input must still be caught as ``ValueError`` by pure parsers, the class keeps
``ValueError`` as a second base.
"""

from __future__ import annotations
from leadflow.core.statuses import EnrichmentStatus


class LeadflowError(Exception):
    """Base of every error leadflow raises on purpose."""


class TransientError(LeadflowError):
    """Marker: the same call may succeed later."""


class PermanentError(LeadflowError):
    """Marker: retrying cannot help."""


class ConfigError(PermanentError):
    """A policy file is invalid; names file, line and field."""

    def __init__(self, file: str, line: int | None, field: str | None, message: str):
        self.file, self.line, self.field, self.message = file, line, field, message
        where = f"{file}:{line}" if line else file
        what = f" [{field}]" if field else ""
        super().__init__(f"{where}{what}: {message}")


class DatabaseBusy(TransientError):
    """A deadlock, a serialization failure or a lock held too long: the step is retried."""


class SourceNotFound(PermanentError):
    """A campaign file that does not exist or cannot be read."""


class UnknownLead(PermanentError):
    """A lead id or email that is not in the database."""


class NotYourLead(PermanentError):
    """A person acting on a lead or account that is someone else's: refused, nothing changes."""


class DeliveryError(LeadflowError):
    """An email could not be handed to the SMTP server."""


class TransientDeliveryError(DeliveryError, TransientError):
    """SMTP 4xx or a connection problem: try again later."""


class PermanentDeliveryError(DeliveryError, PermanentError):
    """SMTP 5xx: the address bounced."""


def is_transient(exc: BaseException) -> bool:
    """Retry condition for Prefect tasks."""
    return isinstance(exc, TransientError)


class EnrichmentError(LeadflowError):
    """A company-data provider did not give an answer; ``status`` is what the lead records."""

    def __init__(
        self,
        message: str,
        status: str = EnrichmentStatus.PROVIDER_ERROR,
        retry_after: float | None = None,
    ):
        self.status, self.retry_after = status, retry_after
        super().__init__(message)


class ProviderTransientError(EnrichmentError, TransientError):
    """202 queued, 429, 5xx, a timeout or a dropped connection: asking again may work."""


class ProviderPermanentError(EnrichmentError, PermanentError):
    """Bad input, a broken or oversized answer, a refused redirect: asking again will not help."""


class ProviderDisabledError(ProviderPermanentError):
    """401/402: the key is wrong or out of credits; the provider sits out the rest of the run."""


class HandoffError(PermanentError):
    """The hand-off cannot be done as asked (unknown rep or team, handing to oneself...)."""


class UnknownPerson(PermanentError):
    """`--as` names nobody in routing.yaml (or someone switched off)."""


class NotAllowed(PermanentError):
    """The person may not do this; the refusal is recorded as a decision and nothing changes."""


class ClaimRefused(PermanentError):
    """The claim breaks a pool limit, or the lead is not (any longer) in the pool."""


class NotPrequalified(PermanentError):
    """The lead is not a telesales rep's accepted lead, or its qualification is incomplete."""


class RecipientRejected(PermanentDeliveryError):
    """5xx to RCPT TO: the address does not take mail (a hard bounce)."""


class UncertainDeliveryError(DeliveryError, PermanentError):
    """The connection failed after the message data went out: it may have been delivered."""


class RequestRefused(PermanentError):
    """A request answered with a 4xx before anything is written."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


class UnreadablePayload(PermanentError, ValueError):
    """A verified body that does not hold what the provider promised: 400."""


class BadOutcomeRow(PermanentError, ValueError):
    """A row that cannot be an outcome; the message says why."""


class QuarantineError(PermanentError):
    """A fix that cannot be applied (unknown record, not quarantined, wrong shape)."""


class EmptySource(PermanentError):
    """The file holds nothing to read: no bytes, only blank lines, or no header row."""


class UnreadableSource(PermanentError):
    """The file as a whole cannot be read: unsupported format, corrupt workbook, wrong JSON shape."""


class RecordTooLarge(PermanentError):
    """Internal: a record went over MAX_RECORD_CHARS and was skipped; becomes an error row."""

    def __init__(self, start: int, message: str):
        super().__init__(message)
        self.start = start


class RunawayRecord(PermanentError):
    """Internal: a record ran over MAX_RECORD_LINES lines (an unclosed quote); its first line
    becomes an error row and reading resumes on the next."""


class MergeError(PermanentError, ValueError):
    """A review or undo request that cannot be carried out (unknown id, already decided)."""


class StackError(PermanentError):
    """The local stack (Prefect server, SMTP sink, web app) is missing or cannot start."""


class TableError(PermanentError):
    """An export table that cannot be read as rows; the message names the file and what to do."""


class DatasetError(PermanentError):
    """Export files that do not make a training set; the message says what is missing."""


class TrainingError(PermanentError):
    """Too few rows or outcomes to train on; the message says what there is."""


class ModelFileError(PermanentError):
    """A model file that is missing, unreadable or from another format."""
