"""Encryption at rest: files sealed with AES-256-GCM under their own data key.

Each file gets a fresh 256-bit data key; the key is kept only *wrapped* by a key-encryption
key (KEK) that stays in an HSM (`econtract.crypto.pkcs11`) or a KMIP server
(`econtract.crypto.kmip`). The file's identity is bound into the ciphertext as associated
data, so an object moved to another name, a wrong key or one changed byte fails
authentication — never yields plaintext garbage. Rotation re-wraps data keys under a new
KEK version without touching the encrypted content.
"""

from econtract.crypto.envelope import (
    CryptoError,
    DecryptionFailed,
    Keyring,
    KeyUnavailable,
    KeyWrapper,
    WrappedKey,
    decrypt,
    encrypt,
    open_sealed,
    rewrap,
    seal,
)

__all__ = [
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
