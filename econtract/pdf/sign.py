"""PAdES signatures (B-B, B-T, B-LT, B-LTA) with keys that stay in the token.

pyHanko does the PDF and CMS work; this module decides the profile. The first signature of
a contract is a *certification* signature whose DocMDP permissions still allow form filling
and further signatures, every later one an *approval* signature, so no signature invalidates
an earlier one. Higher levels add, in order: a signature time stamp from the TSA (B-T), the
certificates, CRLs and OCSP responses needed to validate it later, in the document security
store (B-LT), and a document time stamp over all of that (B-LTA), which can be renewed
before its certificate expires to keep the file verifiable for decades.

Signing works on bytes and returns bytes: nothing is written unless the whole signature
succeeded, so a token or TSA fault leaves no half-signed file behind (`sign_file` writes
through a temporary file and a rename for the same reason).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from io import BytesIO
from pathlib import Path
from typing import Any

import aiohttp
from asn1crypto import algos, x509
from PIL import Image
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko.sign.validation.dss import async_add_validation_info
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathError
from pyhanko_certvalidator.errors import ValidationError as CertValidationError
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.registry import SimpleCertificateStore

from econtract.errors import EContractError
from econtract.files import write_atomically
from econtract.pdf.fonts import cjk_font
from econtract.pki.keys import SigningKey

__all__ = [
    "Appearance",
    "Level",
    "PdfSigningError",
    "SignatureField",
    "SignatureRequest",
    "TimestampUnavailable",
    "TokenSigner",
    "add_signature_fields",
    "archive_pdf",
    "pkcs12_signer",
    "renew_archive_timestamp",
    "sign_file",
    "sign_pdf",
]

#: Upper bound of a DER ECDSA P-256 signature; RSA signatures are as long as the modulus.
_ECDSA_P256_MAX = 72


class Level(StrEnum):
    """PAdES baseline levels (ETSI EN 319 142-1)."""

    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"
    B_LTA = "B-LTA"

    @property
    def timestamped(self) -> bool:
        return self is not Level.B_B

    @property
    def long_term(self) -> bool:
        return self in (Level.B_LT, Level.B_LTA)


class PdfSigningError(EContractError):
    """The PDF could not be signed; nothing was written."""


class TimestampUnavailable(PdfSigningError):
    """The TSA did not answer, or answered with something that is not a valid time stamp."""


class TokenSigner(signers.Signer):
    """A pyHanko signer whose private key operation is `SigningKey.sign` (a token key).

    Going through `SigningKey` rather than pyHanko's own PKCS#11 signer keeps one path to the
    token: the one that reopens a lost session and maps token errors to ours.
    """

    def __init__(
        self,
        key: SigningKey,
        certificate: x509.Certificate,
        chain: tuple[x509.Certificate, ...] = (),
    ) -> None:
        self.key = key
        algorithm = key.signature_algorithm["algorithm"].native
        self._signature_size = _ECDSA_P256_MAX if algorithm.endswith("ecdsa") else 384
        registry = SimpleCertificateStore()  # type: ignore[no-untyped-call]
        registry.register_multiple([certificate, *chain])
        super().__init__(
            signing_cert=certificate,
            cert_registry=registry,
            signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": algorithm}),
        )

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        if digest_algorithm != "sha256":
            raise PdfSigningError(f"token keys sign SHA-256 only, not {digest_algorithm}")
        if dry_run:
            return bytes(self._signature_size)
        return await asyncio.to_thread(self.key.sign, data)


def pkcs12_signer(data: bytes, passphrase: bytes, *, now: datetime | None = None) -> signers.Signer:
    """A signer with the signer's own certificate and key, from a PKCS#12 file, in memory only.

    For signers who bring their own certificate instead of an event certificate. Nothing is
    written anywhere: the key lives in this object for the one signature it is made for and
    goes with it. A file that cannot be opened, a certificate outside its validity period or
    one that may not sign documents is refused before anything is signed.
    """
    try:
        signer: signers.SimpleSigner = signers.SimpleSigner.load_pkcs12_data(
            data, other_certs=(), passphrase=passphrase
        )
    except ValueError as exc:
        raise PdfSigningError(
            "the PKCS#12 file cannot be opened: wrong passphrase, or not a PKCS#12 file"
        ) from exc
    certificate = signer.signing_cert
    if certificate is None:
        raise PdfSigningError("the PKCS#12 file holds no certificate for its key")
    moment = now or datetime.now(UTC)
    if not certificate.not_valid_before <= moment <= certificate.not_valid_after:
        raise PdfSigningError(
            f"the certificate is valid from {certificate.not_valid_before:%Y-%m-%d} "
            f"to {certificate.not_valid_after:%Y-%m-%d}, not now"
        )
    usage = certificate.key_usage_value
    if usage is not None and not {"digital_signature", "non_repudiation"} & set(usage.native):
        raise PdfSigningError("the certificate may not be used to sign documents")
    return signer


#: Largest appearance image (a drawn signature, a seal) in pixels. A PNG of a few kilobytes
#: can declare millions of pixels; the size is checked before anything is decompressed.
MAX_IMAGE_PIXELS = 4_000_000


@dataclass(frozen=True)
class Appearance:
    """What a visible signature shows, and where.

    ``lines`` are text lines (a typed name, a date; ``{time}`` becomes the signing time) set
    in Noto Sans CJK; ``image`` is a PNG drawn behind them: a handwritten signature captured
    on screen, or a seal (`econtract.pdf.seal.render_seal`).
    """

    lines: tuple[str, ...] = ()
    image: bytes | None = None
    font_size: int = 9


@dataclass(frozen=True)
class SignatureField:
    """A place for a signature, created empty before the first signature of a document.

    Fields are prepared up front because a certification signature allows later signatures
    only into fields it already covers: a new visible field after it is a change that strict
    validators (pyHanko's default, ours) refuse.
    """

    name: str
    page: int  # 0-based; negative counts from the last page (-1: the last)
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in PDF points from bottom left


@dataclass(frozen=True)
class SignatureRequest:
    """One signature to add: who, at which level, into which field, certifying or not."""

    field_name: str
    level: Level = Level.B_LTA
    certify: bool = False
    reason: str | None = None
    location: str | None = None
    name: str | None = None
    timestamp_field_name: str | None = None
    trust_roots: tuple[x509.Certificate, ...] = field(default=())
    appearance: Appearance | None = None


@contextmanager
def tsa_errors() -> Iterator[None]:
    """Turn the ways a time-stamping authority fails into `TimestampUnavailable`, and a
    certificate that does not validate while validation data is gathered into
    `PdfSigningError` (a revoked or expired signer must not get a B-LT signature)."""
    try:
        yield
    except (CertValidationError, PathError) as exc:
        raise PdfSigningError(f"the certificates do not validate: {exc}") from exc
    except TimestampRequestError as exc:
        raise TimestampUnavailable(f"the time-stamping authority failed: {exc}") from exc
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise TimestampUnavailable(f"the time-stamping authority is unreachable: {exc}") from exc


#: How far a responder's CRL or OCSP date may lie after the moment validated for.
REVINFO_TOLERANCE = timedelta(minutes=2)


def _online_context(
    trust_roots: list[x509.Certificate],
    session: aiohttp.ClientSession,
    other_certs: list[x509.Certificate] | None = None,
) -> ValidationContext:
    """Validation against ``trust_roots`` that fetches CRLs and OCSP through ``session`` and
    requires them: what signing at B-LT and later, and archiving, embed.

    The context validates as of its creation; the CRLs and OCSP responses it then fetches
    are dated by their responder, a moment later, on another clock. pyhanko's default
    tolerance (one second) refuses them as "too recent" whenever a fetch is slow or the
    clocks differ by more than that — on a loaded machine, at random. The tolerance is
    `REVINFO_TOLERANCE`, what responders' clocks and fetches may reasonably differ by.
    """
    return ValidationContext(
        trust_roots=trust_roots,
        other_certs=other_certs or [],
        allow_fetching=True,
        revocation_mode="require",
        fetcher_backend=AIOHttpFetcherBackend(session),
        time_tolerance=REVINFO_TOLERANCE,
    )


def signing_validation_context(
    request: SignatureRequest, signer: signers.Signer, session: aiohttp.ClientSession
) -> ValidationContext | None:
    """What B-LT/B-LTA signing validates against; fetches CRLs and OCSP through ``session``."""
    if not request.level.long_term:
        return None
    roots = list(request.trust_roots)
    if not roots:
        raise PdfSigningError("B-LT and B-LTA signatures need the trust roots of the signer")
    return _online_context(roots, session, list(signer.cert_registry))


def add_signature_fields(pdf: bytes, places: list[SignatureField]) -> bytes:
    """``pdf`` with empty signature fields at ``places`` (an incremental update)."""
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    except (PdfError, ValueError) as exc:
        raise PdfSigningError(f"not a PDF that can be signed: {exc}") from exc
    pages = int(writer.root["/Pages"]["/Count"])
    existing = {name for name, _value, _ref in fields.enumerate_sig_fields(writer)}
    for place in places:
        if place.name in existing:
            raise PdfSigningError(f"the document already has a signature field {place.name}")
        page = place.page if place.page >= 0 else pages + place.page
        if not 0 <= page < pages:
            raise PdfSigningError(f"the document has no page {place.page + 1}")
        x1, y1, x2, y2 = place.box
        if x2 <= x1 or y2 <= y1:
            raise PdfSigningError("a signature box needs a positive width and height")
        box = (round(x1), round(y1), round(x2), round(y2))
        fields.append_signature_field(
            writer, fields.SigFieldSpec(place.name, on_page=page, box=box)
        )
        existing.add(place.name)
    output = BytesIO()
    writer.write(output)  # type: ignore[no-untyped-call]
    return output.getvalue()


def _stamp(appearance: Appearance, writer: IncrementalPdfFileWriter) -> TextStampStyle:
    background = None
    if appearance.image is not None:
        try:
            picture = Image.open(BytesIO(appearance.image))
            width, height = picture.size  # read from the header: nothing decompressed yet
            if width * height > MAX_IMAGE_PIXELS:
                raise PdfSigningError(
                    f"the appearance image is {width}×{height} pixels; a signature or seal "
                    f"has at most {MAX_IMAGE_PIXELS:,}"
                )
            picture.load()
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise PdfSigningError(f"the appearance image is not a readable image: {exc}") from exc
        background = PdfImage(picture.convert("RGBA"), writer=writer)
    text = "\n".join(appearance.lines).replace("%", "%%").replace("{time}", "%(ts)s")
    # An embedded font without glyphs is an error in pyHanko: no lines, no CJK font.
    font = (
        TextBoxStyle(font=GlyphAccumulatorFactory(str(cjk_font()), font_size=appearance.font_size))
        if text
        else TextBoxStyle()
    )
    return TextStampStyle(
        stamp_text=text,
        text_box_style=font,
        timestamp_format="%Y-%m-%d %H:%M:%S %Z",
        border_width=0,
        background=background,
        background_opacity=1,
    )


async def _sign(
    pdf: bytes, signer: signers.Signer, request: SignatureRequest, tsa_url: str | None
) -> bytes:
    if request.level.timestamped and not tsa_url:
        raise PdfSigningError(f"a {request.level} signature needs a time-stamping authority")
    async with aiohttp.ClientSession() as session:
        meta = signers.PdfSignatureMetadata(
            field_name=request.field_name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            certify=request.certify,
            docmdp_permissions=fields.MDPPerm.FILL_FORMS,
            reason=request.reason,
            location=request.location,
            name=request.name,
            embed_validation_info=request.level.long_term,
            use_pades_lta=request.level is Level.B_LTA,
            timestamp_field_name=request.timestamp_field_name,
            validation_context=signing_validation_context(request, signer, session),
        )
        timestamper = (
            HTTPTimeStamper(tsa_url, session=session, timeout=10)
            if request.level.timestamped and tsa_url
            else None
        )
        try:
            writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        except (PdfError, ValueError) as exc:
            raise PdfSigningError(f"not a PDF that can be signed: {exc}") from exc
        existing = {name for name, _value, _ref in fields.enumerate_sig_fields(writer)}
        if request.appearance is not None and request.field_name not in existing:
            raise PdfSigningError(
                f"a visible signature goes into a prepared field: add {request.field_name} "
                "with add_signature_fields before the first signature"
            )
        style = _stamp(request.appearance, writer) if request.appearance is not None else None
        output = BytesIO()
        try:
            with tsa_errors():
                pdf_signer = signers.PdfSigner(
                    meta, signer, timestamper=timestamper, stamp_style=style
                )
                await pdf_signer.async_sign_pdf(writer, output=output)
        except PyHankoSigningError as exc:
            raise PdfSigningError(str(exc)) from exc
    return output.getvalue()


def sign_pdf(
    pdf: bytes, signer: signers.Signer, request: SignatureRequest, *, tsa_url: str | None = None
) -> bytes:
    """Return ``pdf`` with one more signature (an incremental update; earlier bytes intact)."""
    return asyncio.run(_sign(pdf, signer, request, tsa_url))


def sign_file(
    source: Path,
    target: Path,
    signer: signers.Signer,
    request: SignatureRequest,
    *,
    tsa_url: str | None = None,
) -> None:
    """Sign ``source`` into ``target``; ``target`` appears only once the signature is whole."""
    write_atomically(target, sign_pdf(source.read_bytes(), signer, request, tsa_url=tsa_url))


def _embedded(pdf: bytes, *, timestamps: bool, purpose: str) -> list[Any]:
    """The signatures (or document time stamps) of ``pdf``; none, or no PDF, is an error
    naming ``purpose``."""
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        found = list(
            reader.embedded_timestamp_signatures
            if timestamps
            else reader.embedded_regular_signatures
        )
    except (PdfError, ValueError, KeyError) as exc:
        raise PdfSigningError(f"not a PDF {purpose}: {exc}") from exc
    if not found:
        kind = "document time stamp" if timestamps else "signature"
        raise PdfSigningError(f"the document has no {kind} {purpose}")
    return found


async def _archive(pdf: bytes, tsa_url: str, trust_roots: list[x509.Certificate]) -> bytes:
    count = len(_embedded(pdf, timestamps=False, purpose="to archive"))
    async with aiohttp.ClientSession() as session:
        with tsa_errors():
            for index in range(count):
                # Each DSS update is a new revision: read the file again to sign over it.
                reader = PdfFileReader(BytesIO(pdf), strict=False)
                output = await async_add_validation_info(
                    reader.embedded_regular_signatures[index],
                    _online_context(trust_roots, session),
                    force_write=False,
                )
                pdf = output.getvalue()
            writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
            stamper = signers.PdfTimeStamper(HTTPTimeStamper(tsa_url, session=session, timeout=10))
            output = BytesIO()
            await stamper.async_timestamp_pdf(
                writer,
                "sha256",
                validation_context=_online_context(trust_roots, session),
                output=output,
            )
    return output.getvalue()


def archive_pdf(pdf: bytes, *, tsa_url: str, trust_roots: list[x509.Certificate]) -> bytes:
    """``pdf`` made PAdES B-LTA as a whole: validation data for every signature, then a
    document time stamp over all of it.

    A contract signed by several people in turn gets B-T signatures as they come (each
    signer waits only for a time stamp); once the last has signed, this adds the
    certificates, CRLs and OCSP responses of *every* signature and its time stamp to the
    document security store, and a document time stamp that seals them in. The file then
    validates from what it carries, long after the CA stopped answering.
    """
    return asyncio.run(_archive(pdf, tsa_url, trust_roots))


async def _renew(pdf: bytes, tsa_url: str, trust_roots: list[x509.Certificate]) -> bytes:
    _embedded(pdf, timestamps=True, purpose="to renew (not B-LTA)")
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    async with aiohttp.ClientSession() as session:
        context = _online_context(trust_roots, session)
        stamper = signers.PdfTimeStamper(HTTPTimeStamper(tsa_url, session=session, timeout=10))
        output = BytesIO()
        with tsa_errors():
            await stamper.async_update_archival_timestamp_chain(
                reader, context, in_place=False, output=output
            )
    return output.getvalue()


def renew_archive_timestamp(
    pdf: bytes, *, tsa_url: str, trust_roots: list[x509.Certificate]
) -> bytes:
    """``pdf`` with fresh validation data for its last document time stamp and a new one.

    A B-LTA file stays verifiable only while the newest document time stamp can be checked:
    before its TSA certificate expires (or its algorithms weaken), the chain is extended —
    the revocation data of the current time stamp goes into the file and a new document time
    stamp covers everything. Run it every few years; nothing earlier changes.
    """
    return asyncio.run(_renew(pdf, tsa_url, trust_roots))
