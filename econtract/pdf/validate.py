"""Validate every signature of a PDF and say, per signature, what holds and what does not.

pyHanko checks the cryptography, the certificate path and its revocation, and — through its
difference analysis — what changed in the file after each signature. This module turns that
into one report with a verdict and the reasons, under the policy a finished contract needs:

- each signature is intact, cryptographically valid with an accepted algorithm (no SHA-1),
  made with a certificate that chains to a trusted root, is not revoked, and allows signing;
- each signature's time stamp, if any, is equally valid;
- a certification signature's DocMDP permissions were respected;
- changes after a signature are at most further signatures and form filling, and after the
  *last* signature nothing but validation data and document time stamps (PAdES B-LTA): the
  whole file is covered otherwise. Anything else — new page content, a swapped object, a
  rewritten cross-reference — fails the document.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from typing import Any

import aiohttp
from asn1crypto import x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature, async_validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError, SignatureValidationError
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from econtract.errors import EContractError
from econtract.pdf.diffpolicy import CONTRACT_DIFF_POLICY
from econtract.pdf.sign import REVINFO_TOLERANCE

__all__ = ["PdfValidationError", "SignatureReport", "ValidationReport", "validate_pdf"]


class PdfValidationError(EContractError):
    """The file is not a PDF whose signatures can be examined at all."""


@dataclass(frozen=True)
class SignatureReport:
    """What was found for one signature or document time stamp."""

    field_name: str
    kind: str  # "certification", "approval" or "document time stamp"
    signer: str
    chain: tuple[str, ...]  # trust anchor first, the signer's certificate last
    intact: bool
    valid: bool
    trusted: bool
    revoked: bool
    coverage: str  # "entire file", "entire revision", "partial", "unclear"
    modification_level: str  # none, lta_updates, form_filling, annotations, other
    signing_time: datetime | None
    timestamp: datetime | None
    problems: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ValidationReport:
    signatures: tuple[SignatureReport, ...]
    problems: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return (
            bool(self.signatures) and not self.problems and all(s.passed for s in self.signatures)
        )

    def summary(self) -> str:
        lines = [f"{'PASSED' if self.passed else 'FAILED'}: {len(self.signatures)} signature(s)"]
        lines += [f"  document: {problem}" for problem in self.problems]
        for report in self.signatures:
            verdict = "ok" if report.passed else "FAILED"
            lines.append(f"  {report.field_name} ({report.kind}, {report.signer}): {verdict}")
            lines += [f"    - {problem}" for problem in report.problems]
        return "\n".join(lines)


_COVERAGE: dict[SignatureCoverageLevel | None, str] = {
    SignatureCoverageLevel.ENTIRE_FILE: "entire file",
    SignatureCoverageLevel.ENTIRE_REVISION: "entire revision",
    SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START: "partial",
    SignatureCoverageLevel.UNCLEAR: "unclear",
}


_DOCUMENT_SIGNING_PURPOSES = frozenset(
    {
        "adobe_authentic_documents_trust",
        "microsoft_document_signing",
        "email_protection",  # what most personal (S/MIME) certificates carry
        "1.3.6.1.5.5.7.3.36",  # id-kp-documentSigning (RFC 9336)
        "any_extended_key_usage",
    }
)
_OUT_OF_BOUNDS = (
    "it had expired or was not yet valid when the signature was made, and no time stamp "
    "proves the signature older"
)
_TRUST_PROBLEMS = {
    AdESIndeterminate.OUT_OF_BOUNDS_NO_POE: _OUT_OF_BOUNDS,
    AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED: _OUT_OF_BOUNDS,
    AdESIndeterminate.EXPIRED: "it has expired",
    AdESIndeterminate.NOT_YET_VALID: "it is not valid yet",
    AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND: "no path to a trusted root",
    AdESIndeterminate.CHAIN_CONSTRAINTS_FAILURE: (
        "it may not be used for document signatures (key usage or CA constraints)"
    ),
    AdESIndeterminate.REVOKED_CA_NO_POE: "an issuing CA is revoked",
    AdESIndeterminate.TRY_LATER: "its revocation status could not be obtained",
    AdESIndeterminate.REVOCATION_OUT_OF_BOUNDS_NO_POE: "no current revocation information",
}


def _signer(certificate: x509.Certificate | None) -> str:
    if certificate is None:
        return "?"
    name = certificate.subject.native
    return str(name.get("common_name") or certificate.subject.human_friendly)


def _chain(path: Any) -> tuple[str, ...]:
    """The validated certificate path as subject names, or nothing when none was found."""
    if path is None:
        return ()
    return tuple(_signer(certificate) for certificate in path.iter_certs(include_root=True))


def _signature_problems(status: Any) -> list[str]:
    """Integrity, algorithm, and the signer's certificate: trust, revocation, purpose."""
    problems = []
    if not status.intact:
        problems.append("the signed bytes were changed (digest mismatch)")
    elif not status.valid:
        problems.append(
            f"the signature value is invalid or uses a refused algorithm ({status.md_algorithm})"
        )
    indication = status.trust_problem_indic
    if status.revoked:
        problems.append("the signer's certificate is revoked")
    elif indication is AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE:
        problems.append(
            f"the signature uses a refused algorithm ({status.md_algorithm}) or a too weak key"
        )
    elif not status.trusted:
        reason = _TRUST_PROBLEMS.get(indication) or (
            indication.name.lower().replace("_", " ") if indication else "no trusted path"
        )
        problems.append(f"the signer's certificate is not trusted: {reason}")
    purposes = status.signing_cert.extended_key_usage_value if status.signing_cert else None
    if purposes is not None and not set(purposes.native) & _DOCUMENT_SIGNING_PURPOSES:
        # A certificate that names its purposes must name document signing (a time-stamping
        # or TLS certificate signs no contract); one that names none may sign.
        problems.append(
            "the signer's certificate is not for signing documents: " + ", ".join(purposes.native)
        )
    return problems


