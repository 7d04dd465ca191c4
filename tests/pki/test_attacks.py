"""Every published attack family, built as fixtures, fails validation with its reason."""

from collections.abc import Callable
from pathlib import Path

import pytest

from econtract.pdf import PageLayout, render_pdf
from econtract.pdf.sign import Level, SignatureRequest, TokenSigner, sign_pdf
from econtract.pdf.validate import PdfValidationError, validate_pdf
from econtract.pki.platform import Platform

from . import attacks


@pytest.fixture(scope="module")
def original() -> bytes:
    body = "".join(f"<p>第{n}条 合同总价为人民币壹拾万元整。</p>" for n in range(1, 12))
    return render_pdf(f"<h1>采购合同</h1>{body}", PageLayout(reference="EC2026-00099")).data


@pytest.fixture(scope="module")
def signed(pki: tuple[Platform, str], original: bytes) -> bytes:
    platform, url = pki
    signer = TokenSigner(platform.key("seal"), platform.seal_certificate, platform.chain)
    request = SignatureRequest("Seal", Level.B_T, certify=True)
    return sign_pdf(original, signer, request, tsa_url=f"{url}/tsa")


def covered(pdf: bytes, which: int = -1) -> bytes:
    """The bytes that the ``which``-th /ByteRange in the file names."""
    match = list(attacks.BYTE_RANGE.finditer(pdf))[which]
    start, first, second, length = map(int, match.groups())
    return pdf[start : start + first] + pdf[second : second + length]


def failure(platform: Platform, pdf: bytes) -> str:
    """The validation summary of a document that must fail (or a refusal to read it)."""
    try:
        report = validate_pdf(pdf, [platform.root.certificate])
    except PdfValidationError as exc:
        return f"refused: {exc}"
    assert not report.passed, report.summary()
    return report.summary()


def test_the_honest_file_passes(pki: tuple[Platform, str], signed: bytes) -> None:
    platform, _url = pki
    assert validate_pdf(signed, [platform.root.certificate]).passed


@pytest.mark.parametrize(
    ("attack", "reason"),
    [
        (attacks.usf_zero_contents, "refused: a signature of the document is malformed"),
        (attacks.usf_empty_byte_range, "the signed bytes were changed (digest mismatch)"),
        (attacks.usf_no_byte_range, "refused: a signature of the document is malformed"),
        (attacks.isa_overlay_text, "changed after this signature beyond signing and form"),
        (attacks.isa_replace_pages, "changed after this signature beyond signing and form"),
        (attacks.isa_without_xref, "the last signature does not cover the whole file"),
        (attacks.shadow_replace_font, "changed after this signature beyond signing and form"),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_attacks_on_a_signed_file_fail(
    pki: tuple[Platform, str], signed: bytes, attack: Callable[[bytes], bytes], reason: str
) -> None:
    platform, _url = pki
    summary = failure(platform, attack(signed))
    assert reason in summary, summary


def test_shadow_hide_and_replace_fails(pki: tuple[Platform, str], original: bytes) -> None:
    platform, url = pki
    prepared, shadow = attacks.shadow_prepare(original)
    signer = TokenSigner(platform.key("seal"), platform.seal_certificate, platform.chain)
    signed = sign_pdf(prepared, signer, SignatureRequest("Seal", Level.B_T), tsa_url=f"{url}/tsa")
    assert validate_pdf(signed, [platform.root.certificate]).passed
    summary = failure(platform, attacks.shadow_hide_and_replace(signed, shadow))
    assert "changed after this signature" in summary, summary


def test_signature_wrapping_fails(
    pki: tuple[Platform, str], original: bytes, signed: bytes
) -> None:
    platform, _url = pki
    wrapped = attacks.swa_relocated_second_range(signed, len(original))
    # The bytes the forged /ByteRange names are exactly the signed ones: the digest matches,
    # only the document structure gives the attack away.
    # (The forged range is the one in the gap; the last one is the signed copy of the old.)
    assert covered(wrapped, -2) == covered(signed)
    summary = failure(platform, wrapped)
    assert "changed after this signature beyond signing and form filling" in summary, summary


def test_pdfsig_sees_the_appended_change_too(
    pki: tuple[Platform, str], signed: bytes, tmp_path: Path
) -> None:
    from .test_sign import pdfsig

    platform, _url = pki
    assert "- Total document signed" in pdfsig(platform, signed, tmp_path)
    report = pdfsig(platform, attacks.isa_overlay_text(signed), tmp_path)
    assert "- Not total document signed" in report, report
