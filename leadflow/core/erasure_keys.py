"""The key an erased person's address leaves behind: a salted hash on the suppression list.

A keyed hash (HMAC-SHA256 with the application secret as the salt) cannot be reversed or
looked up in a table of common addresses, yet the same address always gives the same key,
so a later row with it is recognised and never mailed. Rotating LEADFLOW_SECRET_KEY makes
old keys unrecognisable: keep the secret for as long as erasures must hold.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from leadflow.core.models import Suppression
from leadflow.core.value_lists import among

ERASED_PREFIX = "erased:"
ERASED_REASON = "erased"


def erasure_key(secret: str, email: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), email.strip().lower().encode("utf-8"), hashlib.sha256)
    return ERASED_PREFIX + digest.hexdigest()


def erased_addresses(session: Any, secret: str, emails: Iterable[str]) -> set[str]:
    """Which of these addresses belong to an erased person (their key is on the list)."""

    keys = {erasure_key(secret, email): email for email in emails}
    if not keys:
        return set()
    found = session.scalars(select(Suppression.email).where(among(Suppression.email, keys)))
    return {keys[key] for key in found}
