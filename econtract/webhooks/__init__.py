"""Webhooks: signing what is sent, verifying what is received, sending it safely.

econtract sends each event as a JSON body with four headers (`signature`):

- ``X-Econtract-Event``: the event type, e.g. ``contract.signed``;
- ``X-Econtract-Delivery``: the event's id — the same in every retry, so a receiver drops
  what it has already seen (delivery is at least once);
- ``X-Econtract-Timestamp`` and ``X-Econtract-Nonce``: when this attempt was made (Unix
  seconds) and a random value unique to it;
- ``X-Econtract-Signature``: ``v1=`` and the hex HMAC-SHA256, keyed with the
  subscription's secret, of ``timestamp + "." + nonce + "." + body``.

A receiver checks it in a few lines:

    >>> from econtract.webhooks import verify
    >>> verify(secret, request.headers, request.body)   # raises SignatureError if forged

`delivery` posts a body to a subscriber's URL without following redirects and, unless
told otherwise, without reaching private, loopback or link-local addresses.
"""

from .delivery import (
    AddressRefused,
    Answer,
    DeliveryError,
    Outcome,
    backoff,
    check_url,
    fetch,
    post,
)
from .signature import (
    HEADER_DELIVERY,
    HEADER_EVENT,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    SignatureError,
    SignatureExpired,
    sign,
    verify,
)

__all__ = [
    "HEADER_DELIVERY",
    "HEADER_EVENT",
    "HEADER_NONCE",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "AddressRefused",
    "Answer",
    "DeliveryError",
    "Outcome",
    "SignatureError",
    "SignatureExpired",
    "backoff",
    "check_url",
    "fetch",
    "post",
    "sign",
    "verify",
]
