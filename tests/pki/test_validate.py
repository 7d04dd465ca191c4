"""The strict policy on real signatures: what passes, and each way of failing, with its reason."""

import asyncio
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from asn1crypto import keys, x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from econtract.pdf import PageLayout, render_pdf
from econtract.pdf.sign import Level, SignatureRequest, TokenSigner, sign_pdf
from econtract.pdf.validate import PdfValidationError, validate_pdf
from econtract.pki.certificates import Profile
from econtract.pki.platform import Platform

from .conftest import person


@pytest.fixture(scope="module")
def contract_pdf() -> bytes:
    body = "".join(
        f"<p>第{n}条 双方应诚实守信，全面履行本合同约定的义务。</p>" for n in range(1, 30)
    )
    return render_pdf(f"<h1>技术服务合同</h1>{body}", PageLayout(reference="EC2026-00077")).data


def seal(platform: Platform) -> TokenSigner:
    return TokenSigner(platform.key("seal"), platform.seal_certificate, platform.chain)


def software_signer(
    platform: Platform, *, now: datetime, lifetime: timedelta
) -> signers.SimpleSigner:
    """A key in memory, certified by our CA: for what the token signer refuses to do."""
    private = ec.generate_private_key(ec.SECP256R1())
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    subject = x509.Name.build({"country_name": "CN", "common_name": "旧证书"}, use_printable=False)
    certificate = platform.issuing.issue(
        subject, keys.PublicKeyInfo.load(der), Profile.EVENT, lifetime, now=now
    )
    key_der = private.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([certificate, *platform.chain]),
    )


def sign_with(signer: signers.Signer, pdf: bytes, md_algorithm: str = "sha256") -> bytes:
    meta = signers.PdfSignatureMetadata(
        field_name="Old", md_algorithm=md_algorithm, subfilter=fields.SigSeedSubFilter.PADES
    )
    out = BytesIO()
    asyncio.run(
        signers.PdfSigner(meta, signer).async_sign_pdf(
            IncrementalPdfFileWriter(BytesIO(pdf)), output=out
        )
    )
    return out.getvalue()


def test_a_finished_contract_passes(pki: tuple[Platform, str], contract_pdf: bytes) -> None:
    platform, url = pki
    roots = (platform.root.certificate,)
    tsa = f"{url}/tsa"
    pdf = sign_pdf(
        contract_pdf, seal(platform), SignatureRequest("Seal", Level.B_T, certify=True), tsa_url=tsa
    )
    pdf = sign_pdf(
        pdf,
        person(platform, "李娜"),
        SignatureRequest("Signer", Level.B_LTA, trust_roots=roots),
        tsa_url=tsa,
    )
    report = validate_pdf(pdf, list(roots), require_timestamp=True)
    assert report.passed, report.summary()
    kinds = [(s.field_name, s.kind) for s in report.signatures]
    assert kinds[:2] == [("Seal", "certification"), ("Signer", "approval")]
    assert [k for _f, k in kinds[2:]] == ["document time stamp"]
    assert report.signatures[1].signer == "李娜"
    assert report.signatures[1].chain == (
        "econtract 测试平台 Root CA",
        "econtract 测试平台 Issuing CA",
        "李娜",
    )
    assert report.signatures[1].modification_level == "lta_updates"
    assert report.signatures[0].timestamp is not None


