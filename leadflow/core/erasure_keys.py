"""The key an erased person's address leaves behind: a salted hash on the suppression list.

A keyed hash (HMAC-SHA256 with the application secret as the salt) cannot be reversed or
looked up in a table of common addresses, yet the same address always gives the same key,
so a later row with it is recognised and never mailed. Rotating LEADFLOW_SECRET_KEY makes
old keys unrecognisable: keep the secret for as long as erasures must hold.
"""

from __future__ import annotations

import hashlib
import hmac

ERASED_PREFIX = "erased:"
ERASED_REASON = "erased"


def erasure_key(secret: str, email: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), email.strip().lower().encode("utf-8"), hashlib.sha256)
    return ERASED_PREFIX + digest.hexdigest()
