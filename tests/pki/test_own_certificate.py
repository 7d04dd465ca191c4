from datetime import UTC, datetime, timedelta

import pytest
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
