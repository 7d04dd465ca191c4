"""Object stores through fsspec: a local directory, a real S3 server (moto), WebHDFS config."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
from devenv import free_port

from econtract.storage import (
    ObjectMissing,
    ObjectStore,
    ReplicatedStore,
    ScrubOutcome,
    StorageError,
    StoreUnavailable,
    open_store,
    scrub,
)

from .conftest import s3_options, start_s3, stop

BLOB = b"ECX\x01" + bytes(range(256)) * 40


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _s3(endpoint: str) -> ObjectStore:
    store = ObjectStore(f"s3://econtract-{uuid.uuid4().hex[:12]}/archive", **s3_options(endpoint))
    store.ensure()
    return store


@pytest.fixture(params=["file", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "file":
        return ObjectStore(f"file://{tmp_path}/store")
    return _s3(request.getfixturevalue("s3_endpoint"))


def test_put_get_delete(store: ObjectStore) -> None:
    store.put("ab/cd/object-1", BLOB)
    assert store.exists("ab/cd/object-1")
    assert store.get("ab/cd/object-1") == BLOB
    store.put("ab/cd/object-1", BLOB + b"2")  # replaced whole
    assert store.get("ab/cd/object-1") == BLOB + b"2"
    store.delete("ab/cd/object-1")
    assert not store.exists("ab/cd/object-1")
    store.delete("ab/cd/object-1")  # absent: not an error
    with pytest.raises(ObjectMissing, match="no object"):
        store.get("ab/cd/object-1")


@pytest.mark.parametrize("name", ["", "/abs", "a/../b", "a//b", "./a", "a/."])
def test_names_cannot_escape_the_root(store: ObjectStore, name: str) -> None:
    with pytest.raises(StorageError, match="not a valid object name"):
        store.put(name, b"x")


def test_local_writes_leave_no_partial_file(tmp_path: Path) -> None:
    store = ObjectStore(f"file://{tmp_path}/store")
    store.put("a/b", BLOB)
    assert [p.name for p in (tmp_path / "store" / "a").iterdir()] == ["b"]


def test_unsupported_scheme_is_refused() -> None:
    with pytest.raises(StorageError, match="unsupported store"):
        ObjectStore("ftp://example.org/x")


def test_s3_down_is_unavailable_and_retryable() -> None:
    port = free_port()
    proc = start_s3(port)
    endpoint = f"http://127.0.0.1:{port}"
    store = _s3(endpoint)
    store.put("x", BLOB)
    stop(proc)
    with pytest.raises(StoreUnavailable, match="cannot read"):
        store.get("x")
    with pytest.raises(StoreUnavailable, match="cannot write"):
        store.put("y", BLOB)


def test_webhdfs_is_configured_and_reports_an_absent_namenode() -> None:
    """No HDFS server installs here: the backend is built and its errors are checked."""
    port = free_port()
    store = ObjectStore(f"webhdfs://127.0.0.1:{port}/econtract", timeout=2)
    assert store.protocol == "webhdfs"
    assert store.root == "/econtract"
    with pytest.raises(StoreUnavailable, match="webhdfs://"):
        store.put("a/b", BLOB)
    with pytest.raises(StoreUnavailable):
        store.get("a/b")


def test_replica_receives_every_write(tmp_path: Path, s3_endpoint: str) -> None:
    primary = ObjectStore(f"file://{tmp_path}/primary")
    replica = _s3(s3_endpoint)
    store = ReplicatedStore(primary, replica)
    store.put("o/1", BLOB)
    assert primary.get("o/1") == replica.get("o/1") == BLOB
    primary.delete("o/1")
    assert store.get("o/1") == BLOB  # read falls back to the replica


def test_a_failed_replica_write_leaves_no_orphan(tmp_path: Path) -> None:
    port = free_port()
    primary = ObjectStore(f"file://{tmp_path}/primary")
    replica = ObjectStore(
        "s3://nowhere/x",
        **s3_options(f"http://127.0.0.1:{port}"),  # nothing listens
    )
    store = ReplicatedStore(primary, replica)
    with pytest.raises(StoreUnavailable):
        store.put("o/1", BLOB)
    assert not primary.exists("o/1")


def test_open_store_builds_a_replica(tmp_path: Path) -> None:
    single = open_store(f"file://{tmp_path}/a")
    assert isinstance(single, ObjectStore)
    both = open_store(f"file://{tmp_path}/a", f"file://{tmp_path}/b")
    assert isinstance(both, ReplicatedStore)


def test_scrub_finds_and_repairs_from_the_replica(tmp_path: Path, s3_endpoint: str) -> None:
    primary = ObjectStore(f"file://{tmp_path}/primary")
    replica = _s3(s3_endpoint)
    store = ReplicatedStore(primary, replica)
    objects = {f"o/{n}": BLOB + bytes([n]) for n in range(4)}
    for name, data in objects.items():
        store.put(name, data)
    (tmp_path / "primary" / "o" / "1").write_bytes(b"ECX\x01 flipped")  # corrupt on disk
    primary.delete("o/2")  # lost on disk
    replica.put("o/3", b"bad")  # corrupt in S3
    findings = {f.name: f for f in scrub(store, [(n, _sha(d)) for n, d in objects.items()])}
    assert findings["o/0"].outcome is ScrubOutcome.OK
    for name in ("o/1", "o/2", "o/3"):
        assert findings[name].outcome is ScrubOutcome.REPAIRED, findings[name]
        assert primary.get(name) == replica.get(name) == objects[name]
    assert "corrupt" in findings["o/1"].detail and "missing" in findings["o/2"].detail
    again = list(scrub(store, [(n, _sha(d)) for n, d in objects.items()]))
    assert {f.outcome for f in again} == {ScrubOutcome.OK}


def test_scrub_names_what_cannot_be_repaired(tmp_path: Path) -> None:
    store = ObjectStore(f"file://{tmp_path}/only")
    store.put("o/1", BLOB)
    (tmp_path / "only" / "o" / "1").write_bytes(b"changed")
    findings = list(scrub(store, [("o/1", _sha(BLOB)), ("o/2", _sha(BLOB))]))
    assert [(f.name, f.outcome) for f in findings] == [
        ("o/1", ScrubOutcome.CORRUPT),
        ("o/2", ScrubOutcome.MISSING),
    ]
