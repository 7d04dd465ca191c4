"""X.509 certificates and CRLs signed by keys that never leave the token.

``cryptography``'s builders want the private key in memory, so certificates are assembled
with asn1crypto instead: the to-be-signed part is built and encoded here, its bytes go to the
token through `SigningKey.sign`, and the signature is attached. Each *profile* says what a
kind of certificate may be used for; validators (pyHanko, poppler/NSS) check exactly these
extensions, so they are set deliberately and tested.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from asn1crypto import crl, x509
from asn1crypto import keys as asn1_keys

from .keys import SigningKey

__all__ = [
    "CaUrls",
    "Profile",
    "build_certificate",
    "build_crl",
    "key_identifier",
    "new_serial",
]


class Profile(Enum):
    """What a certificate is for; decides its key usage and extended key usage."""

    ROOT_CA = "root_ca"
    ISSUING_CA = "issuing_ca"
    TIMESTAMPING = "timestamping"
    SEAL = "seal"  # a company's electronic seal: long-lived, signs documents
    EVENT = "event"  # 事件证书: one signer, one contract, minutes to live


@dataclass(frozen=True)
class CaUrls:
    """Where validators fetch the issuer's certificate, its CRL, and ask OCSP."""

    ca_issuers: str = ""
    crl: str = ""
    ocsp: str = ""


def new_serial() -> int:
    """A positive 159-bit random serial: unpredictable, as the CA/B Forum asks (≥ 64 bits)."""
    return secrets.randbits(159) | (1 << 158)


def key_identifier(public_key: asn1_keys.PublicKeyInfo) -> bytes:
    """SHA-1 of the subject public key bits (RFC 5280 §4.2.1.2, method 1)."""
    return hashlib.sha1(public_key["public_key"].contents[1:]).digest()


def _key_usage(profile: Profile) -> set[str]:
    if profile in (Profile.ROOT_CA, Profile.ISSUING_CA):
        return {"key_cert_sign", "crl_sign", "digital_signature"}
    if profile in (Profile.SEAL, Profile.EVENT):
        return {"digital_signature", "non_repudiation"}
    return {"digital_signature"}


_EXTENDED_KEY_USAGE = {Profile.TIMESTAMPING: ["time_stamping"]}


@dataclass
class _Extensions:
    profile: Profile
    subject_key: asn1_keys.PublicKeyInfo
    issuer_key: asn1_keys.PublicKeyInfo
    urls: CaUrls
    path_length: int | None = None
    extra: list[x509.Extension] = field(default_factory=list)

    def build(self) -> list[x509.Extension]:
        is_ca = self.profile in (Profile.ROOT_CA, Profile.ISSUING_CA)
        constraints: dict[str, object] = {"ca": is_ca}
        if is_ca and self.path_length is not None:
            constraints["path_len_constraint"] = self.path_length
        out = [
            x509.Extension(
                {"extn_id": "basic_constraints", "critical": True, "extn_value": constraints}
            ),
            x509.Extension(
                {"extn_id": "key_usage", "critical": True, "extn_value": _key_usage(self.profile)}
            ),
            x509.Extension(
                {"extn_id": "key_identifier", "extn_value": key_identifier(self.subject_key)}
            ),
        ]
        if self.profile is not Profile.ROOT_CA:
            out.append(
                x509.Extension(
                    {
                        "extn_id": "authority_key_identifier",
                        "extn_value": {"key_identifier": key_identifier(self.issuer_key)},
                    }
                )
            )
        if eku := _EXTENDED_KEY_USAGE.get(self.profile):
            # RFC 3161 §2.3: a TSA certificate carries exactly one, critical, EKU.
            out.append(
                x509.Extension(
                    {"extn_id": "extended_key_usage", "critical": True, "extn_value": eku}
                )
            )
        if self.urls.crl and self.profile is not Profile.ROOT_CA:
            out.append(
                x509.Extension(
                    {
                        "extn_id": "crl_distribution_points",
                        "extn_value": [
                            {
                                "distribution_point": {
                                    "full_name": [
                                        x509.GeneralName(
                                            {"uniform_resource_identifier": self.urls.crl}
                                        )
                                    ]
                                }
                            }
                        ],
                    }
                )
            )
        access = []
        if self.urls.ocsp and self.profile is not Profile.ROOT_CA:
            access.append(
                {
                    "access_method": "ocsp",
                    "access_location": x509.GeneralName(
                        {"uniform_resource_identifier": self.urls.ocsp}
                    ),
                }
            )
        if self.urls.ca_issuers and self.profile is not Profile.ROOT_CA:
            access.append(
                {
                    "access_method": "ca_issuers",
                    "access_location": x509.GeneralName(
                        {"uniform_resource_identifier": self.urls.ca_issuers}
                    ),
                }
            )
        if access:
            out.append(
                x509.Extension({"extn_id": "authority_information_access", "extn_value": access})
            )
        return out + self.extra


