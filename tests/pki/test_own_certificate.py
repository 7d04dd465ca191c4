import http.server
import threading
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID
from pyhanko.sign import signers

from econtract.identity.certificate import (
    CertificateIdentity,
    CertificateRefused,
    check_own_certificate,
)
from econtract.pdf.sign import pkcs12_signer
from econtract.pki.platform import Platform

from .test_signers import own_pkcs12


def check(platform: Platform, signer: signers.Signer, name: str) -> CertificateIdentity:
    return check_own_certificate(
        signer.signing_cert,
        expected_name=name,
        trust_roots=[platform.root.certificate],
        intermediates=[platform.issuing.certificate],
    )


def test_own_certificate_of_a_trusted_ca_proves_the_name(pki: tuple[Platform, str]) -> None:
    platform, _url = pki
    signer = pkcs12_signer(
        own_pkcs12(platform, b"pw", now=datetime.now(UTC), lifetime=timedelta(days=30)), b"pw"
    )
    identity = check(platform, signer, "陈 静")  # spacing differs: the same name
    assert identity.name == "陈静"
    assert identity.serial == format(signer.signing_cert.serial_number, "x")
    with pytest.raises(CertificateRefused, match="issued to '陈静', not '李娜'"):
        check(platform, signer, "李娜")


def test_untrusted_or_revoked_certificates_are_refused(pki: tuple[Platform, str]) -> None:
    platform, _url = pki
    signer = pkcs12_signer(
        own_pkcs12(platform, b"pw", now=datetime.now(UTC), lifetime=timedelta(days=30)), b"pw"
    )
    with pytest.raises(CertificateRefused, match="not issued by a trusted authority"):
        check_own_certificate(
            signer.signing_cert,
            expected_name="陈静",
            trust_roots=[platform.tsa_certificate],  # anything but its real root
        )
    platform.issuing.revoke(signer.signing_cert.serial_number, reason="key_compromise")
    with pytest.raises(CertificateRefused, match="not valid now"):
        check(platform, signer, "陈静")


class _Counting(http.server.BaseHTTPRequestHandler):
    """An address an uploaded certificate names: counts who comes, answers nothing useful."""

    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *_args: object) -> None:
        pass


def _rogue_certificate(base: str) -> tuple[asn1_x509.Certificate, asn1_x509.Certificate]:
    """A CA nobody trusts and a certificate of 陈静 from it whose CRL, OCSP and issuer
    addresses point at ``base``."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Rogue CA")])
    ca = (
        cx509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(cx509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        cx509.CertificateBuilder()
        .subject_name(cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "陈静")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            cx509.CRLDistributionPoints(
                [
                    cx509.DistributionPoint(
                        [cx509.UniformResourceIdentifier(f"{base}/crl")], None, None, None
                    )
                ]
            ),
            critical=False,
        )
        .add_extension(
            cx509.AuthorityInformationAccess(
                [
                    cx509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP,
                        cx509.UniformResourceIdentifier(f"{base}/ocsp"),
                    ),
                    cx509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        cx509.UniformResourceIdentifier(f"{base}/issuer.cer"),
                    ),
                ]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )

    def load(certificate: cx509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))

    return load(leaf), load(ca)


@pytest.mark.parametrize("with_issuer", [False, True])
def test_an_untrusted_certificate_makes_the_server_fetch_nothing(
    pki: tuple[Platform, str], with_issuer: bool
) -> None:
    platform, _url = pki
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Counting.hits.clear()
    try:
        leaf, rogue = _rogue_certificate(f"http://127.0.0.1:{server.server_address[1]}")
        with pytest.raises(CertificateRefused, match="not issued by a trusted authority"):
            check_own_certificate(
                leaf,
                expected_name="陈静",
                trust_roots=[platform.root.certificate],
                intermediates=[rogue] if with_issuer else [],
            )
    finally:
        server.shutdown()
    assert _Counting.hits == [], "the server fetched addresses an untrusted file named"
