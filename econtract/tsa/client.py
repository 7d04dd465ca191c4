"""Asking an RFC 3161 time-stamping authority for a token, and checking one offline.

The evidence log anchors its signed tree heads with time stamps from an outside TSA: the TSA
attests that the head existed at its ``genTime``, independently of our clock and our keys.
`request_token` is the online half; `verify_token` is what a court or a counterparty runs on
an evidence package: message imprint, CMS signature over the signed attributes, and the
signer's certificate path up to a root the caller trusts — with nothing fetched from anywhere.
"""

from __future__ import annotations

import hashlib
import secrets
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms, tsp, x509
from cryptography import x509 as crypto_x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

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


def _verify_signature(certificate: x509.Certificate, signature: bytes, data: bytes) -> None:
    public_key = crypto_x509.load_der_x509_certificate(certificate.dump()).public_key()
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    elif isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    else:
        raise InvalidSignature("unsupported key type")


def _path_to_root(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    roots: Sequence[x509.Certificate],
    at: datetime,
) -> None:
    current = crypto_x509.load_der_x509_certificate(leaf.dump())
    pool = [crypto_x509.load_der_x509_certificate(c.dump()) for c in intermediates]
    anchors = [crypto_x509.load_der_x509_certificate(c.dump()) for c in roots]
    for _depth in range(8):
        if not current.not_valid_before_utc <= at <= current.not_valid_after_utc:
            raise TokenInvalid(f"{current.subject.rfc4514_string()} was not valid at {at}")
        for anchor in anchors:
            if anchor.subject == current.issuer:
                try:
                    current.verify_directly_issued_by(anchor)
                except (InvalidSignature, ValueError, TypeError):
                    continue
                return
        for candidate in pool:
            if candidate.subject == current.issuer and candidate != current:
                try:
                    current.verify_directly_issued_by(candidate)
                except (InvalidSignature, ValueError, TypeError):
                    continue
                current = candidate
                break
        else:
            raise TokenInvalid(
                f"no trusted issuer for {current.subject.rfc4514_string()} "
                f"(issuer {current.issuer.rfc4514_string()})"
            )
    raise TokenInvalid("the certificate path is too long")


def verify_token(
    token_der: bytes,
    digest: bytes,
    *,
    certificates: Sequence[x509.Certificate] = (),
    trusted_roots: Sequence[x509.Certificate],
) -> TimeStampInfo:
    """Check a ``TimeStampToken`` over the SHA-256 ``digest`` without any network access.

    ``certificates`` supplements those in the token (intermediates, the TSA's own);
    ``trusted_roots`` are the only anchors accepted.
    """
    try:
        content_info = cms.ContentInfo.load(token_der)
        signed_data = content_info["content"]
        encapsulated = signed_data["encap_content_info"]
        if encapsulated["content_type"].native != "tst_info":
            raise TokenInvalid("the token does not carry a TSTInfo")
        info_der = encapsulated["content"].contents
        info = tsp.TSTInfo.load(info_der)
        imprint = info["message_imprint"]
        (signer_info,) = signed_data["signer_infos"]
        in_token = [
            choice.chosen
            for choice in signed_data["certificates"] or []
            if choice.name == "certificate"
        ]
    except (ValueError, TypeError, KeyError) as error:
        raise TokenInvalid(f"not a well-formed time-stamp token: {error}") from error
    if imprint["hash_algorithm"]["algorithm"].native != "sha256":
        raise TokenInvalid("the token's imprint is not SHA-256")
    if imprint["hashed_message"].native != digest:
        raise TokenInvalid("the token stamps other data")
    pool = [*in_token, *certificates]
    identifier = signer_info["sid"].chosen
    signer = next(
        (
            c
            for c in pool
            if c.issuer == identifier["issuer"]
            and c.serial_number == identifier["serial_number"].native
        ),
        None,
    )
    if signer is None:
        raise TokenInvalid("the TSA's certificate is neither in the token nor supplied")
    if (signer.extended_key_usage_value or x509.ExtKeyUsageSyntax([])).native != ["time_stamping"]:
        raise TokenInvalid("the signer's certificate is not a time-stamping certificate")
    attributes = signer_info["signed_attrs"]
    message_digest = next(
        (a["values"][0].native for a in attributes if a["type"].native == "message_digest"),
        None,
    )
    if message_digest != hashlib.sha256(info_der).digest():
        raise TokenInvalid("the token's content does not match its signed digest")
    essential = {a["type"].native for a in attributes}
    if "signing_certificate_v2" not in essential and "signing_certificate" not in essential:
        raise TokenInvalid("the token does not bind the TSA's certificate (ESS)")
    try:
        _verify_signature(signer, signer_info["signature"].native, attributes.untag().dump())
    except InvalidSignature as error:
        raise TokenInvalid("the TSA's signature over the token does not verify") from error
    time = info["gen_time"].native
    _path_to_root(signer, pool, trusted_roots, time)
    return TimeStampInfo(
        time=time,
        serial_number=info["serial_number"].native,
        policy=info["policy"].native,
        tsa=signer.subject.human_friendly,
        tsa_certificate_sha256=hashlib.sha256(signer.dump()).hexdigest(),
    )
