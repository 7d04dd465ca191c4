"""A zeep transport that goes only where a webhook may (`econtract.webhooks.delivery`).

zeep's own transport follows redirects, reads ``file://`` URLs and local paths (a WSDL
"URL" of ``/etc/passwd`` is read from disk) and connects wherever a name resolves. An
administrator's connector URL, and every schema a WSDL imports, go through this one
instead: http(s) only, no private or loopback address unless allowed, the connection to
the address that was checked, no redirects, answers of bounded size.
"""

from __future__ import annotations

import ssl
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any

import requests
import zeep
from requests.structures import CaseInsensitiveDict
from zeep.exceptions import TransportError

from econtract.webhooks.delivery import DeliveryError, fetch

__all__ = ["GuardedTransport"]

MAX_DOCUMENT = 5 * 1024 * 1024  # a WSDL or schema
MAX_ANSWER = 20 * 1024 * 1024  # an operation's answer
MAX_REQUESTS = 64  # a WSDL, the schemas it imports and the call: no service needs more


class GuardedTransport(zeep.Transport):
    """zeep's transport, with every request made by `econtract.webhooks.delivery.fetch`;
    ``headers`` (credentials) are added to requests to ``headers_host`` only.

    `DeliveryError` (and its `AddressRefused`) escape as they are, so that a caller tells
    "no answer" from zeep's faults. ``budget`` (seconds, if given) bounds everything the
    transport does, from the first document to the last answer, and `MAX_REQUESTS` their
    number: a WSDL importing schema after slow schema holds no sender for long."""

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        allow_private: bool = False,
        context: ssl.SSLContext | None = None,
        headers: Mapping[str, str] | None = None,
        headers_host: str | None = None,
        budget: float | None = None,
    ) -> None:
        super().__init__(timeout=timeout, operation_timeout=timeout)
        self.budget = budget
        self._deadline = time.monotonic() + budget if budget else None
        self._requests = 0
        self.allow_private = allow_private
        self.context = context
        self.extra_headers = dict(headers or {})
        self.headers_host = headers_host
        self.last_answer: Any = None

    def _fetch(
        self, method: str, url: str, body: bytes | None, headers: Mapping[str, str], limit: int
    ) -> requests.Response:
        # Credentials (``headers``) go to their host only, not to every host a WSDL names.
        host = urllib.parse.urlsplit(url).hostname
        extra = self.extra_headers if host and host == self.headers_host else {}
        timeout = self.operation_timeout or self.load_timeout or 10.0
        self._requests += 1
        if self._requests > MAX_REQUESTS:
            raise DeliveryError(f"More than {MAX_REQUESTS} requests for one service call.")
        if self._deadline is not None:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise DeliveryError(f"The service took more than {self.budget:g} s in all.")
            timeout = min(timeout, left)
        answer = fetch(
            method,
            url,
            body,
            {"User-Agent": "econtract-soap/1", **extra, **headers},
            timeout=timeout,
            allow_private=self.allow_private,
            context=self.context,
            max_answer=limit,
        )
        self.last_answer = answer
        response = requests.Response()
        response.status_code = answer.status
        response.headers = CaseInsensitiveDict(answer.headers)
        response._content = answer.content
        response.url = url
        return response

    def get(self, address: str, params: Any, headers: Mapping[str, str]) -> requests.Response:
        if params:
            address += ("&" if "?" in address else "?") + requests.compat.urlencode(params)
        return self._fetch("GET", address, None, headers or {}, MAX_ANSWER)

    def post(self, address: str, message: Any, headers: Mapping[str, str]) -> requests.Response:
        body = message.encode() if isinstance(message, str) else message
        return self._fetch("POST", address, body, headers or {}, MAX_ANSWER)

    def load(self, url: str) -> bytes:
        """A WSDL or schema: only over http(s), never from a file."""
        if not url:
            raise ValueError("No URL given to load")
        return self._load_remote_data(url)

    def _load_remote_data(self, url: str) -> bytes:
        response = self._fetch("GET", url, None, {}, MAX_DOCUMENT)
        if response.status_code != 200:
            raise TransportError(
                f"{url} answered {response.status_code}", status_code=response.status_code
            )
        return bytes(response.content)
