"""Event certificates (事件证书): one signer, one contract, one key that lives for minutes.

After the platform has verified who is signing (the signing flow's job), it creates a fresh
key pair in the token, has the issuing CA certify it for that person and that contract only
— the contract reference is in the subject — and signs with it. The key is destroyed right
after the signature, so it can never sign anything else, and the certificate expires soon
after: the signature stays verifiable through its time stamp and the embedded revocation
data, not through the key's continued existence.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from asn1crypto import x509

from econtract.errors import EContractError
from econtract.pdf.sign import TokenSigner
from econtract.pki.certificates import Profile
from econtract.pki.keys import TokenKey
from econtract.pki.platform import Platform

__all__ = ["event_signer", "issue_event_signer"]

_MAX_LIFETIME = timedelta(days=1)
_PRINTABLE = re.compile(r"[A-Za-z0-9 '()+,\-./:=?]+")


def _issue(
    platform: Platform, name: str, identity: str, contract_reference: str, lifetime: timedelta
) -> tuple[TokenSigner, TokenKey]:
    if not name.strip() or not identity.strip() or not contract_reference.strip():
        raise EContractError("an event certificate needs a name, an identity and a contract")
    if not _PRINTABLE.fullmatch(identity):
        raise EContractError(
            "the identity goes into a PrintableString: use letters, digits and ' ()+,-./:=?'"
        )
    if not timedelta(0) < lifetime <= _MAX_LIFETIME:
        raise EContractError("an event certificate lives longer than nothing and at most a day")
    key = TokenKey(platform.token, f"event-{uuid.uuid4().hex}")
    public = platform.token.generate_key(key.label)
    try:
        subject = x509.Name.build(
            {
                "country_name": "CN",
                "organizational_unit_name": contract_reference,
                "serial_number": identity,
                "common_name": name,
            },
            use_printable=False,
        )
        certificate = platform.issuing.issue(subject, public, Profile.EVENT, lifetime)
    except BaseException:
        platform.token.destroy_key(key.label)  # no certificate, so no use for the key
        raise
    return TokenSigner(key, certificate, platform.chain), key


def issue_event_signer(
    platform: Platform,
    *,
    name: str,
    identity: str,
    contract_reference: str,
    lifetime: timedelta = timedelta(minutes=30),
) -> TokenSigner:
    """A signer for ``name`` on contract ``contract_reference``, with a new key in the token.

    ``identity`` is what the identity check established (for example a hash of the ID
    document number, never the number itself); it goes into the subject's serialNumber so
    the certificate names one person even when two share a name. Prefer `event_signer`,
    which also destroys the key; this is for callers that manage the key's end themselves.
    """
    signer, _key = _issue(platform, name, identity, contract_reference, lifetime)
    return signer


@contextmanager
def event_signer(
    platform: Platform,
    *,
    name: str,
    identity: str,
    contract_reference: str,
    lifetime: timedelta = timedelta(minutes=30),
) -> Iterator[TokenSigner]:
    """`issue_event_signer`, and the key destroyed when the block ends: it signs nothing else."""
    signer, key = _issue(platform, name, identity, contract_reference, lifetime)
    try:
        yield signer
    finally:
        platform.token.destroy_key(key.label)
