import asyncio
import shutil
import subprocess
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import crl, ocsp, pem, x509
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import InvalidCertificateError, RevokedError

from econtract.pki.ca import CaError
from econtract.pki.certificates import Profile
from econtract.pki.platform import KEY_LABELS, Platform, initialise
from econtract.pki.store import StoreError


def validate(platform: Platform, certificate: x509.Certificate, usage: set[str]) -> object:
    """Validate with revocation checking required, fetching CRLs/OCSP from the service."""
    context = ValidationContext(
        trust_roots=[platform.root.certificate],
        allow_fetching=True,
        revocation_mode="require",
    )
    validator = CertificateValidator(
        certificate, intermediate_certs=[platform.issuing.certificate], validation_context=context
    )
    return asyncio.run(validator.async_validate_usage(usage))


def event_certificate(platform: Platform, label: str) -> x509.Certificate:
    public = platform.token.generate_key(label)
    subject = x509.Name.build(
        {
            "country_name": "CN",
            "organizational_unit_name": "EC2026-00001",
            "common_name": "张伟",
        },
        use_printable=False,
    )
    return platform.issuing.issue(subject, public, Profile.EVENT, timedelta(minutes=30))


def test_initialise_is_idempotent(pki: tuple[Platform, str]) -> None:
    platform, _url = pki
    again = initialise(platform.config)
    assert again.root.certificate.dump() == platform.root.certificate.dump()
    assert again.seal_certificate.dump() == platform.seal_certificate.dump()
    assert again.config.tsa_policy == platform.config.tsa_policy
    assert platform.config.tsa_policy.startswith("2.25.")


def test_hierarchy_and_profiles(pki: tuple[Platform, str]) -> None:
    platform, url = pki
    root, issuing = platform.root.certificate, platform.issuing.certificate
    assert root.self_signed == "maybe" and root.ca and root.max_path_length == 1
    assert issuing.issuer == root.subject and issuing.ca and issuing.max_path_length == 0
    assert issuing.crl_distribution_points[0].url == f"{url}/crl/root-ca.crl"
    seal = platform.seal_certificate
    assert seal.subject.native["common_name"] == "上海星河贸易有限公司"
    assert seal.key_usage_value.native == {"digital_signature", "non_repudiation"}
    assert not seal.ca
    assert seal.ocsp_urls == [f"{url}/ocsp"]
    tsa = platform.tsa_certificate
    assert tsa.extended_key_usage_value.native == ["time_stamping"]
    assert [
        e["critical"].native
        for e in tsa["tbs_certificate"]["extensions"]
        if e["extn_id"].native == "extended_key_usage"
    ] == [True]


def test_chain_validates_with_revocation_checking(pki: tuple[Platform, str]) -> None:
    platform, _url = pki
    path = validate(platform, platform.seal_certificate, {"non_repudiation"})
    assert len(path) == 3


def test_revoked_event_certificate_is_reported(pki: tuple[Platform, str]) -> None:
    platform, _url = pki
    certificate = event_certificate(platform, "event-revoked")
    validate(platform, certificate, {"digital_signature"})
    platform.issuing.revoke(certificate.serial_number, "key_compromise")
    with pytest.raises(RevokedError):
        validate(platform, certificate, {"digital_signature"})
    with pytest.raises(StoreError, match="already revoked"):
        platform.issuing.revoke(certificate.serial_number)
    with pytest.raises(StoreError, match="no certificate"):
        platform.issuing.revoke(12345)
    with pytest.raises(CaError, match="unknown revocation reason"):
        platform.issuing.revoke(certificate.serial_number, "bored")


def test_wrong_key_usage_is_refused(pki: tuple[Platform, str]) -> None:
    platform, _url = pki
    with pytest.raises(InvalidCertificateError):
        validate(platform, platform.tsa_certificate, {"non_repudiation"})


