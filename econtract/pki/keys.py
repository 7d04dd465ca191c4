"""Signing keys as the PKI code sees them: something that signs bytes and names its algorithm.

The platform's keys live in a PKCS#11 token (`TokenKey`); the protocol exists so that the
certificate, CRL, OCSP and time-stamp code is written once against it and reads the same
whether the key is in SoftHSM2 or in a production HSM.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol

from asn1crypto import algos, keys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .token import KeyKind, Token

__all__ = ["SigningKey", "SoftwareKey", "TokenKey"]


class SigningKey(Protocol):
    """A private key usable for SHA-256 signatures, whatever holds it."""

    @property
    def public_key(self) -> keys.PublicKeyInfo: ...

    @property
    def signature_algorithm(self) -> algos.SignedDigestAlgorithm: ...

    def sign(self, data: bytes) -> bytes:
        """Signature over SHA-256 of ``data`` (DER for ECDSA, PKCS#1 v1.5 for RSA)."""
        ...


@dataclass
class TokenKey:
    """A key pair in the token, found by its label."""

    token: Token
    label: str
    kind: KeyKind = "ec-p256"
    _public_key: keys.PublicKeyInfo | None = None

    @property
    def public_key(self) -> keys.PublicKeyInfo:
        if self._public_key is None:
            self._public_key = self.token.public_key(self.label)
        return self._public_key

    @property
    def signature_algorithm(self) -> algos.SignedDigestAlgorithm:
        name = "sha256_rsa" if self.kind == "rsa-3072" else "sha256_ecdsa"
        return algos.SignedDigestAlgorithm({"algorithm": name})

    def sign(self, data: bytes) -> bytes:
        return self.token.sign_digest(self.label, hashlib.sha256(data).digest(), self.kind)


@dataclass
class SoftwareKey:
    """An ECDSA P-256 key in process memory: a real `SigningKey` for tests and offline tools.

    The platform never signs with it — its keys stay in the token — but code written against
    `SigningKey` (tree heads, certificates) can be exercised without an HSM, as pyHanko ships
    a dummy time stamper for the same reason.
    """

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    @property
    def public_key(self) -> keys.PublicKeyInfo:
        return keys.PublicKeyInfo.load(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    @property
    def signature_algorithm(self) -> algos.SignedDigestAlgorithm:
        return algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"})

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data, ec.ECDSA(hashes.SHA256()))
