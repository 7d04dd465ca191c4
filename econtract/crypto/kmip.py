"""Key-encryption keys held in a KMIP server, reached with PyKMIP over mutual TLS.

The KEK is an AES-256 symmetric key created and activated in the server; it is used through
the server's Encrypt and Decrypt operations in AES-GCM (a 12-byte nonce, a 16-byte tag, a
fixed associated data naming the purpose), so its value is never sent to us. Data keys are
made here from the operating system's random source and wrapped as ``nonce ‖ ct ‖ tag``.

PyKMIP's high-level client drops the GCM tag of an Encrypt answer, so the two operations
are built with its message layer (``KMIPProxy._build_request_message`` and
``_send_and_receive_message``, stable across PyKMIP 0.10–0.11, pinned by constraints.txt).
"""

from __future__ import annotations

import logging
import os
import ssl
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from econtract.crypto.envelope import KEY_SIZE, CryptoError, DecryptionFailed, KeyUnavailable

__all__ = ["KmipConfig", "KmipKeyWrapper", "create_kek"]

T = TypeVar("T")
_NONCE = 12
_TAG = 16
#: Associated data of every wrap: a KMIP-wrapped data key is not valid for anything else.
_PURPOSE = b"econtract data key"


@dataclass(frozen=True)
class KmipConfig:
    """Where the KMIP server is, and the client's TLS identity."""

    host: str
    port: int
    certificate: str
    """PEM client certificate (extended key usage clientAuth), path."""
    private_key: str
    """PEM private key of the client certificate, path (keep it mode 0600)."""
    ca_certificate: str
    """PEM certificate of the CA that issued the server's certificate, path."""
    timeout: float = 10.0


@cache
def _kmip() -> Any:
    # PyKMIP warns that no client configuration file exists (ours is explicit), imports an
    # SQLAlchemy 1.x name, and builds its TLS context with a deprecated protocol constant
    # (the certificate chain is still verified against the CA given): noise, not problems.
    logging.getLogger("kmip.core.config_helper").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"kmip\.")
    warnings.filterwarnings(
        "ignore", message=r".*declarative_base\(\)", category=DeprecationWarning
    )
    try:
        from kmip.pie.client import ProxyKmipClient
    except ImportError as exc:  # pragma: no cover - PyKMIP is in requirements.txt
        raise KeyUnavailable("PyKMIP is not installed: pip install pykmip") from exc
    return ProxyKmipClient


@contextmanager
def _client(config: KmipConfig) -> Iterator[Any]:
    client_class = _kmip()  # first: it quiets PyKMIP's import-time warnings
    from kmip.core import enums

    client = client_class(
        hostname=config.host,
        port=config.port,
        cert=config.certificate,
        key=config.private_key,
        ca=config.ca_certificate,
        config_file=None,
        # GCM's tag and associated data travel from KMIP 1.4 on; older encodings drop them.
        kmip_version=enums.KMIPVersion.KMIP_1_4,
    )
    client.proxy.timeout = config.timeout
    try:
        client.open()
    except (TimeoutError, OSError, ssl.SSLError) as exc:
        raise KeyUnavailable(
            f"the KMIP server {config.host}:{config.port} cannot be reached: {exc}"
        ) from exc
    except Exception as exc:  # PyKMIP raises its own and plain exceptions on connect
        raise KeyUnavailable(
            f"the KMIP server {config.host}:{config.port} refused the connection: {exc}"
        ) from exc
    try:
        yield client
    finally:
        # Closing a broken connection has nothing to report.
        with suppress(Exception):
            client.close()


def _call(config: KmipConfig, operation: Callable[[Any], T]) -> T:
    with _client(config) as client:
        try:
            return operation(client)
        except CryptoError:
            raise
        except (TimeoutError, OSError, ssl.SSLError) as exc:
            raise KeyUnavailable(
                f"the KMIP server {config.host}:{config.port} dropped the request: {exc}"
            ) from exc
        except Exception as exc:  # PyKMIP's own failures (KmipOperationFailure…)
            raise CryptoError(f"the KMIP server refused: {exc}") from exc