def build_certificate(
    *,
    subject: x509.Name,
    subject_key: asn1_keys.PublicKeyInfo,
    profile: Profile,
    not_before: datetime,
    not_after: datetime,
    issuer_key: SigningKey,
    issuer: x509.Certificate | None = None,
    urls: CaUrls | None = None,
    serial: int | None = None,
    path_length: int | None = None,
) -> x509.Certificate:
    """A certificate for ``subject_key`` signed by ``issuer_key`` (self-signed without issuer)."""
    if not_after <= not_before:
        raise ValueError("a certificate must end after it starts")
    issuer_name = issuer.subject if issuer is not None else subject
    if issuer is not None and not_after > issuer.not_valid_after:
        # A certificate cannot outlive its issuer: validators would reject the tail anyway.
        not_after = issuer.not_valid_after
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial if serial is not None else new_serial(),
            "signature": issuer_key.signature_algorithm,
            "issuer": issuer_name,
            "validity": {
                "not_before": x509.Time({"utc_time": not_before}),
                "not_after": x509.Time(
                    {"generalized_time" if not_after.year >= 2050 else "utc_time": not_after}
                ),
            },
            "subject": subject,
            "subject_public_key_info": subject_key,
            "extensions": _Extensions(
                profile,
                subject_key,
                issuer_key.public_key,
                urls or CaUrls(),
                path_length,
            ).build(),
        }
    )
    signature = issuer_key.sign(tbs.dump())
    return x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": issuer_key.signature_algorithm,
            "signature_value": signature,
        }
    )


def build_crl(
    *,
    issuer: x509.Certificate,
    issuer_key: SigningKey,
    number: int,
    this_update: datetime,
    next_update: datetime,
    revoked: list[tuple[int, datetime, str]],
) -> crl.CertificateList:
    """A CRL listing ``(serial, revoked at, reason)`` entries, numbered and keyed to its issuer."""
    entries = [
        crl.RevokedCertificate(
            {
                "user_certificate": serial,
                "revocation_date": x509.Time({"utc_time": when}),
                "crl_entry_extensions": [
                    {"extn_id": "crl_reason", "extn_value": reason},
                ],
            }
        )
        for serial, when, reason in revoked
    ]
    tbs = crl.TbsCertList(
        {
            "version": "v2",
            "signature": issuer_key.signature_algorithm,
            "issuer": issuer.subject,
            "this_update": x509.Time({"utc_time": this_update}),
            "next_update": x509.Time({"utc_time": next_update}),
            "revoked_certificates": entries or None,
            "crl_extensions": [
                {"extn_id": "crl_number", "extn_value": number},
                {
                    "extn_id": "authority_key_identifier",
                    "extn_value": {"key_identifier": key_identifier(issuer.public_key)},
                },
            ],
        }
    )
    return crl.CertificateList(
        {
            "tbs_cert_list": tbs,
            "signature_algorithm": issuer_key.signature_algorithm,
            "signature": issuer_key.sign(tbs.dump()),
        }
    )


def validity(now: datetime, lifetime: timedelta) -> tuple[datetime, datetime]:
    """``(not before, not after)``: a minute of backdating absorbs clock skew between hosts."""
    start = now.replace(microsecond=0) - timedelta(minutes=1)
    return start, start + lifetime
