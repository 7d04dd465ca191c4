"""Key-encryption keys in the PKCS#11 token (SoftHSM2): wrap and unwrap inside the token."""

from __future__ import annotations

from pathlib import Path

import pytest
from devenv import softhsm_module
from pkcs11 import Attribute, ObjectClass

from econtract.crypto import (
    CryptoError,
    DecryptionFailed,
    Keyring,
    KeyUnavailable,
    open_sealed,
    rewrap,
    seal,
)
from econtract.crypto.pkcs11 import TokenKeyWrapper, create_kek
from econtract.pki.token import Token, TokenConfig

from .conftest import USER_PIN, token_config

PDF = "%PDF-1.7 房屋租赁合同 押金".encode()


@pytest.fixture
def token(softhsm_dir: Path) -> Token:
    return Token.get(token_config("kek-tests"))


def test_kek_is_sensitive_and_never_leaves_the_token(token: Token) -> None:
    create_kek(token, "kek-sensitive")

    def attributes(session):  # type: ignore[no-untyped-def]
        key = session.get_key(object_class=ObjectClass.SECRET_KEY, label="kek-sensitive")
        return key[Attribute.SENSITIVE], key[Attribute.EXTRACTABLE], key[Attribute.ENCRYPT]

    assert token.run(attributes) == (True, False, False)


def test_seal_and_open_through_the_token(token: Token) -> None:
    kek = create_kek(token, "kek-round-trip")
    assert kek.exists()
    sealed, wrapped = seal(PDF, wrapper=kek, context=b"ir.attachment/1")
    assert wrapped.reference == "pkcs11:kek-round-trip"
    assert len(wrapped.wrapped) == 40  # RFC 5649 of 32 bytes
    keyring = Keyring([kek], active=kek.reference)
    assert open_sealed(sealed, wrapped=wrapped, keyring=keyring, context=b"ir.attachment/1") == PDF


def test_a_changed_wrapped_key_or_another_kek_fails(token: Token) -> None:
    one, two = create_kek(token, "kek-one"), create_kek(token, "kek-two")
    _key, wrapped = one.new_data_key()
    with pytest.raises(DecryptionFailed, match="not wrapped by"):
        one.unwrap(wrapped[:-1] + bytes([wrapped[-1] ^ 1]))
    with pytest.raises(DecryptionFailed):
        two.unwrap(wrapped)


def test_rotation_rewraps_in_the_token(token: Token) -> None:
    old, new = create_kek(token, "kek-2026"), create_kek(token, "kek-2027")
    sealed, wrapped = seal(PDF, wrapper=old, context=b"c")
    moved = rewrap(wrapped, keyring=Keyring([old, new], active=new.reference), target=new)
    only_new = Keyring([new], active=new.reference)
    assert open_sealed(sealed, wrapped=moved, keyring=only_new, context=b"c") == PDF


def test_a_label_is_not_reused(token: Token) -> None:
    create_kek(token, "kek-taken")
    with pytest.raises(CryptoError, match="already has a key"):
        create_kek(token, "kek-taken")


def test_missing_kek_or_token_is_unavailable(token: Token) -> None:
    with pytest.raises(KeyUnavailable, match="not on the token"):
        TokenKeyWrapper(token, "kek-never-made").new_data_key()
    gone = Token(TokenConfig(softhsm_module(), "no-such-token", f"pin:{USER_PIN}"))
    with pytest.raises(KeyUnavailable, match="cannot be used now"):
        TokenKeyWrapper(gone, "kek").new_data_key()
