"""The sealed-object format and envelope encryption around it.

A sealed object is ``MAGIC ‖ nonce (12 bytes) ‖ AES-256-GCM ciphertext ‖ tag (16 bytes)``.
The associated data is ``MAGIC ‖ len(context) ‖ context``: the *context* names the file
(its store key, or model, record and field for a value), so the same bytes under another
name do not decrypt. The wrapped data key is not in the object: it lives beside it, in the
database row that points at the object, which is what lets rotation re-wrap keys in a
transaction without rewriting stored objects — and lets deleting the row shred the file.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from econtract.errors import EContractError

__all__ = [
    "KEY_SIZE",
    "MAGIC",
    "CryptoError",
    "DecryptionFailed",
    "KeyUnavailable",
    "KeyWrapper",
    "Keyring",
    "WrappedKey",
    "decrypt",
    "encrypt",
    "open_sealed",
    "rewrap",
    "seal",
]

#: Format marker and version of a sealed object; a new layout gets a new marker.
MAGIC = b"ECX\x01"
#: AES-256: the data keys' length in bytes.
KEY_SIZE = 32
_NONCE = 12
_TAG = 16


class CryptoError(EContractError):
    """Encryption or decryption at rest could not be done."""


class DecryptionFailed(CryptoError):
    """Authentication failed: a wrong key, another file's context, or changed bytes.

    Nothing of the plaintext is returned when this is raised.
    """


class KeyUnavailable(CryptoError):
    """The key-encryption key cannot be reached now (HSM or KMIP server down): retry later."""


class KeyWrapper(Protocol):
    """A key-encryption key: makes data keys and unwraps them; its key never leaves it."""

    @property
    def reference(self) -> str:
        """Stable name of this KEK version (``pkcs11:<label>``, ``kmip:<uid>``)."""

    def new_data_key(self) -> tuple[bytes, bytes]:
        """A fresh 32-byte data key and the same key wrapped by this KEK."""

    def wrap(self, key: bytes) -> bytes:
        """``key`` wrapped by this KEK (used when rotating to it)."""

    def unwrap(self, wrapped: bytes) -> bytes:
        """The data key inside ``wrapped``; `DecryptionFailed` if it is not one of ours."""


@dataclass(frozen=True)
class WrappedKey:
    """A data key as stored: which KEK wrapped it, and the wrapped bytes."""

    reference: str
    """`KeyWrapper.reference` of the KEK version that wrapped it."""

    wrapped: bytes
    """The data key wrapped by that KEK; useless without it."""


class Keyring:
    """The KEK versions a reader may need, by reference; one of them writes new files."""

    def __init__(self, wrappers: Iterable[KeyWrapper], *, active: str) -> None:
        self._wrappers = {wrapper.reference: wrapper for wrapper in wrappers}
        if active not in self._wrappers:
            raise CryptoError(f"the active key {active!r} is not in the keyring")
        self.active = self._wrappers[active]

    def __contains__(self, reference: object) -> bool:
        return reference in self._wrappers

    def resolve(self, reference: str) -> KeyWrapper:
        """The KEK named ``reference``; `KeyUnavailable` if this keyring does not hold it."""
        try:
            return self._wrappers[reference]
        except KeyError:
            raise KeyUnavailable(f"key {reference!r} is not configured here") from None


def _associated_data(context: bytes) -> bytes:
    return MAGIC + struct.pack(">I", len(context)) + context


def encrypt(plaintext: bytes, *, key: bytes, context: bytes) -> bytes:
    """``plaintext`` sealed under ``key`` for ``context`` (a fresh random nonce each call)."""
    if len(key) != KEY_SIZE:
        raise CryptoError(f"a data key has {KEY_SIZE} bytes, not {len(key)}")
    nonce = os.urandom(_NONCE)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, plaintext, _associated_data(context))


def decrypt(sealed: bytes, *, key: bytes, context: bytes) -> bytes:
    """The plaintext of ``sealed``; `DecryptionFailed` for any wrong key, context or byte."""
    if len(key) != KEY_SIZE:
        raise CryptoError(f"a data key has {KEY_SIZE} bytes, not {len(key)}")
    if len(sealed) < len(MAGIC) + _NONCE + _TAG or not sealed.startswith(MAGIC):
        raise DecryptionFailed("not a sealed econtract object (unknown format or truncated)")
    nonce = sealed[len(MAGIC) : len(MAGIC) + _NONCE]
    body = sealed[len(MAGIC) + _NONCE :]
    try:
        return AESGCM(key).decrypt(nonce, body, _associated_data(context))
    except InvalidTag:
        raise DecryptionFailed(
            "authentication failed: wrong key, another file's data, or changed bytes"
        ) from None


def seal(plaintext: bytes, *, wrapper: KeyWrapper, context: bytes) -> tuple[bytes, WrappedKey]:
    """``plaintext`` encrypted under a new data key; the sealed bytes and the wrapped key."""
    key, wrapped = wrapper.new_data_key()
    return encrypt(plaintext, key=key, context=context), WrappedKey(wrapper.reference, wrapped)


def open_sealed(sealed: bytes, *, wrapped: WrappedKey, keyring: Keyring, context: bytes) -> bytes:
    """The plaintext of an object sealed by `seal`, its key unwrapped by the named KEK."""
    key = keyring.resolve(wrapped.reference).unwrap(wrapped.wrapped)
    return decrypt(sealed, key=key, context=context)


def rewrap(wrapped: WrappedKey, *, keyring: Keyring, target: KeyWrapper) -> WrappedKey:
    """The same data key wrapped by ``target``; the content it protects stays as it is."""
    if wrapped.reference == target.reference:
        return wrapped
    key = keyring.resolve(wrapped.reference).unwrap(wrapped.wrapped)
    return WrappedKey(target.reference, target.wrap(key))
