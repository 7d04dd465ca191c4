"""Asking an RFC 3161 time-stamping authority for a token, and checking one offline.

The evidence log anchors its signed tree heads with time stamps from an outside TSA: the TSA
attests that the head existed at its ``genTime``, independently of our clock and our keys.
`request_token` is the online half; `verify_token` is what a court or a counterparty runs on
an evidence package: the message imprint, then pyHanko's validation of the token (CMS
signature, time-stamping key usage, certificate path up to a root the caller trusts) — with
nothing fetched from anywhere.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms, tsp, x509

from econtract.errors import EContractError

__all__ = [
    "TimeStampError",
    "TimeStampInfo",
    "TokenInvalid",
    "TsaRejected",
    "TsaUnavailable",
    "request_token",
    "verify_token",
]


class TimeStampError(EContractError):
    """Getting or checking an RFC 3161 time stamp failed."""


class TsaUnavailable(TimeStampError):
    """The TSA did not answer (network, HTTP error): try again later."""


class TsaRejected(TimeStampError):
    """The TSA answered with a refusal or with a token for something else."""


class TokenInvalid(TimeStampError):
    """A time-stamp token does not verify: imprint, signature or certificate path."""


@dataclass(frozen=True)
class TimeStampInfo:
    """What a verified token attests."""

    time: datetime
    serial_number: int
    policy: str
    tsa: str
    """The TSA certificate's subject, as text."""
    tsa_certificate_sha256: str


def request_token(url: str, digest: bytes, *, timeout: float = 10) -> bytes:
    """A DER ``TimeStampToken`` (CMS ContentInfo) over the SHA-256 ``digest``.

    The request asks for the TSA's certificate inside the token and carries a random nonce
    that the answer must repeat, so an old answer cannot be replayed to us.
    """
    if len(digest) != 32:
        raise ValueError("a SHA-256 digest has 32 bytes")
    nonce = secrets.randbits(63)
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": digest,
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )
    http_request = urllib.request.Request(
        url,
        data=request.dump(),
        headers={"Content-Type": "application/timestamp-query"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(http_request, timeout=timeout) as answer:
            body = answer.read()
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
        raise TsaUnavailable(
            f"the time-stamping authority at {url} is unreachable: {error}"
        ) from error
    try:
        response = tsp.TimeStampResp.load(body)
        status = response["status"]["status"].native
    except (ValueError, TypeError) as error:
        raise TsaRejected(f"{url} did not answer with a TimeStampResp") from error
    if status not in ("granted", "granted_with_mods"):
        texts = response["status"]["status_string"].native or []
        raise TsaRejected(f"the time-stamping authority refused: {status} {' '.join(texts)}")
    token = response["time_stamp_token"]
    info = token["content"]["encap_content_info"]["content"].parsed
    if info["nonce"].native != nonce:
        raise TsaRejected("the time-stamping authority answered another request (nonce)")
    if info["message_imprint"]["hashed_message"].native != digest:
        raise TsaRejected("the time-stamping authority stamped other data")
    return bytes(token.dump())


def verify_token(
    token_der: bytes,
    digest: bytes,
    *,
    certificates: Sequence[x509.Certificate] = (),
    trusted_roots: Sequence[x509.Certificate],
) -> TimeStampInfo:
    """Check a ``TimeStampToken`` over the SHA-256 ``digest`` without any network access.

    pyHanko does the CMS work (signed attributes, signature, time-stamping key usage, the
    certificate path as of the token's time); ``certificates`` supplements those in the
    token, ``trusted_roots`` are the only anchors accepted. Revocation is not consulted:
    nothing is fetched, and a package carries no CRLs.
    """
    # pyHanko's validation stack takes a third of a second to import; requesting tokens
    # (the server's side) never needs it.
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko.sign.validation.status import TimestampSignatureStatus
    from pyhanko_certvalidator import ValidationContext

    try:
        signed_data = cms.ContentInfo.load(token_der)["content"]
        info = signed_data["encap_content_info"]["content"].parsed
        if not isinstance(info, tsp.TSTInfo):
            raise TokenInvalid("the token does not carry a TSTInfo")
        imprint = info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        stamped = imprint["hashed_message"].native
        time = info["gen_time"].native
    except (ValueError, TypeError, KeyError) as error:
        raise TokenInvalid(f"not a well-formed time-stamp token: {error}") from error
    if algorithm != "sha256":
        raise TokenInvalid("the token's imprint is not SHA-256")
    if stamped != digest:
        raise TokenInvalid("the token stamps other data")
    context = ValidationContext(
        trust_roots=list(trusted_roots),
        other_certs=list(certificates),
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=time,
    )
    try:
        status = TimestampSignatureStatus(
            **asyncio.run(validate_tst_signed_data(signed_data, context, lambda _algo: digest))
        )
    except (SignatureValidationError, ValueError) as error:
        raise TokenInvalid(f"the time-stamp token does not verify: {error}") from error
    signer = status.signing_cert
    if not status.intact or not status.valid:
        raise TokenInvalid("the TSA's signature over the token does not verify")
    if status.trust_problem_indic is not None:
        subject = signer.subject.human_friendly if signer is not None else "?"
        raise TokenInvalid(
            f"no trusted issuer for the TSA's certificate {subject}: {status.trust_problem_indic}"
        )
    return TimeStampInfo(
        time=time,
        serial_number=info["serial_number"].native,
        policy=info["policy"].native,
        tsa=signer.subject.human_friendly,
        tsa_certificate_sha256=hashlib.sha256(signer.dump()).hexdigest(),
    )
