import asyncio
import hashlib
import shutil
import subprocess
import urllib.request
from pathlib import Path

import aiohttp
import pytest
from asn1crypto import cms, core, pem, tsp
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext

from econtract.pki.platform import Platform
from econtract.tsa import TimeStampAuthority

DATA = "本合同自双方签署之日起生效。".encode()


class Reply(core.Sequence):  # type: ignore[misc]
    """RFC 3161 TimeStampResp; asn1crypto's own wrongly requires the token in a rejection."""

    _fields = [  # noqa: RUF012
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def post(url: str, body: bytes, content_type: str = "application/timestamp-query") -> bytes:
    request = urllib.request.Request(
        f"{url}/tsa", data=body, headers={"Content-Type": content_type}
    )
    return bytes(urllib.request.urlopen(request).read())


def query(algorithm: str, digest: bytes, **extra: object) -> bytes:
    return bytes(
        tsp.TimeStampReq(
            {
                "version": "v1",
                "message_imprint": {
                    "hash_algorithm": {"algorithm": algorithm},
                    "hashed_message": digest,
                },
                "cert_req": True,
                **extra,
            }
        ).dump()
    )


def test_pyhanko_gets_and_validates_a_token(pki: tuple[Platform, str]) -> None:
    platform, url = pki
    digest = hashlib.sha256(DATA).digest()

    async def stamp_and_check() -> object:
        async with aiohttp.ClientSession() as session:
            stamper = HTTPTimeStamper(f"{url}/tsa", session=session)
            token = await stamper.async_timestamp(digest, "sha256")
        context = ValidationContext(
            trust_roots=[platform.root.certificate], allow_fetching=True, revocation_mode="require"
        )
        return await validate_tst_signed_data(token["content"], context, lambda _alg: digest)

    status: dict[str, object] = asyncio.run(stamp_and_check())  # type: ignore[assignment]
    assert status["intact"] and status["valid"]
    assert status["trust_problem_indic"] is None  # the path to our root was found and checked
    assert status["signing_cert"].dump() == platform.tsa_certificate.dump()  # type: ignore[attr-defined]


def test_openssl_verifies_the_token_independently(
    pki: tuple[Platform, str], tmp_path: Path
) -> None:
    platform, url = pki
    (tmp_path / "data").write_bytes(DATA)
    nonce = 0x5EED
    response = post(url, query("sha256", hashlib.sha256(DATA).digest(), nonce=nonce))
    (tmp_path / "reply.tsr").write_bytes(response)
    (tmp_path / "root.pem").write_bytes(pem.armor("CERTIFICATE", platform.root.certificate.dump()))
    (tmp_path / "chain.pem").write_bytes(
        pem.armor("CERTIFICATE", platform.issuing.certificate.dump())
    )
    openssl = shutil.which("openssl") or "openssl"
    verify = [openssl, "ts", "-verify", "-in", str(tmp_path / "reply.tsr"), "-CAfile",
              str(tmp_path / "root.pem"), "-untrusted", str(tmp_path / "chain.pem")]  # fmt: skip
    result = subprocess.run(
        [*verify, "-data", str(tmp_path / "data")], capture_output=True, text=True
    )
    assert result.returncode == 0 and "Verification: OK" in result.stdout, result.stderr
    text = subprocess.run(
        [openssl, "ts", "-reply", "-in", str(tmp_path / "reply.tsr"), "-text"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"Policy OID: {platform.config.tsa_policy}" in text
    assert "Nonce: 0x5EED" in text
    (tmp_path / "other").write_bytes(DATA + b"!")
    tampered = subprocess.run(
        [*verify, "-data", str(tmp_path / "other")], capture_output=True, text=True
    )
    assert tampered.returncode != 0


@pytest.mark.parametrize(
    ("body", "fail_info"),
    [
        (query("sha1", hashlib.sha1(DATA).digest()), "bad_alg"),
        (query("sha256", b"too short"), "bad_data_format"),
        (query("sha256", hashlib.sha256(DATA).digest(), req_policy="1.2.3.4"), "unaccepted_policy"),
        (b"\x30\x03not a request", "bad_data_format"),
    ],
)
def test_bad_requests_are_rejected_with_the_reason(
    pki: tuple[Platform, str], body: bytes, fail_info: str
) -> None:
    _platform, url = pki
    response = Reply.load(post(url, body))
    assert response["status"]["status"].native == "rejection"
    assert fail_info in response["status"]["fail_info"].native
    assert not response["time_stamp_token"]  # a rejection carries no token


def test_wrong_content_type_is_refused(pki: tuple[Platform, str]) -> None:
    _platform, url = pki
    with pytest.raises(urllib.error.HTTPError) as caught:
        post(url, query("sha256", bytes(32)), content_type="text/plain")
    assert caught.value.code == 415


def test_a_certificate_without_the_time_stamping_usage_is_refused(
    pki: tuple[Platform, str],
) -> None:
    platform, _url = pki
    with pytest.raises(ValueError, match="time-stamping extended key usage"):
        TimeStampAuthority(platform.seal_certificate, platform.key("seal"), "2.25.1")


def test_a_time_stamp_from_a_certificate_without_the_usage_is_not_trusted(
    pki: tuple[Platform, str],
) -> None:
    """A 'TSA' that signs tokens with the company seal key: its time stamps must not count."""
    from econtract.pdf import PageLayout, render_pdf
    from econtract.pdf.sign import Level, SignatureRequest, TokenSigner, sign_pdf
    from econtract.pdf.validate import validate_pdf
    from econtract.pki.service import PkiService, serve

    from .conftest import free_port

    platform, _url = pki
    rogue = object.__new__(TimeStampAuthority)  # skip the constructor's usage check
    rogue.__dict__.update(
        certificate=platform.seal_certificate,
        key=platform.key("seal"),
        policy=platform.config.tsa_policy,
        chain=platform.chain,
    )
    service = PkiService(platform)
    service.tsa = rogue
    port = free_port()
    server = serve(service, port=port)
    try:
        pdf = render_pdf("<p>合同</p>", PageLayout(reference="EC2026-00900")).data
        signer = TokenSigner(platform.key("seal"), platform.seal_certificate, platform.chain)
        signed = sign_pdf(
            pdf, signer, SignatureRequest("Seal", Level.B_T), tsa_url=f"http://127.0.0.1:{port}/tsa"
        )
    finally:
        server.shutdown()
    report = validate_pdf(signed, [platform.root.certificate])
    assert "the signature time stamp is not valid or not trusted" in report.summary()
