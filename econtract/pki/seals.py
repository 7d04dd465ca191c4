"""Company e-seals (电子印章): one per legal entity, its key in the token.

A seal is a company's signature: its certificate names the entity by its registered name and
its unified social credit code (统一社会信用代码, GB 32100-2015), so a seal on a contract
says which entity agreed — never a platform-wide stand-in. The code's check character is
verified here, so a mistyped code never reaches a certificate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from asn1crypto import x509

from econtract.errors import EContractError
from econtract.pdf.sign import TokenSigner

from .certificates import Profile
from .keys import TokenKey
from .platform import Platform

__all__ = [
    "CompanySeal",
    "SealError",
    "issue_company_seal",
    "seal_subject",
    "validate_uscc",
]

#: GB 32100-2015: the 31 characters a code uses (no I, O, S, V, Z) and the weights of its
#: first 17 positions for the check character.
_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
SEAL_LIFETIME = timedelta(days=365 * 3)


class SealError(EContractError):
    """A company seal cannot be made or used: no valid code, no key, no certificate."""


def validate_uscc(code: str) -> str:
    """The unified social credit code ``code`` in canonical form (upper case, no spaces);
    `SealError` when it is not 18 characters of the code's alphabet with the right check
    character."""
    normal = "".join(code.split()).upper()
    if len(normal) != 18:
        raise SealError(f"a unified social credit code has 18 characters, not {len(normal)}")
    bad = sorted({char for char in normal if char not in _USCC_CHARSET})
    if bad:
        raise SealError(f"a unified social credit code has no {''.join(bad)}")
    total = sum(
        _USCC_CHARSET.index(char) * weight
        for char, weight in zip(normal[:17], _USCC_WEIGHTS, strict=True)
    )
    expected = _USCC_CHARSET[(31 - total % 31) % 31]
    if normal[17] != expected:
        raise SealError(f"the check character of {normal} should be {expected}: a typing error?")
    return normal


def seal_subject(legal_name: str, uscc: str) -> x509.Name:
    """The certificate subject of ``legal_name``'s seal: the entity, and its code as the
    subject's serialNumber (how Chinese CAs name organisations)."""
    name = legal_name.strip()
    if not name:
        raise SealError("a seal needs the company's registered name")
    return x509.Name.build(
        {
            "country_name": "CN",
            "organization_name": name,
            "organizational_unit_name": "电子印章",
            "serial_number": validate_uscc(uscc),
            "common_name": name,
        },
        use_printable=False,
    )


@dataclass(frozen=True)
class CompanySeal:
    """A company's seal as the signing code uses it."""

    label: str
    """The key's label in the token."""
    certificate: x509.Certificate

    @property
    def holder(self) -> str:
        return str(self.certificate.subject.native.get("organization_name", ""))

    @property
    def serial(self) -> str:
        return format(self.certificate.serial_number, "x")

    def signer(self, platform: Platform) -> TokenSigner:
        """A signer with the seal's key in the token; refused when the key is not there or
        is not the certified one (the token was replaced)."""
        if not platform.token.has_key(self.label):
            raise SealError(f"the seal key {self.label} is not in the token")
        public = platform.token.public_key(self.label)
        if public.dump() != self.certificate.public_key.dump():
            raise SealError(f"the seal certificate does not belong to key {self.label}")
        return TokenSigner(TokenKey(platform.token, self.label), self.certificate, platform.chain)


def issue_company_seal(
    platform: Platform,
    *,
    label: str,
    legal_name: str,
    uscc: str,
    now: datetime | None = None,
) -> CompanySeal:
    """Make the seal of one company: a key generated in the token under ``label`` (kept if
    it exists already, as after a crash between the two steps), and a seal certificate
    for it from the platform's issuing CA, recorded in the CA's store."""
    subject = seal_subject(legal_name, uscc)
    if platform.token.has_key(label):
        public = platform.token.public_key(label)
    else:
        public = platform.token.generate_key(label)
    now = now or datetime.now(UTC)
    lifetime = min(SEAL_LIFETIME, platform.issuing.certificate.not_valid_after - now)
    if lifetime <= timedelta(0):
        raise SealError("the platform's issuing CA has expired: no seal can be certified")
    certificate = platform.issuing.issue(subject, public, Profile.SEAL, lifetime, now=now)
    return CompanySeal(label, certificate)
