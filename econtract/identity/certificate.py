"""Signers who bring their own certificate: then the certificate is the identity check.

A qualified or corporate certificate already ties a key to a person, checked by the CA that
issued it. The platform accepts it instead of a one-time code when three things hold: it
chains to a CA the platform trusts, it is valid and not revoked now, and it is issued to
the person the signer is (the name compared after Unicode normalisation, so full-width and
half-width forms of the same name match). The key itself proves possession when it signs.
"""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
from asn1crypto import x509
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from .codes import IdentityError

__all__ = ["CertificateIdentity", "CertificateRefused", "check_own_certificate"]


class CertificateRefused(IdentityError):
    """The signer's own certificate does not prove who they are; it signs nothing."""


@dataclass(frozen=True)
class CertificateIdentity:
    """What the certificate established: recorded as the signer's identity evidence."""

    name: str
    serial: str  # hex
    issuer: str
    not_after: datetime


def _normal(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


async def _validate(
    certificate: x509.Certificate,
    roots: list[x509.Certificate],
    intermediates: list[x509.Certificate],
    moment: datetime | None,
) -> None:
    """Two passes. The uploaded file is untrusted, and so is every address it names: first
    the path to a trusted root is built and checked from what was given, fetching nothing;
    only a certificate that passed that is checked for revocation online — at the CRL and
    OCSP addresses of certificates a trusted authority signed."""

    async def check(**context: Any) -> None:
        validation = ValidationContext(
            trust_roots=roots, other_certs=intermediates, moment=moment, **context
        )
        validator = CertificateValidator(certificate, validation_context=validation)
        await validator.async_validate_usage({"non_repudiation"})  # type: ignore[no-untyped-call]

    await check(allow_fetching=False, revocation_mode="soft-fail")
    # A session of our own, closed when done: the validator's default one is left open.
    async with aiohttp.ClientSession() as session:
        await check(
            allow_fetching=True,
            revocation_mode="hard-fail",
            fetcher_backend=AIOHttpFetcherBackend(session),
        )


def check_own_certificate(
    certificate: x509.Certificate,
    *,
    expected_name: str,
    trust_roots: Iterable[x509.Certificate],
    intermediates: Iterable[x509.Certificate] = (),
    moment: datetime | None = None,
) -> CertificateIdentity:
    """Check that ``certificate`` may stand for ``expected_name``'s identity check.

    The path to a trusted root is checked first with nothing fetched; revocation is then
    checked online (CRL or OCSP at the addresses of a certificate that chains to a trusted
    root): a certificate whose status cannot be learnt is refused.
    """
    name = certificate.subject.native.get("common_name") or ""
    if _normal(name) != _normal(expected_name):
        raise CertificateRefused(f"the certificate is issued to {name!r}, not {expected_name!r}")
    roots = list(trust_roots)
    if not roots:
        raise CertificateRefused("no certificate authority is trusted for own certificates")
    try:
        asyncio.run(_validate(certificate, roots, list(intermediates), moment))
    except PathBuildingError as exc:
        raise CertificateRefused("the certificate was not issued by a trusted authority") from exc
    except (PathValidationError, ValidationError) as exc:
        raise CertificateRefused(f"the certificate is not valid now: {exc}") from exc
    return CertificateIdentity(
        name=name,
        serial=format(certificate.serial_number, "x"),
        issuer=certificate.issuer.human_friendly,
        not_after=certificate.not_valid_after,
    )
