"""Key-encryption keys in a real KMIP server (PyKMIP's, mutual TLS on loopback)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from econtract.crypto import DecryptionFailed, Keyring, KeyUnavailable, open_sealed, rewrap, seal
from econtract.crypto.kmip import KmipConfig, KmipKeyWrapper, create_kek

from .conftest import start_kmip, stop

PDF = "%PDF-1.7 劳动合同 试用期三个月".encode()


def test_wrap_and_unwrap_in_the_server(kmip: KmipConfig) -> None:
    kek = create_kek(kmip, "econtract-archive-1")
    assert kek.reference.startswith("kmip:")
    key, wrapped = kek.new_data_key()
    assert key not in wrapped
    assert kek.unwrap(wrapped) == key
    sealed, stored = seal(PDF, wrapper=kek, context=b"o/1")
    assert (
        open_sealed(
            sealed, wrapped=stored, keyring=Keyring([kek], active=kek.reference), context=b"o/1"
        )
        == PDF
    )


def test_changed_wrapping_or_other_kek_fails(kmip: KmipConfig) -> None:
    one, two = create_kek(kmip, "kek-a"), create_kek(kmip, "kek-b")
    _key, wrapped = one.new_data_key()
    changed = wrapped[:-1] + bytes([wrapped[-1] ^ 1])
    with pytest.raises(DecryptionFailed):
        one.unwrap(changed)
    with pytest.raises(DecryptionFailed):
        two.unwrap(wrapped)
    with pytest.raises(DecryptionFailed, match="not a data key"):
        one.unwrap(b"short")


def test_rotation_from_kmip_to_a_new_version(kmip: KmipConfig) -> None:
    old, new = create_kek(kmip, "kek-v1"), create_kek(kmip, "kek-v2")
    sealed, wrapped = seal(PDF, wrapper=old, context=b"c")
    keyring = Keyring([old, new], active=new.reference)
    moved = rewrap(wrapped, keyring=keyring, target=new)
    assert moved.reference == new.reference
    assert (
        open_sealed(
            sealed, wrapped=moved, keyring=Keyring([new], active=new.reference), context=b"c"
        )
        == PDF
    )


def test_unknown_key_is_unavailable(kmip: KmipConfig) -> None:
    with pytest.raises(KeyUnavailable, match="refused"):
        KmipKeyWrapper(kmip, "999999").new_data_key()


def test_server_down_is_a_clear_retryable_error(tmp_path: Path) -> None:
    proc, config = start_kmip(tmp_path)
    kek = create_kek(config, "kek-down")
    _key, wrapped = kek.new_data_key()
    stop(proc)
    with pytest.raises(KeyUnavailable, match="cannot be reached"):
        kek.unwrap(wrapped)
    proc, _config = _restart(tmp_path, config)
    try:
        assert len(kek.unwrap(wrapped)) == 32  # the same key: the server kept it
    finally:
        stop(proc)


def _restart(directory: Path, config: KmipConfig):  # type: ignore[no-untyped-def]
    """The same server (same database and certificates) on the port it had."""
    import sys

    from econtract.crypto.kmip_dev import write_dev_kmip

    from .conftest import _wait_for, spawn

    dev = write_dev_kmip(directory, config.port)
    server = Path(sys.executable).with_name("pykmip-server")
    proc = spawn([str(server), "-f", str(dev.server_conf), "-l", str(directory / "server.log")])
    _wait_for(config.port, proc, "the KMIP server")
    return proc, dev.client


def test_a_client_without_the_servers_trust_is_refused(kmip: KmipConfig, tmp_path: Path) -> None:
    from econtract.crypto.kmip_dev import write_dev_kmip

    stranger = write_dev_kmip(tmp_path / "other", kmip.port).client  # another CA's identity
    config = dataclasses.replace(
        kmip, certificate=stranger.certificate, private_key=stranger.private_key
    )
    with pytest.raises(KeyUnavailable):
        create_kek(config, "kek-stranger")
