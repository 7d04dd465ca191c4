"""The cross-page seal: strips that line up across pages, covered by the seal's signature."""

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from econtract.pdf import PageLayout, render_pdf
from econtract.pdf.crosspage import (
    CrossPageSealField,
    add_cross_page_seal_field,
    sign_with_cross_page_seal,
)
from econtract.pdf.seal import png, render_seal
from econtract.pdf.sign import (
    Level,
    PdfSigningError,
    SignatureField,
    SignatureRequest,
    TokenSigner,
    add_signature_fields,
    sign_pdf,
)
from econtract.pdf.validate import validate_pdf
from econtract.pki.platform import Platform

from .conftest import person


@pytest.fixture(scope="module")
def four_pages() -> bytes:
    body = "".join(
        f"<p>第{n}条 {'双方应按照本合同约定履行各自义务。' * 10}</p>" for n in range(1, 40)
    )
    pdf = render_pdf(f"<h1>采购合同</h1>{body}", PageLayout(reference="EC2026-00700")).data
    assert render_pdf
    return pdf


def red_columns(page_png: Path) -> tuple[list[int], list[int]]:
    """x and y pixel positions of seal-red pixels in the rightmost 10% of a page image."""
    image = Image.open(page_png).convert("RGB")
    xs, ys = [], []
    for y in range(image.height):
        for x in range(int(image.width * 0.9), image.width):
            r, g, b = image.getpixel((x, y))
            if r > 170 and g < 90 and b < 90:
                xs.append(x)
                ys.append(y)
    return xs, ys


def test_seal_with_cross_page_strips_after_certification_and_approvals(
    pki: tuple[Platform, str], four_pages: bytes, tmp_path: Path
) -> None:
    platform, url = pki
    tsa = f"{url}/tsa"
    roots = (platform.root.certificate,)
    prepared = add_signature_fields(
        four_pages,
        [
            SignatureField("PartyA", -1, (72, 300, 250, 360)),
            SignatureField("PartyB", -1, (300, 300, 480, 360)),
        ],
    )
    prepared = add_cross_page_seal_field(
        prepared, CrossPageSealField("Seal", -1, (380, 120, 493, 233), strip_height=113)
    )
    seal_png = png(render_seal("上海星河贸易有限公司"))
    company = TokenSigner(platform.key("seal"), platform.seal_certificate, platform.chain)
    pdf = sign_pdf(
        prepared, company, SignatureRequest("Certification", Level.B_T, certify=True), tsa_url=tsa
    )
    pdf = sign_pdf(pdf, person(platform), SignatureRequest("PartyA", Level.B_T), tsa_url=tsa)
    pdf = sign_pdf(
        pdf,
        person(platform, "王芳"),
        SignatureRequest("PartyB", Level.B_T),
        tsa_url=tsa,
    )
    pdf = sign_with_cross_page_seal(
        pdf,
        company,
        SignatureRequest("Seal", Level.B_LTA, trust_roots=roots),
        seal_png,
        tsa_url=tsa,
    )
    report = validate_pdf(pdf, list(roots), require_timestamp=True)
    assert report.passed, report.summary()
    assert [s.field_name for s in report.signatures][:4] == [
        "Certification",
        "PartyA",
        "PartyB",
        "Seal",
    ]
    assert report.signatures[-1].kind == "document time stamp"

    (tmp_path / "sealed.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(tmp_path / "sealed.pdf"), str(tmp_path / "p")],
        check=True,
    )
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) > 2
    width, height = Image.open(pages[0]).size
    seal_px = 113 * 50 / 72  # the strips are 113 pt high, rendered at 50 dpi
    band = (height - seal_px) / 2, (height + seal_px) / 2  # centred on the page
    extents = []
    for page in pages:
        xs, ys = red_columns(page)
        assert xs, f"no seal strip on {page.name}"
        assert max(xs) >= width - 6  # at the right edge (the seal image has a thin margin)
        assert band[0] - 2 <= min(ys) and max(ys) <= band[1] + 2, (page.name, min(ys), max(ys))
        assert max(xs) - min(xs) <= seal_px / len(pages) + 2  # no wider than its share
        extents.append((min(ys), max(ys)))
    # The ring's top and bottom pass through every inner strip: the pieces line up into one
    # circle only because every page carries its strip at the same height.
    for top, bottom in extents[1:-1]:
        assert abs(top - band[0]) <= 6 and abs(bottom - band[1]) <= 6, (top, bottom, band)


def test_a_cross_page_seal_needs_its_prepared_field(
    pki: tuple[Platform, str], four_pages: bytes
) -> None:
    platform, _url = pki
    company = TokenSigner(platform.key("seal"), platform.seal_certificate, platform.chain)
    with pytest.raises(PdfSigningError, match="no empty cross-page seal field Seal"):
        sign_with_cross_page_seal(
            four_pages, company, SignatureRequest("Seal", Level.B_B), png(render_seal("甲"))
        )
    with pytest.raises(PdfSigningError, match="no page 9"):
        add_cross_page_seal_field(four_pages, CrossPageSealField("Seal", 8, (0, 0, 100, 100)))


def test_the_seal_revision_may_not_move_its_widgets(
    pki: tuple[Platform, str], four_pages: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The allowance for strip appearances is that and no more: a widget grown over the
    text in the sealing revision (to cover it with an opaque 'appearance') fails."""
    from pyhanko.pdf_utils import generic

    from econtract.pdf import crosspage

    platform, _url = pki
    prepared = add_cross_page_seal_field(
        four_pages, CrossPageSealField("Seal", -1, (380, 120, 493, 233))
    )
    company = TokenSigner(platform.key("seal"), platform.seal_certificate, platform.chain)
    certified = sign_pdf(
        prepared, company, SignatureRequest("Certification", Level.B_B, certify=True)
    )
    honest_draw = crosspage._draw

    def covering_draw(writer, field, seal):  # type: ignore[no-untyped-def]
        honest_draw(writer, field, seal)
        strip = field["/Kids"][1].get_object()
        strip["/Rect"] = generic.ArrayObject(generic.FloatObject(v) for v in (0, 0, 595, 842))
        writer.update_container(strip)

    monkeypatch.setattr(crosspage, "_draw", covering_draw)
    forged = sign_with_cross_page_seal(
        certified, company, SignatureRequest("Seal", Level.B_B), png(render_seal("甲"))
    )
    report = validate_pdf(forged, [platform.root.certificate])
    assert not report.signatures[0].passed
    assert "changed after this signature" in report.summary()
