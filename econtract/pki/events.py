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

__all__ = ["event_signer"]

_MAX_LIFETIME = timedelta(days=1)
_PRINTABLE = re.compile(r"[A-Za-z0-9 '()+,\-./:=?]+")


@contextmanager
def event_signer(
    platform: Platform,
    *,
    name: str,
    identity: str,
    contract_reference: str,
    lifetime: timedelta = timedelta(minutes=30),
) -> Iterator[TokenSigner]:
    """A signer for ``name`` on contract ``contract_reference``; its key dies with the block.

    ``identity`` is what the identity check established (for example a hash of the ID
    document number, never the number itself); it goes into the subject's serialNumber so
    the certificate names one person even when two share a name.
    """
    if not name.strip() or not identity.strip() or not contract_reference.strip():
        raise EContractError("an event certificate needs a name, an identity and a contract")
    if not _PRINTABLE.fullmatch(identity):
        raise EContractError(
            "the identity goes into a PrintableString: use letters, digits and ' ()+,-./:=?'"
        )
    if not timedelta(0) < lifetime <= _MAX_LIFETIME:
        raise EContractError("an event certificate lives longer than nothing and at most a day")
    label = f"event-{uuid.uuid4().hex}"
    public = platform.token.generate_key(label)
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
        yield TokenSigner(TokenKey(platform.token, label), certificate, platform.chain)
    finally:
        platform.token.destroy_key(label)
