"""Who signs: event certificates, the signer's own PKCS#12, and batches that meet faults."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import keys, x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12

from econtract.errors import EContractError
from econtract.pdf import PageLayout, render_pdf
from econtract.pdf.sign import (
    Level,
    PdfSigningError,
    SignatureRequest,
    TokenSigner,
    pkcs12_signer,
    sign_file,
    sign_pdf,
)
from econtract.pdf.validate import validate_pdf
from econtract.pki.certificates import Profile
from econtract.pki.events import event_signer
from econtract.pki.platform import Platform, PlatformConfig, initialise
from econtract.pki.service import PkiService, serve
from econtract.pki.token import KeyNotFound, Token, TokenConfig, TokenLoginFailed

from .conftest import free_port, token_config


@pytest.fixture(scope="module")
def contract_pdf() -> bytes:
    return render_pdf(
        "<h1>保密协议</h1><p>双方应对商业秘密保密。</p>", PageLayout(reference="EC2026-00800")
    ).data


def test_event_certificate_names_signer_and_contract_and_its_key_dies(
    pki: tuple[Platform, str], contract_pdf: bytes
) -> None:
    platform, url = pki
    with event_signer(
        platform, name="刘洋", identity="sha256:9f2ce1ab", contract_reference="EC2026-00800"
    ) as signer:
        label = signer.key.label  # type: ignore[attr-defined]
        pdf = sign_pdf(
            contract_pdf, signer, SignatureRequest("Signer", Level.B_T), tsa_url=f"{url}/tsa"
        )
        certificate = signer.signing_cert
    subject = certificate.subject.native
    assert (subject["common_name"], subject["organizational_unit_name"]) == ("刘洋", "EC2026-00800")
    assert subject["serial_number"] == "sha256:9f2ce1ab"
    assert certificate.not_valid_after - certificate.not_valid_before <= timedelta(minutes=31)
    assert not platform.token.has_key(label)  # destroyed: it can never sign again
    with pytest.raises(KeyNotFound):
        platform.token.sign_digest(label, bytes(32), "ec-p256")
    report = validate_pdf(pdf, [platform.root.certificate])
    assert report.passed, report.summary()
    with (
        pytest.raises(EContractError, match="at most a day"),
        event_signer(
            platform, name="刘洋", identity="x", contract_reference="EC", lifetime=timedelta(days=2)
        ),
    ):
        pass


def own_pkcs12(
    platform: Platform, passphrase: bytes, *, now: datetime, lifetime: timedelta
) -> bytes:
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    subject = x509.Name.build({"common_name": "陈静"}, use_printable=False)
    issued = platform.issuing.issue(
        subject, keys.PublicKeyInfo.load(public), Profile.EVENT, lifetime, now=now
    )
    certificate = cx509.load_der_x509_certificate(issued.dump())
    return pkcs12.serialize_key_and_certificates(
        b"own", private, certificate, None, serialization.BestAvailableEncryption(passphrase)
    )


def test_own_pkcs12_certificate_signs_once_from_memory(
    pki: tuple[Platform, str], contract_pdf: bytes, tmp_path: Path
) -> None:
    platform, url = pki
    data = own_pkcs12(platform, b"s3cret", now=datetime.now(UTC), lifetime=timedelta(days=365))
    signer = pkcs12_signer(data, b"s3cret")
    pdf = sign_pdf(contract_pdf, signer, SignatureRequest("Own", Level.B_T), tsa_url=f"{url}/tsa")
    report = validate_pdf(pdf, [platform.root.certificate])
    assert report.passed and report.signatures[0].signer == "陈静", report.summary()
    with pytest.raises(PdfSigningError, match="wrong passphrase"):
        pkcs12_signer(data, b"guess")
    with pytest.raises(PdfSigningError, match="wrong passphrase"):
        pkcs12_signer(b"not pkcs12", b"s3cret")
    expired = own_pkcs12(
        platform, b"p", now=datetime.now(UTC) - timedelta(days=10), lifetime=timedelta(days=1)
    )
    with pytest.raises(PdfSigningError, match="not now"):
        pkcs12_signer(expired, b"p")


# python-pkcs11 reports the search that met the dropped session from __del__: expected.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_batch_survives_a_lost_session_and_a_bad_pin_leaves_nothing(
    softhsm_dir: Path, contract_pdf: bytes, tmp_path: Path
) -> None:
    config = token_config("batch-tests")
    port = free_port()
    platform = initialise(
        PlatformConfig(
            state_dir=str(tmp_path / "pki"),
            base_url=f"http://127.0.0.1:{port}",
            token=config,
            seal_holder="批量公司",
        )
    )
    server = serve(PkiService(platform), port=port)
    seal = TokenSigner(platform.key("seal"), platform.seal_certificate, platform.chain)
    source = tmp_path / "contract.pdf"
    source.write_bytes(contract_pdf)
    request = SignatureRequest("Seal", Level.B_B, certify=True)
    for number in range(5):
        if number == 2:
            with platform.token.session() as session:
                session.close()  # the HSM drops the session half-way through the batch
        sign_file(source, tmp_path / f"signed-{number}.pdf", seal, request)
    for number in range(5):
        report = validate_pdf(
            (tmp_path / f"signed-{number}.pdf").read_bytes(), [platform.root.certificate]
        )
        assert report.passed, report.summary()

    # The token is re-initialised with another PIN (or the PIN file is wrong): a clear error,
    # no output; with the right PIN back, the same call succeeds.
    broken = Token.get(TokenConfig(config.module_path, config.token_label, "pin:999999"))
    broken_seal = TokenSigner(
        type(platform.key("seal"))(broken, "econtract-seal"),
        platform.seal_certificate,
        platform.chain,
    )
    platform.token.close()
    target = tmp_path / "after-fault.pdf"
    with pytest.raises(TokenLoginFailed):
        sign_file(source, target, broken_seal, request)
    assert not target.exists() and not list(tmp_path.glob(".after-fault.pdf.*"))
    sign_file(source, target, seal, request)
    assert validate_pdf(target.read_bytes(), [platform.root.certificate]).passed
    server.shutdown()
