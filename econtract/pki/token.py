"""Keys in a PKCS#11 token: one session per process, reopened when the token drops it.

Private keys are generated inside the token as sensitive and non-extractable objects and are
only ever used through ``C_Sign``; nothing here can read them out. The token is named by the
PKCS#11 module (``libsofthsm2.so`` in development, the vendor's library in production), the
token label, and a *PIN source* so that the PIN itself never sits in a configuration file:

- ``env:NAME`` — the PIN is in the environment variable ``NAME``;
- ``file:/path`` — the PIN is the first line of that file (keep it mode 0600);
- ``pin:1234`` — the PIN itself, for throw-away test tokens only.

A worker process keeps one logged-in session per token (PKCS#11 sessions are per process and
do not survive ``fork``). When the token reports the session gone — the HSM restarted, the
token was re-inserted — the next operation opens a new one and retries once; an operation
that still fails raises `TokenUnavailable` and has produced nothing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar, cast

import pkcs11
from asn1crypto import algos, keys
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11 import exceptions as p11
from pkcs11.types import SignMixin
from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

from econtract.errors import EContractError

__all__ = [
    "KeyNotFound",
    "Token",
    "TokenConfig",
    "TokenError",
    "TokenLoginFailed",
    "TokenUnavailable",
]

KeyKind = Literal["ec-p256", "ec-secp256k1", "rsa-3072"]

#: Named curves of the EC key kinds: P-256 for X.509 and CMS, secp256k1 for EVM accounts.
_CURVES = {"ec-p256": "secp256r1", "ec-secp256k1": "secp256k1"}
T = TypeVar("T")

#: Errors after which a fresh session may succeed: the session, not the request, was bad.
_SESSION_LOST = (
    p11.SessionHandleInvalid,
    p11.SessionClosed,
    p11.DeviceRemoved,
    p11.TokenNotPresent,
    p11.UserNotLoggedIn,
    p11.DeviceError,
)


class TokenError(EContractError):
    """The PKCS#11 token could not do what was asked."""


class TokenLoginFailed(TokenError):
    """The PIN was refused, or the PIN source gave no PIN."""


class TokenUnavailable(TokenError):
    """The module, the token or a session with it is not there (now): retry later."""


class KeyNotFound(TokenError):
    """No key with the given label is on the token."""


@dataclass(frozen=True)
class TokenConfig:
    """Where the keys are: PKCS#11 module, token label and where its PIN comes from."""

    module_path: str
    token_label: str
    pin_source: str

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> TokenConfig:
        """Read ``ECONTRACT_PKCS11_MODULE``, ``…_TOKEN`` and ``…_PIN_SOURCE``."""
        env = os.environ if environ is None else environ
        try:
            return cls(
                module_path=env["ECONTRACT_PKCS11_MODULE"],
                token_label=env["ECONTRACT_PKCS11_TOKEN"],
                pin_source=env["ECONTRACT_PKCS11_PIN_SOURCE"],
            )
        except KeyError as exc:
            raise TokenUnavailable(
                f"PKCS#11 token not configured: {exc.args[0]} is not set"
            ) from exc

    def read_pin(self) -> str:
        """The PIN named by the PIN source; raises `TokenLoginFailed` when there is none."""
        kind, _sep, rest = self.pin_source.partition(":")
        if kind == "env":
            pin = os.environ.get(rest, "")
        elif kind == "file":
            try:
                pin = Path(rest).read_text(encoding="utf-8").splitlines()[0]
            except (OSError, IndexError) as exc:
                raise TokenLoginFailed(f"cannot read the token PIN from {rest}: {exc}") from exc
        elif kind == "pin":
            pin = rest
        else:
            raise TokenLoginFailed(
                f"unknown PIN source {kind!r}: use env:NAME, file:/path or pin:VALUE"
            )
        if not pin:
            raise TokenLoginFailed(f"the PIN source {kind}:… gives an empty PIN")
        return pin


