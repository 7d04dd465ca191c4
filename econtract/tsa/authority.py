"""An RFC 3161 time-stamping authority whose key stays in the token.

Answers ``TimeStampReq`` with a ``TimeStampResp`` carrying a CMS-signed ``TSTInfo``: the
digest it was given, the time, a unique serial, the requester's nonce, and an ESS
signing-certificate-v2 attribute binding the signature to the TSA certificate (RFC 5816), so
that a validator cannot be shown a different certificate for the same key. Requests it will
not serve — SHA-1 imprints, a digest of the wrong length, a policy it does not follow — get
a ``rejection`` with the matching failure bit, never a token.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import algos, cms, core, tsp, x509

from econtract.pki.keys import SigningKey

__all__ = ["TimeStampAuthority"]

_DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}


class _Rejection(core.Sequence):  # type: ignore[misc]
    """A ``TimeStampResp`` without its (optional) token; asn1crypto's class requires one."""

    _fields = [("status", tsp.PKIStatusInfo)]  # noqa: RUF012 (asn1crypto's declaration style)


def _rejection(fail_info: str, text: str) -> bytes:
    response = _Rejection(
        {
            "status": {
                "status": "rejection",
                "status_string": [text],
                "fail_info": tsp.PKIFailureInfo({fail_info}),
            }
        }
    )
    return bytes(response.dump())


@dataclass
class TimeStampAuthority:
    certificate: x509.Certificate
    key: SigningKey
    policy: str
    chain: tuple[x509.Certificate, ...] = ()

    def __post_init__(self) -> None:
        usages = self.certificate.extended_key_usage_value
        if usages is None or usages.native != ["time_stamping"]:
            raise ValueError("a TSA certificate needs the time-stamping extended key usage")

    def respond(self, request_der: bytes, now: datetime | None = None) -> bytes:
        """The DER ``TimeStampResp`` for ``request_der``."""
        try:
            request = tsp.TimeStampReq.load(request_der)
            imprint = request["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            digest = imprint["hashed_message"].native
            requested_policy = request["req_policy"].native
            nonce = request["nonce"].native
            want_certificates = bool(request["cert_req"].native)
        except (ValueError, TypeError, KeyError):
            return _rejection("bad_data_format", "the request is not a DER TimeStampReq")
        if algorithm not in _DIGEST_SIZES:
            return _rejection("bad_alg", f"message imprint algorithm {algorithm} is not accepted")
        if len(digest) != _DIGEST_SIZES[algorithm]:
            return _rejection("bad_data_format", "the message imprint has the wrong length")
        if requested_policy not in (None, self.policy):
            return _rejection("unaccepted_policy", f"this TSA follows policy {self.policy} only")
        now = now or datetime.now(UTC)
        info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": self.policy,
                "message_imprint": imprint,
                "serial_number": secrets.randbits(127),
                "gen_time": core.GeneralizedTime(now),
                "accuracy": {"seconds": 1},
                "ordering": False,
                "nonce": nonce,
                "tsa": x509.GeneralName({"directory_name": self.certificate.subject}),
            }
        )
        response = tsp.TimeStampResp(
            {
                "status": {"status": "granted"},
                "time_stamp_token": self._sign(info, want_certificates, now),
            }
        )
        return bytes(response.dump())

    def _sign(self, info: tsp.TSTInfo, want_certificates: bool, now: datetime) -> cms.ContentInfo:
        content = info.dump()
        certificate_hash = hashlib.sha256(self.certificate.dump()).digest()
        signed_attributes = cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {"type": "message_digest", "values": [hashlib.sha256(content).digest()]},
                {
                    "type": "signing_time",
                    "values": [cms.Time({"utc_time": now.replace(microsecond=0)})],
                },
                {
                    "type": "signing_certificate_v2",
                    "values": [
                        {
                            "certs": [
                                {
                                    # sha256 is the default hash_algorithm of ESSCertIDv2.
                                    "cert_hash": certificate_hash,
                                    "issuer_serial": {
                                        "issuer": [
                                            x509.GeneralName(
                                                {"directory_name": self.certificate.issuer}
                                            )
                                        ],
                                        "serial_number": self.certificate.serial_number,
                                    },
                                }
                            ]
                        }
                    ],
                },
            ]
        )
        signature = self.key.sign(signed_attributes.dump())
        digest_algorithm = algos.DigestAlgorithm({"algorithm": "sha256"})
        signer = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": {
                            "issuer": self.certificate.issuer,
                            "serial_number": self.certificate.serial_number,
                        }
                    }
                ),
                "digest_algorithm": digest_algorithm,
                "signed_attrs": signed_attributes,
                "signature_algorithm": self.key.signature_algorithm,
                "signature": signature,
            }
        )
        certificates = [self.certificate, *self.chain] if want_certificates else None
        signed_data = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [digest_algorithm],
                "encap_content_info": {
                    "content_type": "tst_info",
                    "content": core.ParsableOctetString(content),
                },
                "certificates": certificates,
                "signer_infos": [signer],
            }
        )
        return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
