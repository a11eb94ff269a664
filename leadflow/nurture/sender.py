"""The bare sender address from LEADFLOW_MAIL_FROM: Message-IDs and DKIM's d= both use its domain."""

from __future__ import annotations

from email.utils import parseaddr
from functools import lru_cache

from leadflow.core.settings import Settings


def sender_address(settings: Settings) -> str:
    return _bare(settings.mail_from)


@lru_cache(maxsize=8)
def _bare(mail_from: str) -> str:
    return parseaddr(mail_from)[1]