def _document_problems(status: Any, *, last: bool, timestamp_required: bool) -> list[str]:
    """What happened to the file after the signature, and the signature's time stamp."""
    problems = []
    if status.docmdp_ok is False:
        problems.append("changes after the certification signature break its DocMDP permissions")
    level = status.modification_level
    whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if level is None or level > ModificationLevel.FORM_FILLING:
        problems.append(
            "the document was changed after this signature beyond signing and form filling"
        )
    elif last and not whole_file and level != ModificationLevel.LTA_UPDATES:
        problems.append("the last signature does not cover the whole file")
    if status.timestamp_validity is not None:
        ts = status.timestamp_validity
        if not (ts.intact and ts.valid and ts.trusted):
            problems.append("the signature time stamp is not valid or not trusted")
    elif timestamp_required:
        problems.append("the signature has no time stamp")
    return problems


@dataclass(frozen=True)
class _Options:
    trust_roots: list[x509.Certificate]
    moment: datetime | None
    allow_fetching: bool
    require_timestamp: bool
    embedded: bool


async def _validate(data: bytes, options: _Options) -> ValidationReport:
    # One HTTP session for every CRL and OCSP fetch of this validation, closed at the end.
    async with aiohttp.ClientSession() as session:
        return await _validate_in(session, data, options)


def _archive_time(timestamps: list[Any]) -> datetime | None:
    """When the earliest document time stamp says the file, with its validation data, existed."""
    times = []
    for embedded in timestamps:
        with contextlib.suppress(KeyError, ValueError, TypeError):
            info = embedded.signed_data["encap_content_info"]["content"].parsed
            times.append(info["gen_time"].native)
    return min(times) if times else None


def _read(data: bytes) -> tuple[PdfFileReader, list[Any], list[Any]]:
    """The reader, the regular signatures and the document time stamps of ``data``."""
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
    except (PdfError, ValueError, KeyError) as exc:
        raise PdfValidationError(f"not a readable PDF: {exc}") from exc
    try:
        regular = list(reader.embedded_regular_signatures)
        timestamps = list(reader.embedded_timestamp_signatures)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        # A signature whose value or byte range cannot even be read is a forgery attempt
        # (or damage); either way the document cannot pass.
        raise PdfValidationError(f"a signature of the document is malformed: {exc}") from exc
    return reader, regular, timestamps


def _level(status: Any) -> str:
    level = status.modification_level
    return str(level.name.lower()) if level is not None else "unknown"


def _signature_report(
    embedded: Any, status: Any, *, last: bool, options: _Options
) -> SignatureReport:
    timestamp = status.timestamp_validity.timestamp if status.timestamp_validity else None
    return SignatureReport(
        field_name=embedded.field_name,
        kind="certification" if embedded.docmdp_level is not None else "approval",
        signer=_signer(status.signing_cert),
        chain=_chain(status.validation_path),
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        revoked=status.revoked,
        coverage=_COVERAGE.get(status.coverage, "unclear"),
        modification_level=_level(status),
        signing_time=status.signer_reported_dt,
        timestamp=timestamp,
        problems=tuple(
            _signature_problems(status)
            + _document_problems(status, last=last, timestamp_required=options.require_timestamp)
        ),
    )