class Token:
    """A logged-in PKCS#11 token; `Token.get` hands out one instance per process and token."""

    _instances: ClassVar[dict[tuple[str, str, int], Token]] = {}
    _instances_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, config: TokenConfig) -> None:
        self.config = config
        self._session: pkcs11.Session | None = None
        self._lock = threading.RLock()

    @classmethod
    def get(cls, config: TokenConfig) -> Token:
        """The process's token object for ``config`` (a new one after ``fork``)."""
        key = (config.module_path, config.token_label, os.getpid())
        with cls._instances_lock:
            token = cls._instances.get(key)
            if token is None or token.config != config:
                token = cls._instances[key] = cls(config)
            return token

    # ---------------------------------------------------------------- sessions

    def _open(self) -> pkcs11.Session:
        try:
            library = pkcs11.lib(self.config.module_path)
        except (OSError, RuntimeError) as exc:
            raise TokenUnavailable(
                f"cannot load the PKCS#11 module {self.config.module_path}: {exc}"
            ) from exc
        try:
            slot_token = library.get_token(token_label=self.config.token_label)
        except p11.NoSuchToken as exc:
            raise TokenUnavailable(
                f"no PKCS#11 token labelled {self.config.token_label!r}"
            ) from exc
        except p11.PKCS11Error as exc:
            raise TokenUnavailable(f"PKCS#11 token {self.config.token_label!r}: {exc!r}") from exc
        pin = self.config.read_pin()
        try:
            return slot_token.open(user_pin=pin, rw=True)
        except p11.UserAlreadyLoggedIn:
            # Login is per process and token: another session of this process holds it.
            return slot_token.open(rw=True)
        except (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange) as exc:
            raise TokenLoginFailed(
                f"the PIN for token {self.config.token_label!r} was refused"
            ) from exc
        except p11.PinLocked as exc:
            raise TokenLoginFailed(f"token {self.config.token_label!r} is locked") from exc
        except p11.PKCS11Error as exc:
            raise TokenUnavailable(
                f"cannot open a session with token {self.config.token_label!r}: {exc!r}"
            ) from exc

    def close(self) -> None:
        """Close the session (the next operation opens a new one)."""
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            with suppress(p11.PKCS11Error):  # gone with the token: nothing left to close
                session.close()

    @contextmanager
    def session(self) -> Iterator[pkcs11.Session]:
        """The logged-in session, held exclusively while the block runs."""
        with self._lock:
            if self._session is None:
                self._session = self._open()
            yield self._session

    def run(self, operation: Callable[[pkcs11.Session], T]) -> T:
        """Run ``operation`` with the session; after a lost session, once more on a new one."""
        for attempt in (1, 2):
            try:
                with self.session() as session:
                    return operation(session)
            except _SESSION_LOST as exc:
                self.close()
                if attempt == 2:
                    raise TokenUnavailable(
                        f"token {self.config.token_label!r} dropped the session: {exc!r}"
                    ) from exc
            except p11.NoSuchKey as exc:
                raise KeyNotFound(str(exc) or "no such key on the token") from exc
            except p11.PKCS11Error as exc:
                raise TokenError(f"token {self.config.token_label!r}: {exc!r}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    # -------------------------------------------------------------------- keys

    def has_key(self, label: str) -> bool:
        def find(session: pkcs11.Session) -> bool:
            # Exhaust the search: an open C_FindObjects operation blocks the session.
            found = list(
                session.get_objects(
                    {Attribute.LABEL: label, Attribute.CLASS: ObjectClass.PRIVATE_KEY}
                )
            )
            return bool(found)

        return self.run(find)

    def generate_key(self, label: str, kind: KeyKind = "ec-p256") -> keys.PublicKeyInfo:
        """Create a key pair inside the token; the private half is sensitive and unexportable.

        Refuses a label already in use, so a second call cannot shadow the first key.
        """
        if self.has_key(label):
            raise TokenError(f"token {self.config.token_label!r} already has a key {label!r}")
        private = {
            Attribute.SENSITIVE: True,
            Attribute.EXTRACTABLE: False,
            Attribute.SIGN: True,
            Attribute.DECRYPT: False,
            Attribute.UNWRAP: False,
        }

        def generate(session: pkcs11.Session) -> Any:
            if kind in _CURVES:
                params = session.create_domain_parameters(
                    KeyType.EC,
                    {Attribute.EC_PARAMS: encode_named_curve_parameters(_CURVES[kind])},
                    local=True,
                )
                public, _private = params.generate_keypair(
                    store=True, label=label, private_template=private
                )
            else:
                public, _private = session.generate_keypair(
                    KeyType.RSA, 3072, store=True, label=label, private_template=private
                )
            return public

        return self._public_key_info(self.run(generate), kind)

    def public_key(self, label: str) -> keys.PublicKeyInfo:
        def find(session: pkcs11.Session) -> tuple[Any, KeyKind]:
            key = session.get_key(object_class=ObjectClass.PUBLIC_KEY, label=label)
            return key, "ec-p256" if key.key_type == KeyType.EC else "rsa-3072"

        key, kind = self.run(find)
        return self._public_key_info(key, kind)

    @staticmethod
    def _public_key_info(key: Any, kind: KeyKind) -> keys.PublicKeyInfo:
        if kind != "rsa-3072":
            return keys.PublicKeyInfo.load(encode_ec_public_key(key))
        modulus = int.from_bytes(key[Attribute.MODULUS], "big")
        exponent = int.from_bytes(key[Attribute.PUBLIC_EXPONENT], "big")
        return keys.PublicKeyInfo(
            {
                "algorithm": {"algorithm": "rsa"},
                "public_key": keys.RSAPublicKey({"modulus": modulus, "public_exponent": exponent}),
            }
        )

    def sign_digest(self, label: str, digest: bytes, kind: KeyKind) -> bytes:
        """Sign a 32-byte ``digest`` with key ``label``; DER for ECDSA, PKCS#1 v1.5 for RSA.

        The digest is SHA-256 for X.509, CMS and tree heads; EVM transactions are signed over
        their Keccak-256 hash, which an ECDSA key signs the same way.

        Raw mechanisms (``CKM_ECDSA``, ``CKM_RSA_PKCS`` over a DigestInfo) because not every
        token implements the hash-and-sign ones: SoftHSM2 has no ``CKM_ECDSA_SHA256``.
        """
        if len(digest) != 32:
            raise TokenError("sign_digest expects a 32-byte digest")

        def sign(session: pkcs11.Session) -> bytes:
            key = cast(
                SignMixin, session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=label)
            )
            if kind != "rsa-3072":
                raw = key.sign(digest, mechanism=Mechanism.ECDSA)
                return bytes(algos.DSASignature.from_p1363(raw).dump())
            info = algos.DigestInfo(
                {"digest_algorithm": {"algorithm": "sha256"}, "digest": digest}
            ).dump()
            return bytes(key.sign(info, mechanism=Mechanism.RSA_PKCS))

        return self.run(sign)

    def destroy_key(self, label: str) -> None:
        """Delete both halves of key pair ``label``; absent halves are not an error."""

        def destroy(session: pkcs11.Session) -> None:
            for object_class in (ObjectClass.PRIVATE_KEY, ObjectClass.PUBLIC_KEY):
                for key in list(
                    session.get_objects({Attribute.LABEL: label, Attribute.CLASS: object_class})
                ):
                    key.destroy()

        self.run(destroy)
