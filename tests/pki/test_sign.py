import asyncio
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import pem
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext

from econtract.pdf import PageLayout, render_pdf
from econtract.pdf.sign import (
    Level,
    PdfSigningError,
    SignatureRequest,
    TimestampUnavailable,
    TokenSigner,
    archive_pdf,
    sign_file,
    sign_pdf,
)
from econtract.pdf.validate import validate_pdf
from econtract.pki.platform import Platform

from .conftest import free_port, person


@pytest.fixture(scope="module")
def contract_pdf() -> bytes:
    clauses = "".join(
        f"<h2>第{n}条</h2><p>{'甲方应按约定支付合同价款，乙方应按时交付货物。' * 12}</p>"
        for n in range(1, 9)
    )
    return render_pdf(f"<h1>采购合同</h1>{clauses}", PageLayout(reference="EC2026-00042")).data


def seal_signer(platform: Platform) -> TokenSigner:
    return TokenSigner(platform.key("seal"), platform.seal_certificate, platform.chain)


def context(platform: Platform) -> ValidationContext:
    return ValidationContext(
        trust_roots=[platform.root.certificate], allow_fetching=True, revocation_mode="require"
    )


def statuses(platform: Platform, pdf: bytes) -> list[object]:
    reader = PdfFileReader(BytesIO(pdf))

    async def check() -> list[object]:
        usage = KeyUsageConstraints(key_usage={"non_repudiation"})
        return [
            await async_validate_pdf_signature(
                embedded, signer_validation_context=context(platform), key_usage_settings=usage
            )
            for embedded in reader.embedded_regular_signatures
        ]

    return asyncio.run(check())


def pdfsig(platform: Platform, pdf: bytes, tmp_path: Path) -> str:
    """poppler's view: its NSS database trusts our root, nothing else."""
    nss = tmp_path / "nss"
    certutil = shutil.which("certutil")
    assert certutil, "certutil (libnss3-tools) is needed to give pdfsig our root"
    if not nss.exists():  # certutil -N on an existing database waits for a password
        nss.mkdir()
        root = tmp_path / "root.pem"
        root.write_bytes(pem.armor("CERTIFICATE", platform.root.certificate.dump()))
        for command in (
            [certutil, "-N", "-d", f"sql:{nss}", "--empty-password"],
            [certutil, "-A", "-d", f"sql:{nss}", "-n", "root", "-t", "CT,C,C", "-i", str(root)],
        ):
            subprocess.run(command, check=True, stdin=subprocess.DEVNULL, timeout=60)
    (tmp_path / "signed.pdf").write_bytes(pdf)
    result = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(tmp_path / "signed.pdf")],
        stdin=subprocess.DEVNULL,
        timeout=60,
        capture_output=True,
        text=True,
    )
    return result.stdout + result.stderr


@pytest.mark.parametrize("level", list(Level))
def test_every_level_validates(
    pki: tuple[Platform, str], contract_pdf: bytes, level: Level, tmp_path: Path
) -> None:
    platform, url = pki
    request = SignatureRequest(
        "Seal", level, certify=True, trust_roots=(platform.root.certificate,), reason="合同盖章"
    )
    signed = sign_pdf(contract_pdf, seal_signer(platform), request, tsa_url=f"{url}/tsa")
    assert signed.startswith(contract_pdf)  # an incremental update: earlier bytes untouched
    (status,) = statuses(platform, signed)
    assert status.bottom_line, status.pretty_print_details()
    assert status.docmdp_ok
    assert (status.timestamp_validity is not None) == level.timestamped
    reader = PdfFileReader(BytesIO(signed))
    has_dss = "/DSS" in reader.root
    assert has_dss == level.long_term
    assert (len(reader.embedded_timestamp_signatures) == 1) == (level is Level.B_LTA)
    report = pdfsig(platform, signed, tmp_path)
    assert "Signature Validation: Signature is Valid." in report, report
    assert "Certificate Validation: Certificate is Trusted." in report, report
    # pdfsig knows nothing of validation data added after a signature: for B-LT and B-LTA it
    # reports the (allowed) DSS and document time-stamp updates as not covered.
    coverage = "Not total document signed" if level.long_term else "Total document signed"
    assert f"- {coverage}" in report, report


def test_certification_then_approvals_keep_every_signature_valid(
    pki: tuple[Platform, str], contract_pdf: bytes
) -> None:
    platform, url = pki
    roots = (platform.root.certificate,)
    pdf = sign_pdf(
        contract_pdf,
        seal_signer(platform),
        SignatureRequest("Seal", Level.B_T, certify=True, trust_roots=roots),
        tsa_url=f"{url}/tsa",
    )
    pdf = sign_pdf(
        pdf,
        person(platform),
        SignatureRequest("PartyA", Level.B_T, trust_roots=roots),
        tsa_url=f"{url}/tsa",
    )
    pdf = sign_pdf(
        pdf,
        person(platform, "王芳"),
        SignatureRequest("PartyB", Level.B_LTA, trust_roots=roots),
        tsa_url=f"{url}/tsa",
    )
    results = statuses(platform, pdf)
    assert [s.bottom_line for s in results] == [True, True, True]
    assert results[0].docmdp_ok
    names = [s.signing_cert.subject.native["common_name"] for s in results]
    assert names == ["上海星河贸易有限公司", "张伟", "王芳"]


