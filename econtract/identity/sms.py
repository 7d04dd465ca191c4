"""Sending identity-check codes by SMS through an HTTP gateway.

Providers differ, so the gateway is described by configuration rather than code: a URL that
takes a JSON POST ``{"to": "+86…", "text": "…", "from": sender}`` with an optional bearer
token, and answers 2xx with a JSON object carrying the provider's message ``id``. Operators put
a small adapter in front of providers that want another shape. Only numbers in E.164 form are
sent to, so a typo never becomes a message to a stranger's short code.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass

from .codes import IdentityError

__all__ = ["SmsGateway", "SmsRejected", "SmsUnavailable", "normalise_phone", "send_sms"]

_E164 = re.compile(r"\+[1-9][0-9]{7,14}")


class SmsUnavailable(IdentityError):
    """The gateway did not answer or failed (5xx): try again later; nothing was sent."""


class SmsRejected(IdentityError):
    """The gateway refused the message (4xx) or the number is not a valid E.164 number."""


@dataclass(frozen=True)
class SmsGateway:
    url: str
    token: str | None = None
    sender: str | None = None
    timeout: float = 10.0


def normalise_phone(phone: str) -> str:
    """``phone`` in E.164 form (``+8613800138000``), spaces and dashes removed."""
    candidate = re.sub(r"[\s\-()]", "", phone or "")
    if candidate.startswith("00"):
        candidate = "+" + candidate[2:]
    if not _E164.fullmatch(candidate):
        raise SmsRejected(f"{phone!r} is not a phone number in international form (+86…)")
    return candidate


def send_sms(gateway: SmsGateway, phone: str, text: str) -> str:
    """Send ``text`` to ``phone``; return the gateway's message id."""
    if not gateway.url.startswith(("https://", "http://")):
        raise SmsRejected("the SMS gateway URL must be http(s)")
    body = {"to": normalise_phone(phone), "text": text}
    if gateway.sender:
        body["from"] = gateway.sender
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if gateway.token:
        headers["Authorization"] = f"Bearer {gateway.token}"
    request = urllib.request.Request(
        gateway.url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers=headers,
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=gateway.timeout) as response:
            answer = response.read()
    except urllib.error.HTTPError as error:
        detail = error.read()[:200].decode("utf-8", "replace")
        if 400 <= error.code < 500:
            raise SmsRejected(
                f"the SMS gateway refused the message ({error.code}): {detail}"
            ) from error
        raise SmsUnavailable(f"the SMS gateway failed ({error.code}): {detail}") from error
    except (OSError, ValueError) as error:
        raise SmsUnavailable(f"the SMS gateway is unreachable: {error}") from error
    try:
        message_id = json.loads(answer)["id"]
    except (ValueError, KeyError, TypeError) as error:
        raise SmsUnavailable("the SMS gateway answered without a message id") from error
    return str(message_id)
