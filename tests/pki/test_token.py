import hashlib
from pathlib import Path

import pytest
from asn1crypto import keys
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pkcs11 import Attribute, ObjectClass

from econtract.pki.token import (
    KeyNotFound,
    Token,
    TokenConfig,
    TokenError,
    TokenLoginFailed,
    TokenUnavailable,
)

from .conftest import token_config


def verify(public_key: keys.PublicKeyInfo, signature: bytes, data: bytes) -> None:
    key = serialization.load_der_public_key(public_key.dump())
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    else:
        assert isinstance(key, rsa.RSAPublicKey)
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())


@pytest.fixture(scope="module")
def token(softhsm_dir: Path) -> Token:
    return Token.get(token_config("token-tests"))


@pytest.mark.parametrize("kind", ["ec-p256", "ec-secp256k1", "rsa-3072"])
def test_keys_sign_inside_the_token_and_never_leave_it(token: Token, kind: str) -> None:
    public = token.generate_key(f"signer-{kind}", kind)  # type: ignore[arg-type]
    data = "合同 EC2026-00001".encode()
    signature = token.sign_digest(f"signer-{kind}", hashlib.sha256(data).digest(), kind)  # type: ignore[arg-type]
    verify(public, signature, data)
    with pytest.raises(InvalidSignature):
        verify(public, signature, data + b".")
    with token.session() as session:
        private = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=f"signer-{kind}")
        assert private[Attribute.SENSITIVE] is True
        assert private[Attribute.EXTRACTABLE] is False
        assert private[Attribute.NEVER_EXTRACTABLE] is True
    assert token.public_key(f"signer-{kind}").dump() == public.dump()


def test_a_label_cannot_be_reused(token: Token) -> None:
    token.generate_key("once")
    with pytest.raises(TokenError, match="already has a key 'once'"):
        token.generate_key("once")


def test_unknown_key(token: Token) -> None:
    with pytest.raises(KeyNotFound):
        token.sign_digest("nobody", bytes(32), "ec-p256")
    with pytest.raises(TokenError, match="32-byte digest"):
        token.sign_digest("once", b"short", "ec-p256")


# python-pkcs11 finalises the search that met the dead session in __del__ and reports that
# second SessionHandleInvalid as "ignored": expected here, and harmless.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_lost_session_is_reopened(token: Token) -> None:
    public = token.generate_key("survivor")
    with token.session() as session:
        session.close()  # the HSM forgets the session: its handle is now invalid
    digest = hashlib.sha256(b"after the restart").digest()
    verify(public, token.sign_digest("survivor", digest, "ec-p256"), b"after the restart")


def test_wrong_pin_absent_token_and_bad_pin_sources(softhsm_dir: Path, token: Token) -> None:
    # Login is per process and token, so the wrong PIN is tried on a token nobody opened yet.
    fresh = token_config("pin-tests")
    with pytest.raises(TokenLoginFailed, match="was refused"):
        Token(TokenConfig(fresh.module_path, fresh.token_label, "pin:000000")).has_key("x")
    assert Token(fresh).has_key("x") is False
    good = token.config
    with pytest.raises(TokenUnavailable, match="no PKCS#11 token labelled 'absent'"):
        Token(TokenConfig(good.module_path, "absent", good.pin_source)).has_key("x")
    with pytest.raises(TokenUnavailable, match="cannot load the PKCS#11 module"):
        Token(TokenConfig("/nonexistent/libpkcs11.so", "x", good.pin_source)).has_key("x")
    with pytest.raises(TokenLoginFailed, match="unknown PIN source"):
        TokenConfig("m", "t", "1234").read_pin()
    with pytest.raises(TokenLoginFailed, match="empty PIN"):
        TokenConfig("m", "t", "env:ECONTRACT_TEST_UNSET_PIN").read_pin()
    pin_file = softhsm_dir / "pin"
    pin_file.write_text(good.read_pin() + "\n")
    assert Token(TokenConfig(good.module_path, good.token_label, f"file:{pin_file}")).has_key(
        "once"
    )


def test_one_token_object_per_process(token: Token) -> None:
    assert Token.get(token.config) is token


def test_configuration_from_the_environment() -> None:
    config = TokenConfig.from_env(
        {
            "ECONTRACT_PKCS11_MODULE": "/usr/lib/softhsm/libsofthsm2.so",
            "ECONTRACT_PKCS11_TOKEN": "econtract-dev",
            "ECONTRACT_PKCS11_PIN_SOURCE": "env:ECONTRACT_PIN",
        }
    )
    assert config.token_label == "econtract-dev"
    with pytest.raises(TokenUnavailable, match="ECONTRACT_PKCS11_MODULE is not set"):
        TokenConfig.from_env({})