def _batch(
    client: Any, operation: Any, payload: Any, refused: type[CryptoError] = CryptoError
) -> Any:
    """Send one request payload; its response payload, or the server's refusal as ``refused``.

    A failed GCM check comes back as a general failure (PyKMIP reports ``InvalidTag`` so),
    which is why Decrypt passes `DecryptionFailed` here.
    """
    from kmip.core import enums
    from kmip.core.messages import messages
    from kmip.core.messages.contents import Operation

    proxy = client.proxy
    item = messages.RequestBatchItem(operation=Operation(operation), request_payload=payload)
    response = proxy._send_and_receive_message(proxy._build_request_message(None, [item]))
    answer = response.batch_items[0]
    if answer.result_status.value != enums.ResultStatus.SUCCESS:
        reason = getattr(answer.result_reason, "value", answer.result_reason)
        message = getattr(answer.result_message, "value", answer.result_message)
        denied = reason in (
            enums.ResultReason.PERMISSION_DENIED,
            enums.ResultReason.ITEM_NOT_FOUND,
        )
        error = KeyUnavailable if denied else refused
        raise error(f"the KMIP server refused: {reason}: {message}")
    return answer.response_payload


def _gcm() -> Any:
    from kmip.core import enums
    from kmip.core.attributes import CryptographicParameters

    return CryptographicParameters(
        block_cipher_mode=enums.BlockCipherMode.GCM,
        cryptographic_algorithm=enums.CryptographicAlgorithm.AES,
        tag_length=_TAG,
    )


def create_kek(config: KmipConfig, name: str) -> KmipKeyWrapper:
    """A new active AES-256 KEK named ``name`` in the server (for encrypt and decrypt only)."""
    from kmip.core import enums

    def create(client: Any) -> str:
        uid = client.create(
            enums.CryptographicAlgorithm.AES,
            KEY_SIZE * 8,
            name=name,
            cryptographic_usage_mask=[
                enums.CryptographicUsageMask.ENCRYPT,
                enums.CryptographicUsageMask.DECRYPT,
            ],
        )
        client.activate(uid)
        return str(uid)

    return KmipKeyWrapper(config, _call(config, create))


class KmipKeyWrapper:
    """A KEK version held in a KMIP server, named ``kmip:<unique identifier>``."""

    def __init__(self, config: KmipConfig, uid: str) -> None:
        self.config = config
        self.uid = uid

    @property
    def reference(self) -> str:
        return f"kmip:{self.uid}"

    def new_data_key(self) -> tuple[bytes, bytes]:
        key = os.urandom(KEY_SIZE)
        return key, self.wrap(key)

    def wrap(self, key: bytes) -> bytes:
        from kmip.core import enums
        from kmip.core.messages import payloads

        if len(key) != KEY_SIZE:
            raise CryptoError(f"a data key has {KEY_SIZE} bytes, not {len(key)}")
        nonce = os.urandom(_NONCE)

        def encrypt(client: Any) -> bytes:
            payload = payloads.EncryptRequestPayload(
                unique_identifier=self.uid,
                cryptographic_parameters=_gcm(),
                data=key,
                iv_counter_nonce=nonce,
                auth_additional_data=_PURPOSE,
            )
            answer = _batch(client, enums.Operation.ENCRYPT, payload)
            if answer.auth_tag is None or len(answer.data) != KEY_SIZE:
                raise CryptoError("the KMIP server answered Encrypt without a GCM tag")
            return nonce + bytes(answer.data) + bytes(answer.auth_tag)

        return _call(self.config, encrypt)

    def unwrap(self, wrapped: bytes) -> bytes:
        from kmip.core import enums
        from kmip.core.messages import payloads

        if len(wrapped) != _NONCE + KEY_SIZE + _TAG:
            raise DecryptionFailed(f"not a data key wrapped by {self.reference}")
        nonce, body, tag = wrapped[:_NONCE], wrapped[_NONCE:-_TAG], wrapped[-_TAG:]

        def decrypt(client: Any) -> bytes:
            payload = payloads.DecryptRequestPayload(
                unique_identifier=self.uid,
                cryptographic_parameters=_gcm(),
                data=body,
                iv_counter_nonce=nonce,
                auth_additional_data=_PURPOSE,
                auth_tag=tag,
            )
            return bytes(_batch(client, enums.Operation.DECRYPT, payload, DecryptionFailed).data)

        key = _call(self.config, decrypt)
        if len(key) != KEY_SIZE:
            raise DecryptionFailed(f"{self.reference} unwrapped a key of the wrong size")
        return key
