"""The sealed-object format: AES-256-GCM, the file's identity bound, keys found by name."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from econtract.crypto import (
    CryptoError,
    DecryptionFailed,
    Keyring,
    KeyUnavailable,
    WrappedKey,
    decrypt,
    encrypt,
    open_sealed,
    rewrap,
    seal,
)
from econtract.crypto.envelope import MAGIC

PDF = "%PDF-1.7\n房屋租赁合同 押金人民币伍万元整\n".encode() * 50


class AesKeyWrapKek:
    """A software KEK (RFC 3394 key wrap from `cryptography`) for tests of the format only."""

    def __init__(self, name: str) -> None:
        self.reference = f"test:{name}"
        self.kek = os.urandom(32)

    def new_data_key(self) -> tuple[bytes, bytes]:
        key = os.urandom(32)
        return key, self.wrap(key)

    def wrap(self, key: bytes) -> bytes:
        from cryptography.hazmat.primitives.keywrap import aes_key_wrap

        return aes_key_wrap(self.kek, key)

    def unwrap(self, wrapped: bytes) -> bytes:
        from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap

        try:
            return aes_key_unwrap(self.kek, wrapped)
        except InvalidUnwrap:
            raise DecryptionFailed("not ours") from None


def test_sealed_bytes_hold_no_plaintext_and_round_trip() -> None:
    kek = AesKeyWrapKek("v1")
    sealed, wrapped = seal(PDF, wrapper=kek, context=b"store/ab/cd")
    assert sealed.startswith(MAGIC)
    assert b"%PDF" not in sealed
    assert "租赁".encode() not in sealed
    assert wrapped.reference == "test:v1"
    keyring = Keyring([kek], active="test:v1")
    assert open_sealed(sealed, wrapped=wrapped, keyring=keyring, context=b"store/ab/cd") == PDF


def test_same_plaintext_seals_differently_each_time() -> None:
    key = os.urandom(32)
    assert encrypt(PDF, key=key, context=b"a") != encrypt(PDF, key=key, context=b"a")


@pytest.mark.parametrize("position", [0, 3, 4, 15, 16, 200, -1])
def test_any_changed_byte_fails_authentication(position: int) -> None:
    key = os.urandom(32)
    sealed = bytearray(encrypt(PDF, key=key, context=b"x"))
    sealed[position] ^= 0x01
    with pytest.raises(DecryptionFailed):
        decrypt(bytes(sealed), key=key, context=b"x")


def test_other_context_or_key_fails() -> None:
    key = os.urandom(32)
    sealed = encrypt(PDF, key=key, context=b"store/one")
    with pytest.raises(DecryptionFailed, match="authentication failed"):
        decrypt(sealed, key=key, context=b"store/two")
    with pytest.raises(DecryptionFailed):
        decrypt(sealed, key=os.urandom(32), context=b"store/one")


@pytest.mark.parametrize("sealed", [b"", b"ECX\x01", MAGIC + b"\0" * 27, b"%PDF-1.7" + b"\0" * 40])
def test_truncated_or_foreign_bytes_are_refused(sealed: bytes) -> None:
    with pytest.raises(DecryptionFailed, match="not a sealed"):
        decrypt(sealed, key=os.urandom(32), context=b"x")


def test_key_of_wrong_size_is_refused() -> None:
    with pytest.raises(CryptoError, match="32 bytes"):
        encrypt(b"x", key=b"short", context=b"x")


def test_rotation_rewraps_without_touching_content() -> None:
    old, new = AesKeyWrapKek("v1"), AesKeyWrapKek("v2")
    sealed, wrapped = seal(PDF, wrapper=old, context=b"c")
    keyring = Keyring([old, new], active="test:v2")
    rewrapped = rewrap(wrapped, keyring=keyring, target=new)
    assert rewrapped.reference == "test:v2"
    assert rewrapped.wrapped != wrapped.wrapped
    # Both wrappings open the unchanged object until the old one is dropped.
    assert open_sealed(sealed, wrapped=rewrapped, keyring=keyring, context=b"c") == PDF
    assert open_sealed(sealed, wrapped=wrapped, keyring=keyring, context=b"c") == PDF
    assert rewrap(rewrapped, keyring=keyring, target=new) is rewrapped


def test_wrong_key_version_fails() -> None:
    v1, v2 = AesKeyWrapKek("v1"), AesKeyWrapKek("v2")
    sealed, wrapped = seal(PDF, wrapper=v1, context=b"c")
    keyring = Keyring([v1, v2], active="test:v2")
    forged = WrappedKey("test:v2", wrapped.wrapped)
    with pytest.raises(DecryptionFailed):
        open_sealed(sealed, wrapped=forged, keyring=keyring, context=b"c")
    with pytest.raises(KeyUnavailable, match="not configured"):
        open_sealed(sealed, wrapped=wrapped, keyring=Keyring([v2], active="test:v2"), context=b"c")


def test_keyring_needs_its_active_key() -> None:
    with pytest.raises(CryptoError, match="active key"):
        Keyring([AesKeyWrapKek("v1")], active="test:v9")


@given(st.binary(max_size=4096), st.binary(max_size=64))
def test_round_trip_any_bytes(plaintext: bytes, context: bytes) -> None:
    key = os.urandom(32)
    assert (
        decrypt(encrypt(plaintext, key=key, context=context), key=key, context=context) == plaintext
    )
