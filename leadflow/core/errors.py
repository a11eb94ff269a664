"""The one error tree of leadflow.

Transient errors are worth a retry (network, locks, 4xx SMTP); permanent ones are
not (bad config, bad input, 5xx SMTP). Tasks retry only on ``TransientError``.
"""

from __future__ import annotations


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

    def __init__(self, message: str, status: str = "provider_error", retry_after: float | None = None):
        self.status, self.retry_after = status, retry_after
        super().__init__(message)


class ProviderTransientError(EnrichmentError, TransientError):
    """202 queued, 429, 5xx, a timeout or a dropped connection: asking again may work."""


class ProviderPermanentError(EnrichmentError, PermanentError):
    """Bad input, a broken or oversized answer, a refused redirect: asking again will not help."""


class ProviderDisabledError(ProviderPermanentError):
    """401/402: the key is wrong or out of credits; the provider sits out the rest of the run."""
