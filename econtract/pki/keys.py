"""Signing keys as the PKI code sees them: something that signs bytes and names its algorithm.

The platform's keys live in a PKCS#11 token (`TokenKey`); the protocol exists so that the
certificate, CRL, OCSP and time-stamp code is written once against it and reads the same
whether the key is in SoftHSM2 or in a production HSM.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from asn1crypto import algos, keys

from .token import KeyKind, Token

__all__ = ["SigningKey", "TokenKey"]


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
        name = "sha256_ecdsa" if self.kind == "ec-p256" else "sha256_rsa"
        return algos.SignedDigestAlgorithm({"algorithm": name})

    def sign(self, data: bytes) -> bytes:
        return self.token.sign_digest(self.label, hashlib.sha256(data).digest(), self.kind)
