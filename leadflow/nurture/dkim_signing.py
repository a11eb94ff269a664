"""DKIM signatures on outgoing mail (RFC 6376) and the transport checks RFC 8058 relies on.

RFC 8058 one-click unsubscribe counts only when List-Unsubscribe and List-Unsubscribe-Post
are covered by a valid DKIM signature and the URI is https. Headers a message lacks (a rep
notification has no List-Unsubscribe) are still named in h=: that signs their absence, so
nobody can add one on the way without breaking the signature.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dkim
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from leadflow.core.errors import ConfigError
from leadflow.core.settings import Settings
from leadflow.nurture.sender import sender_address

SIGNED_HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)
LOCAL_HOSTS = frozenset({"localhost"})


# dkimpy computes RSA in pure Python: 28 ms a message on our machine (bench/bench_dkim.py),
# longer than everything else a send costs. Keys we loaded are also handed to OpenSSL, and
# dkimpy's RSA step is routed there for them only: PKCS#1 v1.5 is deterministic, so the
# signature is byte for byte the one dkimpy would compute (tests/unit/test_transport_checks.py
# checks this). Every other key, and verification, stay dkimpy's own.
_OPENSSL_KEYS: dict[int, rsa.RSAPrivateKey] = {}
_dkimpy_rsa_sign = dkim.RSASSA_PKCS1_v1_5_sign


def _rsa_sign(digest: Any, private_key: dict[str, int]) -> bytes:
    key = _OPENSSL_KEYS.get(private_key["modulus"])
    if key is None or digest.name.lower() != "sha256":
        return _dkimpy_rsa_sign(digest, private_key)
    return key.sign(digest.digest(), padding.PKCS1v15(), Prehashed(hashes.SHA256()))


dkim.RSASSA_PKCS1_v1_5_sign = _rsa_sign


@lru_cache(maxsize=4)
def _remember_for_openssl(pem: bytes) -> None:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        return  # dkimpy reports the bad key when it signs
    if isinstance(key, rsa.RSAPrivateKey):
        _OPENSSL_KEYS[key.private_numbers().public_numbers.n] = key


@dataclass(frozen=True)
class DkimKey:
    selector: bytes
    domain: bytes
    private_key: bytes  # PEM


@lru_cache(maxsize=4)
def _read_key(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            str(path), None, "LEADFLOW_DKIM_PRIVATE_KEY_FILE", f"cannot read: {exc}"
        ) from exc


def dkim_key(settings: Settings) -> DkimKey | None:
    """The signing key the settings give, or None (mail goes out unsigned)."""
    if settings.dkim_private_key is not None:
        pem = settings.dkim_private_key.get_secret_value().encode("ascii")
    elif settings.dkim_private_key_file is not None:
        pem = _read_key(settings.dkim_private_key_file)
    else:
        return None
    if not settings.dkim_selector:
        raise ConfigError(
            "settings", None, "LEADFLOW_DKIM_SELECTOR", "a DKIM key needs its selector"
        )
    domain = settings.dkim_domain or sender_address(settings).rsplit("@", 1)[-1]
    _remember_for_openssl(pem)
    return DkimKey(settings.dkim_selector.encode("ascii"), domain.encode("ascii"), pem)


def sign(data: bytes, key: DkimKey) -> bytes:
    """The message with a DKIM-Signature header in front (relaxed header canonicalization)."""
    try:
        header = dkim.sign(
            data,
            key.selector,
            key.domain,
            key.private_key,
            include_headers=[h.encode("ascii") for h in SIGNED_HEADERS],
            canonicalize=(b"relaxed", b"simple"),
        )
    except dkim.KeyFormatError as exc:
        raise ConfigError(
            "settings", None, "LEADFLOW_DKIM_PRIVATE_KEY", f"not a usable key: {exc}"
        ) from exc
    return header.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + data


def _loopback(host: str) -> bool:
    if host.lower() in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def transport_warnings(settings: Settings) -> list[str]:
    """What makes one-click unsubscribe unreliable: an http base URL (outside local mode, where
    the base URL is this machine) and no DKIM key."""
    warnings: list[str] = []
    parts = urlsplit(settings.public_base_url)
    local = _loopback(parts.hostname or "")
    if parts.scheme != "https" and not local:
        warnings.append(
            f"LEADFLOW_PUBLIC_BASE_URL is {parts.scheme}, not https ({settings.public_base_url}): "
            "RFC 8058 one-click unsubscribe needs an https URI, and mailbox providers ignore it"
        )
    if not local and settings.dkim_private_key is None and settings.dkim_private_key_file is None:
        warnings.append(
            "no DKIM key (LEADFLOW_DKIM_PRIVATE_KEY or _FILE): mail goes out unsigned, "
            "so List-Unsubscribe is not covered by a signature as RFC 8058 requires"
        )
    return warnings