def test_a_flipped_byte_is_detected(
    pki: tuple[Platform, str], contract_pdf: bytes, tmp_path: Path
) -> None:
    platform, url = pki
    signed = bytearray(
        sign_pdf(
            contract_pdf,
            seal_signer(platform),
            SignatureRequest("Seal", Level.B_T, certify=True),
            tsa_url=f"{url}/tsa",
        )
    )
    position = len(contract_pdf) // 2
    signed[position] ^= 0x01
    (status,) = statuses(platform, bytes(signed))
    assert not status.intact and not status.bottom_line
    assert "Signature Validation: Digest Mismatch." in pdfsig(platform, bytes(signed), tmp_path)


def test_tsa_down_or_garbage_leaves_nothing(
    pki: tuple[Platform, str], contract_pdf: bytes, tmp_path: Path
) -> None:
    platform, url = pki
    source = tmp_path / "contract.pdf"
    source.write_bytes(contract_pdf)
    target = tmp_path / "signed.pdf"
    request = SignatureRequest("Seal", Level.B_T, certify=True)
    with pytest.raises(TimestampUnavailable):
        sign_file(
            source,
            target,
            seal_signer(platform),
            request,
            tsa_url=f"http://127.0.0.1:{free_port()}/tsa",
        )
    with pytest.raises(TimestampUnavailable):
        # the CRL endpoint answers 200 with a DER CRL: not a time-stamp reply
        sign_file(source, target, seal_signer(platform), request, tsa_url=f"{url}/crl/root-ca.crl")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contract.pdf"]
    sign_file(source, target, seal_signer(platform), request, tsa_url=f"{url}/tsa")
    (status,) = statuses(platform, target.read_bytes())
    assert status.bottom_line


def test_bad_input_is_refused_clearly(pki: tuple[Platform, str]) -> None:
    platform, url = pki
    with pytest.raises(PdfSigningError, match="not a PDF"):
        sign_pdf(
            b"%PDF-1.7 but not really", seal_signer(platform), SignatureRequest("S", Level.B_B)
        )
    with pytest.raises(PdfSigningError, match="needs a time-stamping authority"):
        sign_pdf(b"%PDF", seal_signer(platform), SignatureRequest("S", Level.B_T))
    with pytest.raises(PdfSigningError, match="trust roots"):
        sign_pdf(
            b"%PDF", seal_signer(platform), SignatureRequest("S", Level.B_LT), tsa_url=f"{url}/tsa"
        )


def test_a_revoked_signer_gets_no_long_term_signature(
    pki: tuple[Platform, str], contract_pdf: bytes
) -> None:
    platform, url = pki
    signer = person(platform)
    platform.issuing.revoke(signer.signing_cert.serial_number, "key_compromise")
    request = SignatureRequest("S", Level.B_LTA, trust_roots=(platform.root.certificate,))
    with pytest.raises(PdfSigningError, match="could not be validated"):
        sign_pdf(contract_pdf, signer, request, tsa_url=f"{url}/tsa")


def test_signatures_made_in_turn_are_archived_as_one_b_lta_file(
    pki: tuple[Platform, str], contract_pdf: bytes
) -> None:
    """B-T signatures as the signers come, `archive_pdf` at the end: every signature then
    validates from the file alone, and pdfsig-style strict validation passes."""
    platform, url = pki
    roots = (platform.root.certificate,)
    pdf = contract_pdf
    for field, signer in (("甲方", seal_signer(platform)), ("乙方", person(platform, "王芳"))):
        pdf = sign_pdf(
            pdf,
            signer,
            SignatureRequest(field, Level.B_T, certify=field == "甲方", trust_roots=roots),
            tsa_url=f"{url}/tsa",
        )
    archived = archive_pdf(pdf, tsa_url=f"{url}/tsa", trust_roots=list(roots))
    assert archived.startswith(pdf)
    report = validate_pdf(archived, list(roots), allow_fetching=False, embedded=True)
    assert report.passed, report.summary()
    assert [s.kind for s in report.signatures].count("document time stamp") == 1
    with pytest.raises(TimestampUnavailable):
        archive_pdf(pdf, tsa_url=f"http://127.0.0.1:{free_port()}/tsa", trust_roots=list(roots))
    with pytest.raises(PdfSigningError, match="no signature"):
        archive_pdf(contract_pdf, tsa_url=f"{url}/tsa", trust_roots=list(roots))


def test_revocation_data_dated_by_a_clock_ahead_of_ours_is_taken(
    pki: tuple[Platform, str], contract_pdf: bytes
) -> None:
    """The responder dates its CRL and OCSP answers by its own clock: 30 seconds ahead of
    ours (or a fetch that slow) is not "too recent" — it made archiving fail at random."""
    import freezegun
    import freezegun.api

    platform, url = pki
    roots = (platform.root.certificate,)
    pdf = sign_pdf(
        contract_pdf,
        seal_signer(platform),
        SignatureRequest("甲方", Level.B_T, certify=True, trust_roots=roots),
        tsa_url=f"{url}/tsa",
    )
    behind = datetime.now(UTC) - timedelta(seconds=30)
    # Our clock runs 30 s behind; the PKI service (same process) keeps the real one.
    limit = freezegun.api.call_stack_inspection_limit
    freezegun.api.call_stack_inspection_limit = 100
    try:
        with freezegun.freeze_time(behind, tick=True, ignore=["econtract.pki"]):
            archived = archive_pdf(pdf, tsa_url=f"{url}/tsa", trust_roots=list(roots))
    finally:
        freezegun.api.call_stack_inspection_limit = limit
    report = validate_pdf(archived, list(roots), allow_fetching=False, embedded=True)
    assert report.passed, report.summary()
