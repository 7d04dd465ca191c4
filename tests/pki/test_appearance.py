"""Visible signatures: typed names, handwritten images and seals, with Chinese text."""

import re
import subprocess
from io import BytesIO

import pytest
from PIL import Image, ImageDraw

from econtract.errors import RenderError
from econtract.pdf import PageLayout, render_pdf
from econtract.pdf.seal import png, render_seal, split_strips
from econtract.pdf.sign import (
    Appearance,
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


@pytest.fixture(scope="module")
def contract_pdf() -> bytes:
    return render_pdf(
        "<h1>劳动合同</h1><p>甲乙双方协商一致。</p>", PageLayout(reference="EC2026-00600")
    ).data


def handwriting() -> bytes:
    image = Image.new("RGBA", (400, 150), (0, 0, 0, 0))
    ImageDraw.Draw(image).line(
        [(20, 120), (120, 30), (200, 110), (380, 40)], fill=(10, 10, 60, 255), width=8
    )
    return png(image)


def text_of(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return re.sub(r"\s+", "", out.decode())


def fonts_of(pdf: bytes) -> str:
    return subprocess.run(
        ["pdffonts", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_seal_and_handwritten_signatures_show_and_validate(
    pki: tuple[Platform, str], contract_pdf: bytes
) -> None:
    platform, url = pki
    roots = (platform.root.certificate,)
    seal = TokenSigner(platform.key("seal"), platform.seal_certificate, platform.chain)
    prepared = add_signature_fields(
        contract_pdf,
        [
            SignatureField("Seal", -1, (380, 80, 520, 220)),
            SignatureField("PartyB", 0, (72, 80, 300, 160)),
        ],
    )
    seal_look = Appearance(image=png(render_seal("上海星河贸易有限公司")))
    pdf = sign_pdf(
        prepared,
        seal,
        SignatureRequest("Seal", Level.B_T, certify=True, appearance=seal_look),
        tsa_url=f"{url}/tsa",
    )
    person = Appearance(
        image=handwriting(),
        lines=("乙方：张伟", "签署时间：{time}"),
    )
    pdf = sign_pdf(
        pdf,
        seal,
        SignatureRequest("PartyB", Level.B_T, appearance=person, trust_roots=roots),
        tsa_url=f"{url}/tsa",
    )
    report = validate_pdf(pdf, list(roots))
    assert report.passed, report.summary()
    text = text_of(pdf)
    assert "乙方：张伟" in text
    assert re.search(r"签署时间：\d{4}-\d{2}-\d{2}\d{2}:\d{2}:\d{2}UTC", text), text
    fonts = fonts_of(pdf)
    assert re.search(r"NotoSansCJKsc-Regular\S*\s+CID Type 0C\s+Identity-H\s+yes yes yes", fonts), (
        fonts
    )


def test_bad_appearances_are_refused(pki: tuple[Platform, str], contract_pdf: bytes) -> None:
    platform, _url = pki
    seal = TokenSigner(platform.key("seal"), platform.seal_certificate, platform.chain)
    with pytest.raises(PdfSigningError, match="no page 3"):
        add_signature_fields(contract_pdf, [SignatureField("S", 2, (0, 0, 10, 10))])
    with pytest.raises(PdfSigningError, match="positive width"):
        add_signature_fields(contract_pdf, [SignatureField("S", 0, (10, 10, 10, 50))])
    prepared = add_signature_fields(contract_pdf, [SignatureField("S", 0, (0, 0, 90, 90))])
    with pytest.raises(PdfSigningError, match="already has a signature field S"):
        add_signature_fields(prepared, [SignatureField("S", 0, (0, 0, 90, 90))])
    with pytest.raises(PdfSigningError, match="not a readable image"):
        sign_pdf(
            prepared, seal, SignatureRequest("S", Level.B_B, appearance=Appearance(image=b"GIF89a"))
        )
    # A few kilobytes that declare 36 million pixels: refused from the header, unexpanded.
    bomb = BytesIO()
    Image.new("1", (6000, 6000)).save(bomb, "PNG")
    assert len(bomb.getvalue()) < 64 * 1024
    with pytest.raises(PdfSigningError, match="6000×6000 pixels; a signature or seal has at most"):
        sign_pdf(
            prepared,
            seal,
            SignatureRequest("S", Level.B_B, appearance=Appearance(image=bomb.getvalue())),
        )
    with pytest.raises(PdfSigningError, match="goes into a prepared field"):
        sign_pdf(
            prepared,
            seal,
            SignatureRequest("Other", Level.B_B, appearance=Appearance(lines=("张伟",))),
        )


def test_seal_image_and_strips() -> None:
    seal = render_seal("上海星河贸易有限公司", subtitle="合同专用章", size=400)
    assert seal.size == (400, 400) and seal.mode == "RGBA"
    red = sum(1 for r, g, b, a in seal.getdata() if a > 200 and r > 180 and g < 60)
    assert 0.08 < red / (400 * 400) < 0.5  # ring, star and name: red ink, not a red disc
    assert seal.getpixel((0, 0))[3] == 0  # transparent around the ring
    strips = split_strips(seal, 3)
    assert [s.width for s in strips] == [133, 134, 133] and {s.height for s in strips} == {400}
    rebuilt = Image.new("RGBA", (400, 400))
    x = 0
    for strip in strips:
        rebuilt.paste(strip, (x, 0))
        x += strip.width
    assert rebuilt.tobytes() == seal.tobytes()
    with pytest.raises(RenderError):
        render_seal("  ")
    with pytest.raises(RenderError):
        split_strips(seal, 0)