def _timestamp_report(embedded: Any, stamp: Any) -> SignatureReport:
    problems = []
    if not (stamp.intact and stamp.valid):
        problems.append("the document time stamp is invalid")
    if not stamp.trusted:
        problems.append("the document time stamp's authority is not trusted")
    if stamp.modification_level is None or stamp.modification_level > ModificationLevel.LTA_UPDATES:
        problems.append("the document was changed after its document time stamp")
    return SignatureReport(
        field_name=embedded.field_name,
        kind="document time stamp",
        signer=_signer(stamp.signing_cert),
        chain=_chain(stamp.validation_path),
        intact=stamp.intact,
        valid=stamp.valid,
        trusted=stamp.trusted,
        revoked=False,
        coverage=_COVERAGE.get(stamp.coverage, "unclear"),
        modification_level=_level(stamp),
        signing_time=None,
        timestamp=stamp.timestamp,
        problems=tuple(problems),
    )


async def _validate_in(
    session: aiohttp.ClientSession, data: bytes, options: _Options
) -> ValidationReport:
    reader, regular, timestamps = _read(data)
    document_problems = [] if regular else ["the document has no signature"]
    dss = None
    if options.embedded:
        try:
            dss = DocumentSecurityStore.read_dss(reader)
        except NoDSSFoundError:
            document_problems.append(
                "the document carries no validation data (PAdES B-LT or B-LTA is needed "
                "to validate it from the file alone)"
            )
    # From the file alone, signatures are checked as of the earliest document time stamp: it
    # proves that they, and the revocation data beside them, existed then.
    archive_time = _archive_time(timestamps) if options.embedded else None

    def context(at: datetime | None = None) -> ValidationContext:
        settings: dict[str, Any] = {
            "trust_roots": options.trust_roots,
            "moment": at or options.moment,
            "allow_fetching": options.allow_fetching and not options.embedded,
            "revocation_mode": "require",
            "fetcher_backend": AIOHttpFetcherBackend(session),
            # Revocation data is dated by its responder's clock (see `_online_context`).
            "time_tolerance": REVINFO_TOLERANCE,
        }
        return dss.as_validation_context(settings) if dss else ValidationContext(**settings)

    # Extended key usage is checked in _signature_problems: pyHanko 0.38 rebuilds these
    # constraints and drops explicit_extd_key_usage_required, which would refuse
    # certificates without any EKU.
    usage = KeyUsageConstraints(key_usage={"non_repudiation", "digital_signature"})
    reports = []
    for index, embedded in enumerate(regular):
        try:
            status = await async_validate_pdf_signature(
                embedded,
                signer_validation_context=context(archive_time),
                ts_validation_context=context(archive_time),
                key_usage_settings=usage,
                diff_policy=CONTRACT_DIFF_POLICY,
            )
        except (SignatureValidationError, PdfError, ValueError) as exc:
            reports.append(_unreadable(embedded.field_name, str(exc)))
            continue
        last = index == len(regular) - 1
        reports.append(_signature_report(embedded, status, last=last, options=options))
    for embedded in timestamps:
        at = _archive_time([embedded]) if options.embedded else None
        try:
            stamp = await async_validate_pdf_timestamp(
                embedded, validation_context=context(at), diff_policy=CONTRACT_DIFF_POLICY
            )
        except (SignatureValidationError, PdfError, ValueError) as exc:
            reports.append(_unreadable(embedded.field_name, str(exc), "document time stamp"))
            continue
        reports.append(_timestamp_report(embedded, stamp))
    return ValidationReport(tuple(reports), tuple(document_problems))


def _unreadable(field_name: str, reason: str, kind: str = "approval") -> SignatureReport:
    return SignatureReport(
        field_name=field_name,
        kind=kind,
        signer="?",
        chain=(),
        intact=False,
        valid=False,
        trusted=False,
        revoked=False,
        coverage="unclear",
        modification_level="unknown",
        signing_time=None,
        timestamp=None,
        problems=(f"the signature cannot be examined: {reason}",),
    )


def validate_pdf(
    data: bytes,
    trust_roots: list[x509.Certificate],
    *,
    moment: datetime | None = None,
    allow_fetching: bool = True,
    require_timestamp: bool = False,
    embedded: bool = False,
) -> ValidationReport:
    """Validate all signatures of ``data`` against ``trust_roots`` under the strict policy.

    With ``embedded``, nothing is fetched: certificates and revocation data come from the
    file's document security store, and signatures are judged as of the earliest document
    time stamp — how a PAdES B-LTA contract is checked long after its CA stopped answering.
    """
    options = _Options(trust_roots, moment, allow_fetching, require_timestamp, embedded)
    return asyncio.run(_validate(data, options))
