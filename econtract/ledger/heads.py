"""Signed tree heads: the log's commitment to its size and root at a moment.

The signed structure is Certificate Transparency's ``TreeHeadSignature`` (RFC 6962 §3.5:
version v1 = 0, signature type ``tree_hash`` = 1, a 64-bit millisecond timestamp, the 64-bit
tree size and the 32-byte root), so the bytes a verifier checks are fixed by a published
standard rather than by our JSON. The signature is ECDSA P-256 (or RSA PKCS#1 v1.5) with
SHA-256, made by a key that stays in the PKCS#11 token; anyone with the public key — published
by the PKI service and shipped in every evidence package — can check a head.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from econtract.errors import LedgerError
from econtract.pki.keys import SigningKey

from .merkle import HASH_SIZE

__all__ = [
    "HeadSignatureError",
    "SignedTreeHead",
    "TreeHead",
    "key_id",
    "sign_tree_head",
    "verify_signature",
]


class HeadSignatureError(LedgerError):
    """A tree head's signature does not verify with the log's public key, or is malformed."""


def key_id(public_key_der: bytes) -> bytes:
    """SHA-256 of the DER SubjectPublicKeyInfo: how heads and packages name the log key."""
    return hashlib.sha256(public_key_der).digest()


@dataclass(frozen=True)
class TreeHead:
    size: int
    root: bytes
    timestamp: int
    """Milliseconds since the Unix epoch, UTC."""

    def __post_init__(self) -> None:
        if not 0 <= self.size < 2**64 or not 0 <= self.timestamp < 2**64:
            raise LedgerError("tree size and timestamp are unsigned 64-bit numbers")
        if len(self.root) != HASH_SIZE:
            raise LedgerError("a root hash has 32 bytes")

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp / 1000, UTC)

    def signing_input(self) -> bytes:
        """RFC 6962 ``TreeHeadSignature``: what the log key signs and what TSAs stamp."""
        return struct.pack(">BBQQ", 0, 1, self.timestamp, self.size) + self.root


@dataclass(frozen=True)
class SignedTreeHead:
    head: TreeHead
    key_id: bytes
    signature: bytes

    def verify(self, public_key_der: bytes) -> None:
        """Raise `HeadSignatureError` unless the log key signed this head."""
        if key_id(public_key_der) != self.key_id:
            raise HeadSignatureError(
                f"the head of {self.head.size} leaves names key {self.key_id.hex()[:16]}…, "
                f"not the key given ({key_id(public_key_der).hex()[:16]}…)"
            )
        if not verify_signature(public_key_der, self.signature, self.head.signing_input()):
            raise HeadSignatureError(
                f"the signature of the head of {self.head.size} leaves does not verify"
            )

    def as_json(self) -> dict[str, Any]:
        return {
            "tree_size": self.head.size,
            "root_hash": self.head.root.hex(),
            "timestamp": self.head.timestamp,
            "key_id": self.key_id.hex(),
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SignedTreeHead:
        try:
            return cls(
                TreeHead(
                    int(data["tree_size"]),
                    bytes.fromhex(data["root_hash"]),
                    int(data["timestamp"]),
                ),
                bytes.fromhex(data["key_id"]),
                bytes.fromhex(data["signature"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise LedgerError(f"malformed signed tree head: {error}") from error


def verify_signature(public_key_der: bytes, signature: bytes, data: bytes) -> bool:
    """Whether ``signature`` is the log key's over SHA-256 of ``data`` (ECDSA or RSA)."""
    try:
        public_key = serialization.load_der_public_key(public_key_der)
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise HeadSignatureError("the log key is neither ECDSA nor RSA")
    except (InvalidSignature, ValueError):
        return False
    return True


def sign_tree_head(head: TreeHead, key: SigningKey) -> SignedTreeHead:
    """Sign ``head`` with the log key (in the token); checks the result before returning it."""
    public_key_der = key.public_key.dump()
    signed = SignedTreeHead(head, key_id(public_key_der), key.sign(head.signing_input()))
    signed.verify(public_key_der)
    return signed