def test_crl_lists_revocations_with_increasing_numbers(pki: tuple[Platform, str]) -> None:
    platform, url = pki
    certificate = event_certificate(platform, "event-crl")
    platform.issuing.revoke(certificate.serial_number, "superseded")
    first = crl.CertificateList.load(urllib.request.urlopen(f"{url}/crl/issuing-ca.crl").read())
    serials = {
        entry["user_certificate"].native for entry in first["tbs_cert_list"]["revoked_certificates"]
    }
    assert certificate.serial_number in serials
    second = platform.issuing.crl()
    assert second.crl_number_value.native > first.crl_number_value.native


def test_ocsp_answers_good_revoked_and_unknown(pki: tuple[Platform, str]) -> None:
    platform, url = pki
    good = event_certificate(platform, "event-ocsp-good")
    bad = event_certificate(platform, "event-ocsp-bad")
    platform.issuing.revoke(bad.serial_number, "key_compromise")

    def status(certificate: x509.Certificate, issuer: x509.Certificate) -> str:
        request = ocsp.OCSPRequest(
            {
                "tbs_request": {
                    "request_list": [
                        {
                            "req_cert": {
                                "hash_algorithm": {"algorithm": "sha256"},
                                "issuer_name_hash": issuer.subject.sha256,
                                "issuer_key_hash": issuer.public_key.sha256,
                                "serial_number": certificate.serial_number,
                            }
                        }
                    ]
                }
            }
        )
        http = urllib.request.Request(
            f"{url}/ocsp",
            data=request.dump(),
            headers={"Content-Type": "application/ocsp-request"},
        )
        response = ocsp.OCSPResponse.load(urllib.request.urlopen(http).read())
        return str(
            response.basic_ocsp_response["tbs_response_data"]["responses"][0]["cert_status"].name
        )

    assert status(good, platform.issuing.certificate) == "good"
    assert status(bad, platform.issuing.certificate) == "revoked"
    assert status(platform.issuing.certificate, platform.root.certificate) == "good"
    assert status(good, platform.root.certificate) == "unknown"
    garbage = urllib.request.Request(f"{url}/ocsp", data=b"\x30\x03junk")
    answer = ocsp.OCSPResponse.load(urllib.request.urlopen(garbage).read())
    assert answer["response_status"].native == "malformed_request"


def test_openssl_verifies_the_chain_with_crls(pki: tuple[Platform, str], tmp_path: Path) -> None:
    platform, url = pki
    files = {
        "root.pem": platform.root.certificate,
        "issuing.pem": platform.issuing.certificate,
        "seal.pem": platform.seal_certificate,
    }
    for name, certificate in files.items():
        (tmp_path / name).write_bytes(pem.armor("CERTIFICATE", certificate.dump()))
    crls = b"".join(
        pem.armor("X509 CRL", urllib.request.urlopen(f"{url}/crl/{name}.crl").read())
        for name in ("root-ca", "issuing-ca")
    )
    (tmp_path / "crls.pem").write_bytes(crls)
    result = subprocess.run(
        [
            shutil.which("openssl") or "openssl",
            "verify",
            "-crl_check_all",
            "-CAfile",
            str(tmp_path / "root.pem"),
            "-untrusted",
            str(tmp_path / "issuing.pem"),
            "-CRLfile",
            str(tmp_path / "crls.pem"),
            str(tmp_path / "seal.pem"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(": OK")


def test_keys_of_the_platform_are_in_the_token(pki: tuple[Platform, str]) -> None:
    platform, _url = pki
    for label in KEY_LABELS.values():
        assert platform.token.has_key(label)
    assert datetime.now(UTC) < platform.root.certificate.not_valid_after


def test_certificates_of_another_token_are_refused(
    pki: tuple[Platform, str], tmp_path: Path
) -> None:
    import shutil as _shutil

    from econtract.pki.platform import PlatformConfig, PlatformMismatch

    from .conftest import token_config

    platform, _url = pki
    copy = tmp_path / "copy"
    _shutil.copytree(platform.config.directory, copy)
    config = PlatformConfig.load(copy)
    other = PlatformConfig(
        **{**config.__dict__, "state_dir": str(copy), "token": token_config("other-tests")}
    )
    other.save()
    with pytest.raises(PlatformMismatch, match="does not belong to key econtract-root-ca"):
        Platform.load(copy)
