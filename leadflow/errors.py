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


class DeliveryError(LeadflowError):
    """An email could not be handed to the SMTP server."""


class TransientDeliveryError(DeliveryError, TransientError):
    """SMTP 4xx or a connection problem: try again later."""


class PermanentDeliveryError(DeliveryError, PermanentError):
    """SMTP 5xx: the address bounced."""


def is_transient(exc: BaseException) -> bool:
    """Retry condition for Prefect tasks."""
    return isinstance(exc, TransientError)
