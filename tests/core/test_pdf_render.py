import hashlib
import io
import re
import struct
import zlib

import pypdf
import pytest

from econtract.errors import RenderError
from econtract.pdf import PageLayout, Resource, render_pdf

CHINESE = "甲方：上海供应商有限公司（子公司）同意支付人民币壹拾贰万叁仟肆佰伍拾陆元柒角捌分。"
LONG_BODY = "<h1>采购合同</h1>" + f"<p>{CHINESE} Party A agrees.</p>" * 60


def pages_text(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [re.sub(r"\s+", "", page.extract_text()) for page in reader.pages]


def embedded_fonts(data: bytes) -> dict[str, bool]:
    """Base font name → whether the font program is embedded, over all pages."""
    fonts: dict[str, bool] = {}
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = described["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    return fonts


def tiny_png() -> bytes:
    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def chinese_pdf() -> bytes:
    return render_pdf(LONG_BODY, PageLayout(reference="EC2026-00042")).data


def test_chinese_text_comes_out_as_the_characters_that_went_in(chinese_pdf: bytes) -> None:
    text = "".join(pages_text(chinese_pdf))
    assert "采购合同" in text
    assert re.sub(r"\s+", "", CHINESE) in text
    # Kangxi radicals (U+2F00–U+2FDF) are what broken renderers put in the text layer.
    assert not re.search("[\u2f00-\u2fdf]", text)


def test_every_page_has_its_number_and_the_contract_reference(chinese_pdf: bytes) -> None:
    texts = pages_text(chinese_pdf)
    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        assert f"第{number}页/共{len(texts)}页" in text
        assert "合同编号：EC2026-00042" in text


def test_cjk_fonts_are_embedded(chinese_pdf: bytes) -> None:
    fonts = embedded_fonts(chinese_pdf)
    assert any("CJK" in name for name in fonts), fonts
    assert all(fonts.values()), fonts


def test_pages_are_a4(chinese_pdf: bytes) -> None:
    for page in pypdf.PdfReader(io.BytesIO(chinese_pdf)).pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)


def test_english_furniture() -> None:
    body = "<h1>Purchase Agreement</h1>" + "<p>The Supplier shall deliver the goods.</p>" * 80
    result = render_pdf(body, PageLayout(reference="EC2026-00007", language="en"))
    texts = pages_text(result.data)
    assert result.page_count == len(texts) >= 2
    assert f"Page2of{len(texts)}" in texts[1]
    assert "ContractNo.EC2026-00007" in texts[1]


def test_identity_is_the_sha256_of_the_file() -> None:
    result = render_pdf("<p>合同</p>", PageLayout(reference="EC1"))
    assert result.sha256 == hashlib.sha256(result.data).hexdigest()
    assert result.data.startswith(b"%PDF-")
    assert result.page_count == 1


def test_reference_cannot_break_out_of_the_stylesheet() -> None:
    reference = 'X"; } @page { size: A3; } "\\'
    result = render_pdf("<p>合同</p>", PageLayout(reference=reference))
    page = pypdf.PdfReader(io.BytesIO(result.data)).pages[0]
    assert round(float(page.mediabox.width) / 72 * 25.4) == 210  # still A4
    assert re.sub(r"\s+", "", reference) in pages_text(result.data)[0]


def test_named_resources_and_data_urls_are_served() -> None:
    png = tiny_png()
    html = '<p>Seal</p><img src="resource:seal" style="width:20mm">'
    result = render_pdf(html, PageLayout(reference="EC1"), resources={
        "seal": Resource(png, "image/png")
    })  # fmt: skip
    page = pypdf.PdfReader(io.BytesIO(result.data)).pages[0]
    assert len(page.images) == 1


@pytest.mark.parametrize(
    "html",
    [
        '<img src="file:///etc/passwd">',
        '<link rel="stylesheet" href="file:///etc/hostname">',
        "<style>@import url('file:///etc/hostname');</style>",
        "<p style=\"background: url('http://127.0.0.1:9/probe.png')\">x</p>",
        '<img src="https://example.invalid/tracker.png">',
        '<img src="passwd">',  # relative to a base it may not escape
        '<img src="resource:unknown">',
    ],
)
def test_templates_cannot_reach_outside(html: str) -> None:
    with pytest.raises(RenderError, match=r"may not load|unknown resource"):
        render_pdf(f"<p>合同</p>{html}", PageLayout(reference="EC1"))


def test_signature_places_are_reported_where_the_blocks_landed() -> None:
    """A block's place, in PDF points, contains exactly the text the template put there."""
    body = "<h1>租赁合同</h1>" + "<p>条款。</p>" * 40
    blocks = (
        '<div id="sign-party-0" style="height:80pt">甲方签章</div>'
        '<div id="sign-party-1" style="height:80pt">乙方签章</div><div id="other">x</div>'
    )
    rendered = render_pdf(body + blocks, PageLayout(reference="EC2026-00600"))
    assert set(rendered.places) == {"sign-party-0", "sign-party-1"}
    first, second = rendered.places["sign-party-0"], rendered.places["sign-party-1"]
    assert first.page == second.page == rendered.page_count - 1 > 0
    x1, y1, x2, y2 = first.box
    assert y2 - y1 == pytest.approx(80, abs=0.5)
    assert second.box[3] == pytest.approx(y1, abs=0.5)  # the second block starts below
    page = pypdf.PdfReader(io.BytesIO(rendered.data)).pages[first.page]
    found: list[str] = []

    def visit(text: str, cm: list[float], tm: list[float], *_rest: object) -> None:
        # The text origin in page space: the text matrix's origin through the current matrix.
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        if text.strip() and x1 <= x <= x2 and y1 <= y <= y2:
            found.append(text.strip())

    page.extract_text(visitor_text=visit)
    assert "".join(found) == "甲方签章"
