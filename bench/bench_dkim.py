"""What DKIM signing adds to composing a message: build_raw with and without a key.

    python bench/bench_dkim.py [--messages 2000] [--bits 2048]

Prints messages per second and microseconds per message for each; the difference is the
cost of the signature (dkimpy, RSA-SHA256, relaxed/simple).
"""

from __future__ import annotations

import argparse
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from leadflow.nurture.render import RenderedEmail
from leadflow.nurture.mailer import build_raw
from leadflow.core.settings import Settings

EMAIL = RenderedEmail(
    "Ada, the 10-minute guide to routing leads right", "<p>Hi Ada,</p>" * 40, "Hi Ada,\n" * 40
)
HEADERS = {
    "List-Unsubscribe": "<https://t.example/u/u.1.0.sig>, "
    "<mailto:unsubscribe@leadflow.example?subject=1>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


def per_message(settings: Settings, count: int) -> float:
    started = time.perf_counter()
    for n in range(count):
        build_raw(settings, f"lead{n}@example.org", EMAIL, f"<{n}@leadflow.example>", HEADERS)
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--bits", type=int, default=2048)
    args = parser.parse_args()
    key = rsa.generate_private_key(public_exponent=65537, key_size=args.bits)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    plain = Settings(_env_file=None)  # type: ignore[call-arg]
    key = SecretStr(pem)
    signed = Settings(  # type: ignore[call-arg]
        _env_file=None, dkim_private_key=key, dkim_selector="bench"
    )
    for name, settings in (("unsigned", plain), (f"dkim rsa-{args.bits}", signed)):
        seconds = per_message(settings, args.messages)
        print(f"{name:>14}: {1 / seconds:9.0f} messages/s, {seconds * 1e6:8.0f} us/message")


if __name__ == "__main__":
    main()
