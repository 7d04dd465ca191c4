"""The HMAC-SHA256 signature of a webhook delivery, made by the sender, checked by a
receiver.

The timestamp and the nonce are signed with the body, so a captured request cannot be
replayed later (the timestamp is too old) or sooner (a receiver remembers the nonces of
the last minutes), and neither can be swapped without breaking the signature. The event
and delivery headers are not signed: they repeat, for routing, the ``type`` and ``id`` the
signed body carries, which is what a receiver should act on.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

from econtract.errors import EContractError

__all__ = [
    "HEADER_DELIVERY",
    "HEADER_EVENT",
    "HEADER_NONCE",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "SignatureError",
    "SignatureExpired",
    "sign",
    "verify",
]

HEADER_EVENT = "X-Econtract-Event"
HEADER_DELIVERY = "X-Econtract-Delivery"
HEADER_TIMESTAMP = "X-Econtract-Timestamp"
HEADER_NONCE = "X-Econtract-Nonce"
HEADER_SIGNATURE = "X-Econtract-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE = 300


class SignatureError(EContractError):
    """The request does not carry a valid signature of its body: a header is missing or
    malformed, or the signature was made with another secret or over other bytes."""


class SignatureExpired(SignatureError):
    """The signature is valid but its timestamp is further from now than the tolerance:
    a replay of an old request, or a clock far off."""


def _mac(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = timestamp.encode("ascii") + b"." + nonce.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(
    secret: str, body: bytes, *, timestamp: int | None = None, nonce: str | None = None
) -> dict[str, str]:
    """The timestamp, nonce and signature headers of one attempt to deliver ``body``."""
    if not secret:
        raise SignatureError("A webhook secret is required to sign.")
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(16)
    return {
        HEADER_TIMESTAMP: stamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: f"{SCHEME}={_mac(secret, stamp, nonce, body)}",
    }


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    if not value:
        raise SignatureError(f"The request has no {name} header.")
    return value.strip()


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> None:
    """Check that ``body`` and its headers were signed with ``secret`` within ``tolerance``
    seconds of ``now``; raise `SignatureError` (or `SignatureExpired`) if not.

    Headers are looked up without regard to case. Several ``v1=`` values separated by
    commas are accepted (any one valid), so that a sender may sign with an old and a new
    secret while a rotation is under way.
    """
    stamp = _header(headers, HEADER_TIMESTAMP)
    nonce = _header(headers, HEADER_NONCE)
    given = _header(headers, HEADER_SIGNATURE)
    if not (stamp.isascii() and stamp.isdigit()) or not (nonce.isascii() and nonce.isprintable()):
        raise SignatureError("The timestamp or the nonce is malformed.")
    expected = _mac(secret, stamp, nonce, body)
    candidates = [
        part.strip().removeprefix(f"{SCHEME}=")
        for part in given.split(",")
        if part.strip().startswith(f"{SCHEME}=")
    ]
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise SignatureError("The signature does not match the body and the secret.")
    current = time.time() if now is None else now
    if abs(current - int(stamp)) > tolerance:
        raise SignatureExpired(
            f"The signature was made {int(current - int(stamp))} s from now, beyond {tolerance} s."
        )
