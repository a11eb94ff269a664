"""Warnings for what breaks RFC 8058 one-click unsubscribe, and DKIM key errors named clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from leadflow.core.errors import ConfigError
from leadflow.nurture.dkim_signing import dkim_key, transport_warnings
from leadflow.core.settings import Settings


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8470", "http://localhost:8470", "http://[::1]:8470"]
)
def test_local_mode_is_quiet(url: str) -> None:
    assert transport_warnings(settings(public_base_url=url)) == []


def test_an_http_base_url_outside_local_mode_is_warned_about() -> None:
    warnings = transport_warnings(
        settings(
            public_base_url="http://leads.example.com",
            dkim_private_key=SecretStr("x"),
            dkim_selector="s",
        )
    )
    assert (
        len(warnings) == 1
        and "not https" in warnings[0]
        and "http://leads.example.com" in warnings[0]
    )


def test_https_without_a_dkim_key_is_warned_about() -> None:
    warnings = transport_warnings(settings(public_base_url="https://leads.example.com"))
    assert len(warnings) == 1 and "DKIM" in warnings[0]


def test_a_key_without_a_selector_or_an_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="LEADFLOW_DKIM_SELECTOR"):
        dkim_key(settings(dkim_private_key=SecretStr("pem")))
    with pytest.raises(ConfigError, match="LEADFLOW_DKIM_PRIVATE_KEY_FILE"):
        dkim_key(settings(dkim_private_key_file=tmp_path / "missing.pem", dkim_selector="s"))
    found = dkim_key(
        settings(
            dkim_private_key=SecretStr("pem"),
            dkim_selector="s",
            mail_from="News <news@mail.example.net>",
        )
    )
    assert found is not None and found.domain == b"mail.example.net"


def test_the_openssl_rsa_step_gives_dkimpys_exact_signature() -> None:
    import hashlib

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from dkim.crypto import parse_pem_private_key

    from leadflow.nurture import dkim_signing

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    parsed = parse_pem_private_key(pem)
    digest = hashlib.sha256(b"DKIM-Signature: v=1; a=rsa-sha256; b=")
    pure = dkim_signing._dkimpy_rsa_sign(digest, parsed)
    assert parsed["modulus"] not in dkim_signing._OPENSSL_KEYS  # unknown keys stay dkimpy's
    dkim_signing._remember_for_openssl(pem)
    assert parsed["modulus"] in dkim_signing._OPENSSL_KEYS
    assert dkim_signing._rsa_sign(digest, parsed) == pure
