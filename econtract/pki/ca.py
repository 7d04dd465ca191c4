"""A certificate authority whose key is in the token: issues, revokes, publishes CRLs, answers OCSP.

The platform runs two: a root that signs only the issuing CA (and its own CRL), and the
issuing CA that certifies the time-stamping unit, company seals and the short-lived event
certificates (事件证书) of signers. Both publish revocation at the URLs written into the
certificates they issue, so that any validator can check a signature years later.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from asn1crypto import crl, ocsp, x509
from asn1crypto import keys as asn1_keys

from econtract.errors import EContractError

from .certificates import CaUrls, Profile, build_certificate, build_crl, validity
from .keys import SigningKey
from .store import CertificateStore

__all__ = ["CaError", "CertificateAuthority"]

#: RFC 5280 reason codes accepted by `CertificateAuthority.revoke`.
REVOCATION_REASONS = frozenset(
    {
        "unspecified",
        "key_compromise",
        "affiliation_changed",
        "superseded",
        "cessation_of_operation",
        "certificate_hold",
    }
)


class CaError(EContractError):
    """The CA refused a request (unknown reason, certificate not its own…)."""


@dataclass
class CertificateAuthority:
    certificate: x509.Certificate
    key: SigningKey
    store: CertificateStore
    urls: CaUrls
    crl_lifetime: timedelta = timedelta(days=1)

    @property
    def key_id(self) -> bytes:
        return bytes(self.certificate.key_identifier)

    def issue(
        self,
        subject: x509.Name,
        public_key: asn1_keys.PublicKeyInfo,
        profile: Profile,
        lifetime: timedelta,
        *,
        now: datetime | None = None,
        path_length: int | None = None,
    ) -> x509.Certificate:
        """Certify ``public_key`` for ``profile``, and record it before handing it out."""
        not_before, not_after = validity(now or datetime.now(UTC), lifetime)
        certificate = build_certificate(
            subject=subject,
            subject_key=public_key,
            profile=profile,
            not_before=not_before,
            not_after=not_after,
            issuer_key=self.key,
            issuer=self.certificate,
            urls=self.urls,
            path_length=path_length,
        )
        self.store.add(certificate)
        return certificate

    def revoke(
        self, serial: int, reason: str = "unspecified", when: datetime | None = None
    ) -> None:
        if reason not in REVOCATION_REASONS:
            raise CaError(f"unknown revocation reason {reason!r}")
        self.store.revoke(self.key_id, serial, when or datetime.now(UTC), reason)

    def crl(self, now: datetime | None = None) -> crl.CertificateList:
        """A fresh CRL with the next CRL number."""
        now = (now or datetime.now(UTC)).replace(microsecond=0)
        return build_crl(
            issuer=self.certificate,
            issuer_key=self.key,
            number=self.store.next_number(f"crl:{self.key_id.hex()}"),
            this_update=now,
            next_update=now + self.crl_lifetime,
            revoked=self.store.revoked(self.key_id),
        )

    # ------------------------------------------------------------------ OCSP

    def answers_for(self, request_der: bytes) -> bool:
        """Whether the first certificate in an OCSP request is one this CA would have issued."""
        try:
            items = ocsp.OCSPRequest.load(request_der)["tbs_request"]["request_list"]
            return bool(len(items)) and self._matches(items[0]["req_cert"])
        except (ValueError, TypeError, KeyError):
            return False

    def _matches(self, cert_id: ocsp.CertId) -> bool:
        algorithm = cert_id["hash_algorithm"]["algorithm"].native
        if algorithm not in ("sha1", "sha256"):
            return False
        digest = getattr(hashlib, algorithm)
        name_hash = digest(self.certificate.subject.dump()).digest()
        key_hash = digest(self.certificate.public_key["public_key"].contents[1:]).digest()
        return bool(
            cert_id["issuer_name_hash"].native == name_hash
            and cert_id["issuer_key_hash"].native == key_hash
        )

    def ocsp_response(self, request_der: bytes, now: datetime | None = None) -> bytes:
        """An RFC 6960 response to ``request_der``, signed by this CA itself.

        Certificates of other issuers, or serials this CA never issued, are answered
        ``unknown`` rather than ``good``: silence must never read as a clean bill.
        """
        try:
            request = ocsp.OCSPRequest.load(request_der)
            items = request["tbs_request"]["request_list"]
            _ = items.native  # parse now: a malformed request is refused here, not half-way
        except (ValueError, TypeError):
            return bytes(ocsp.OCSPResponse({"response_status": "malformed_request"}).dump())
        now = (now or datetime.now(UTC)).replace(microsecond=0)
        responses = []
        for item in items:
            cert_id = item["req_cert"]
            status: dict[str, object] | str = "unknown"
            if self._matches(cert_id):
                record = self.store.get(self.key_id, cert_id["serial_number"].native)
                if record is not None and record.revoked_at is not None:
                    status = {
                        "revoked": {
                            "revocation_time": record.revoked_at,
                            "revocation_reason": record.reason,
                        }
                    }
                elif record is not None:
                    status = "good"
            cert_status = (
                ocsp.CertStatus({"revoked": status["revoked"]})
                if isinstance(status, dict)
                else ocsp.CertStatus({"good": None} if status == "good" else {"unknown": None})
            )
            responses.append(
                {
                    "cert_id": cert_id,
                    "cert_status": cert_status,
                    "this_update": now,
                    "next_update": now + self.crl_lifetime,
                }
            )
        extensions = [
            {"extn_id": "nonce", "extn_value": ext["extn_value"].parsed}
            for ext in request["tbs_request"]["request_extensions"] or []
            if ext["extn_id"].native == "nonce"
        ]
        tbs = ocsp.ResponseData(
            {
                "responder_id": {"by_key": self.key_id},
                "produced_at": now,
                "responses": responses,
                "response_extensions": extensions or None,
            }
        )
        basic = ocsp.BasicOCSPResponse(
            {
                "tbs_response_data": tbs,
                "signature_algorithm": self.key.signature_algorithm,
                "signature": self.key.sign(tbs.dump()),
            }
        )
        response = ocsp.OCSPResponse(
            {
                "response_status": "successful",
                "response_bytes": {"response_type": "basic_ocsp_response", "response": basic},
            }
        )
        return bytes(response.dump())