def test_content_appended_after_signing_fails(
    pki: tuple[Platform, str], contract_pdf: bytes
) -> None:
    platform, url = pki
    pdf = sign_pdf(
        contract_pdf,
        seal(platform),
        SignatureRequest("Seal", Level.B_T, certify=True),
        tsa_url=f"{url}/tsa",
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    page = writer.root["/Pages"]["/Kids"][0]
    stream = writer.add_object(
        generic.StreamObject(stream_data=b"BT /F1 40 Tf 100 400 Td (PAID) Tj ET")
    )
    contents = page.raw_get("/Contents")
    page["/Contents"] = generic.ArrayObject(
        [*(contents if isinstance(contents, generic.ArrayObject) else [contents]), stream]
    )
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    report = validate_pdf(out.getvalue(), [platform.root.certificate])
    assert not report.passed
    assert "changed after this signature" in report.summary()


def test_revoked_signer_fails(pki: tuple[Platform, str], contract_pdf: bytes) -> None:
    platform, url = pki
    signer = person(platform, "李娜")
    pdf = sign_pdf(
        contract_pdf, signer, SignatureRequest("Signer", Level.B_T), tsa_url=f"{url}/tsa"
    )
    platform.issuing.revoke(signer.signing_cert.serial_number, "key_compromise")
    report = validate_pdf(pdf, [platform.root.certificate])
    assert report.signatures[0].revoked
    assert "the signer's certificate is revoked" in report.signatures[0].problems


def test_a_flipped_byte_fails(pki: tuple[Platform, str], contract_pdf: bytes) -> None:
    platform, _url = pki
    pdf = bytearray(
        sign_pdf(contract_pdf, seal(platform), SignatureRequest("Seal", Level.B_B, certify=True))
    )
    pdf[1000] ^= 0x20
    report = validate_pdf(bytes(pdf), [platform.root.certificate])
    assert "the signed bytes were changed (digest mismatch)" in report.signatures[0].problems


def test_sha1_expired_and_wrong_usage_are_refused(
    pki: tuple[Platform, str], contract_pdf: bytes
) -> None:
    platform, _url = pki
    roots = [platform.root.certificate]
    current = software_signer(platform, now=datetime.now(UTC), lifetime=timedelta(hours=1))
    sha1 = validate_pdf(sign_with(current, contract_pdf, "sha1"), roots)
    assert "refused algorithm (sha1)" in sha1.summary()
    expired_signer = software_signer(
        platform, now=datetime.now(UTC) - timedelta(days=3), lifetime=timedelta(hours=1)
    )
    expired = validate_pdf(sign_with(expired_signer, contract_pdf), roots)
    assert "it had expired or was not yet valid when the signature was made" in expired.summary(), (
        expired.summary()
    )
    tsa_key = TokenSigner(platform.key("tsa"), platform.tsa_certificate, platform.chain)
    wrong_usage = validate_pdf(
        sign_pdf(contract_pdf, tsa_key, SignatureRequest("TSA", Level.B_B)), roots
    )
    assert not wrong_usage.passed
    summary = wrong_usage.summary()
    assert "not for signing documents: time_stamping" in summary, summary


def test_untrusted_root_unsigned_and_garbage(
    pki: tuple[Platform, str], contract_pdf: bytes
) -> None:
    platform, _url = pki
    signed = sign_pdf(
        contract_pdf, seal(platform), SignatureRequest("Seal", Level.B_B, certify=True)
    )
    # The TSA certificate is not on the seal's path: anchoring trust there trusts nothing here.
    untrusted = validate_pdf(signed, [platform.tsa_certificate])
    assert "not trusted" in untrusted.summary(), untrusted.summary()
    unsigned = validate_pdf(contract_pdf, [platform.root.certificate])
    assert unsigned.problems == ("the document has no signature",)
    with pytest.raises(PdfValidationError):
        validate_pdf(b"not a pdf", [platform.root.certificate])


def test_b_lta_validates_from_the_file_alone_as_of_its_archive_time_stamp(
    pki: tuple[Platform, str], contract_pdf: bytes
) -> None:
    """Years later the CA may be gone and the signer's certificate revoked or expired: a B-LTA
    file still proves that its signatures were valid when the document time stamp was made."""
    platform, url = pki
    roots = (platform.root.certificate,)
    signer = person(platform, "李娜")
    request = SignatureRequest("Signer", Level.B_LTA, trust_roots=roots)
    lta = sign_pdf(contract_pdf, signer, request, tsa_url=f"{url}/tsa")
    bt = sign_pdf(contract_pdf, signer, SignatureRequest("Signer", Level.B_T), tsa_url=f"{url}/tsa")
    # Later: the certificate is revoked (say, the signer left) and nothing is fetched any more.
    platform.issuing.revoke(signer.signing_cert.serial_number, "affiliation_changed")
    online = validate_pdf(lta, list(roots))
    assert "the signer's certificate is revoked" in online.summary()
    offline = validate_pdf(lta, list(roots), embedded=True, require_timestamp=True)
    assert offline.passed, offline.summary()
    without_data = validate_pdf(bt, list(roots), embedded=True)
    assert not without_data.passed
    assert "carries no validation data" in without_data.summary()


def test_the_archive_time_stamp_chain_is_renewed(
    pki: tuple[Platform, str], contract_pdf: bytes
) -> None:
    from econtract.pdf.sign import PdfSigningError, renew_archive_timestamp

    platform, url = pki
    roots = [platform.root.certificate]
    request = SignatureRequest("Seal", Level.B_LTA, certify=True, trust_roots=tuple(roots))
    lta = sign_pdf(contract_pdf, seal(platform), request, tsa_url=f"{url}/tsa")
    renewed = renew_archive_timestamp(lta, tsa_url=f"{url}/tsa", trust_roots=roots)
    assert renewed.startswith(lta)
    report = validate_pdf(renewed, roots, embedded=True)
    assert report.passed, report.summary()
    assert [s.kind for s in report.signatures].count("document time stamp") == 2
    with pytest.raises(PdfSigningError, match="no document time stamp"):
        bt = sign_pdf(
            contract_pdf, seal(platform), SignatureRequest("S", Level.B_T), tsa_url=f"{url}/tsa"
        )
        renew_archive_timestamp(bt, tsa_url=f"{url}/tsa", trust_roots=roots)
