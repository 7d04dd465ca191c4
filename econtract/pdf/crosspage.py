"""The cross-page seal (骑缝章): one seal image cut into strips across the right edge of every page.

The seal signature's field gets one widget annotation for the whole seal and one per page
for its strip, all prepared (empty) before the first signature like any other field. When
the seal signs, every widget of the field receives its appearance in the same revision as
the signature value, so the signature covers them all: a page swapped out of the contract
breaks both the strip alignment a reader sees and the signature a validator checks.

pyHanko draws the appearance of one widget per field only, so this signature is embedded
with its lower-level CMS embedder: the appearances are written here, then the signature,
its time stamp and (for B-LT/B-LTA) the validation data and the document time stamp.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

import aiohttp
from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import RawContent
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.cms_embedder import PdfCMSEmbedder, SigIOSetup, SigMDPSetup, SigObjSetup
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation.dss import async_add_validation_info

from econtract.pdf.seal import split_strips
from econtract.pdf.sign import (
    Level,
    PdfSigningError,
    SignatureRequest,
    signing_validation_context,
    tsa_errors,
)

__all__ = ["CrossPageSealField", "add_cross_page_seal_field", "sign_with_cross_page_seal"]

#: Room for the CMS: three certificates, a time-stamp token with its own chain, margin.
_SIGNATURE_BYTES = 24 * 1024


@dataclass(frozen=True)
class CrossPageSealField:
    """Where the whole seal goes, and the size of the strips along the right edge."""

    name: str
    page: int  # page of the whole seal; negative counts from the last page
    box: tuple[float, float, float, float]  # the whole seal, PDF points
    strip_height: float = 113.0  # 40 mm, the usual company seal
    strip_bottom: float | None = None  # default: strips centred on the page


def _empty_appearance(width: float, height: float) -> generic.IndirectObject | generic.StreamObject:
    return RawContent(b"", box=BoxConstraints(width=width, height=height)).as_form_xobject()


def add_cross_page_seal_field(pdf: bytes, place: CrossPageSealField) -> bytes:
    """``pdf`` with an empty seal field: the seal widget plus one strip widget per page."""
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    except (PdfError, ValueError) as exc:
        raise PdfSigningError(f"not a PDF that can be signed: {exc}") from exc
    pages = int(writer.root["/Pages"]["/Count"])
    page = place.page if place.page >= 0 else pages + place.page
    if not 0 <= page < pages:
        raise PdfSigningError(f"the document has no page {place.page + 1}")
    x1, y1, x2, y2 = place.box
    if x2 <= x1 or y2 <= y1 or place.strip_height <= 0:
        raise PdfSigningError("a seal box needs a positive width and height")
    if any(name == place.name for name, _v, _r in fields.enumerate_sig_fields(writer)):
        raise PdfSigningError(f"the document already has a signature field {place.name}")
    spec = fields.SigFieldSpec(
        place.name,
        on_page=page,
        box=(round(x1), round(y1), round(x2), round(y2)),
        combine_annotation=False,
    )
    fields.append_signature_field(writer, spec)
    (_name, _value, field_ref) = next(
        f for f in fields.enumerate_sig_fields(writer) if f[0] == place.name
    )
    field = field_ref.get_object()
    # pyHanko leaves /Parent off the widget it creates; poppler and others need it to tell a
    # widget from a child field.
    main = field["/Kids"][0]
    main[pdf_name("/Parent")] = field_ref
    writer.update_container(main)
    width = place.strip_height / pages
    for index in range(pages):
        page_ref, _resources = writer.find_page_for_modification(index)
        page_dict = page_ref.get_object()
        _mx1, my1, mx2, my2 = (float(v) for v in page_dict["/MediaBox"])
        bottom = place.strip_bottom
        if bottom is None:
            bottom = my1 + (my2 - my1 - place.strip_height) / 2
        rect = [mx2 - width, bottom, mx2, bottom + place.strip_height]
        widget = generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/Widget"),
                pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v) for v in rect),
                pdf_name("/F"): generic.NumberObject(4 | 128),  # print, locked
                pdf_name("/P"): page_ref,
                pdf_name("/Parent"): field_ref,
                pdf_name("/AP"): generic.DictionaryObject(
                    {
                        pdf_name("/N"): writer.add_object(
                            _empty_appearance(width, place.strip_height)
                        )
                    }
                ),
            }
        )
        widget_ref = writer.add_object(widget)
        field["/Kids"].append(widget_ref)
        annots = page_dict.get("/Annots")
        if annots is None:
            page_dict[pdf_name("/Annots")] = generic.ArrayObject([widget_ref])
        else:
            annots.get_object().append(widget_ref)
            if isinstance(annots, generic.IndirectObject):
                writer.update_container(annots)
        writer.update_container(page_dict)
    writer.update_container(field)
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def _picture_appearance(
    writer: IncrementalPdfFileWriter, picture: Image.Image, width: float, height: float
) -> generic.IndirectObject:
    image = PdfImage(picture, writer=writer, box=BoxConstraints(width=width, height=height))
    return writer.add_object(image.as_form_xobject())


def _draw(
    writer: IncrementalPdfFileWriter, field: generic.DictionaryObject, seal: Image.Image
) -> None:
    kids = [kid.get_object() for kid in field["/Kids"]]
    main, strips = kids[0], kids[1:]
    for widget, picture in (
        (main, seal),
        *zip(strips, split_strips(seal, len(strips)), strict=True),
    ):
        x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
        widget[pdf_name("/AP")] = generic.DictionaryObject(
            {pdf_name("/N"): _picture_appearance(writer, picture, x2 - x1, y2 - y1)}
        )
        writer.update_container(widget)


async def _seal(
    pdf: bytes,
    signer: signers.Signer,
    request: SignatureRequest,
    seal_png: bytes,
    tsa_url: str | None,
) -> bytes:
    if request.level.timestamped and not tsa_url:
        raise PdfSigningError(f"a {request.level} signature needs a time-stamping authority")
    try:
        seal = Image.open(BytesIO(seal_png))
        seal.load()
        seal = seal.convert("RGBA")
    except (OSError, ValueError) as exc:
        raise PdfSigningError(f"the seal image is not a readable image: {exc}") from exc
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    except (PdfError, ValueError) as exc:
        raise PdfSigningError(f"not a PDF that can be signed: {exc}") from exc
    found = [
        f
        for f in fields.enumerate_sig_fields(writer, filled_status=False)
        if f[0] == request.field_name
    ]
    if (
        not found
        or "/Kids" not in found[0][2].get_object()
        or len(found[0][2].get_object()["/Kids"]) < 2
    ):
        raise PdfSigningError(
            f"no empty cross-page seal field {request.field_name}: prepare it first "
            "with add_cross_page_seal_field"
        )
    async with aiohttp.ClientSession() as session:
        validation_context = signing_validation_context(request, signer, session)
        timestamper = (
            HTTPTimeStamper(tsa_url, session=session, timeout=10)
            if tsa_url and request.level.timestamped
            else None
        )
        embedder = PdfCMSEmbedder().write_cms(request.field_name, writer, existing_fields_only=True)
        field_ref = next(embedder)
        _draw(writer, field_ref.get_object(), seal)
        embedder.send(
            SigObjSetup(
                sig_placeholder=signers.SignatureObject(
                    timestamp=datetime.now(UTC),
                    subfilter=fields.SigSeedSubFilter.PADES,
                    name=request.name,
                    reason=request.reason,
                    location=request.location,
                    bytes_reserved=_SIGNATURE_BYTES,
                ),
                mdp_setup=SigMDPSetup(
                    "sha256", certify=True, docmdp_perms=fields.MDPPerm.FILL_FORMS
                )
                if request.certify
                else None,
            )
        )
        prepared, output = embedder.send(
            SigIOSetup(md_algorithm="sha256", in_place=False, output=BytesIO())
        )
        with tsa_errors():
            cms = await signer.async_sign(
                prepared.document_digest, "sha256", use_pades=True, timestamper=timestamper
            )
        embedder.send(cms)
        signed = output.getvalue()
        if request.level.long_term and validation_context is not None:
            with tsa_errors():
                signed = await _add_long_term_data(
                    signed,
                    validation_context,
                    timestamper if request.level is Level.B_LTA else None,
                )
    return bytes(signed)


async def _add_long_term_data(
    signed: bytes, validation_context: Any, timestamper: HTTPTimeStamper | None
) -> bytes:
    """B-LT: the validation data of the new signature; B-LTA: and a document time stamp."""
    reader = PdfFileReader(BytesIO(signed))
    embedded = reader.embedded_regular_signatures[-1]
    with_dss = await async_add_validation_info(
        embedded, validation_context, add_vri_entry=False, output=BytesIO()
    )
    result = bytes(with_dss.getvalue())
    if timestamper is not None:
        stamped = await signers.PdfTimeStamper(timestamper).async_timestamp_pdf(
            IncrementalPdfFileWriter(BytesIO(result)),
            "sha256",
            validation_context,
            output=BytesIO(),
        )
        result = bytes(stamped.getvalue())
    return result


def sign_with_cross_page_seal(
    pdf: bytes,
    signer: signers.Signer,
    request: SignatureRequest,
    seal_png: bytes,
    *,
    tsa_url: str | None = None,
) -> bytes:
    """Seal ``pdf`` into its prepared cross-page seal field: the seal, the strips, the signature."""
    return asyncio.run(_seal(pdf, signer, request, seal_png, tsa_url))
