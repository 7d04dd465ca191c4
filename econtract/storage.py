"""Object stores for archived files, through fsspec: a local directory, S3, HDFS.

A store is named by a URL — ``file:///var/lib/econtract/store`` (the default kind),
``s3://bucket/prefix`` (any S3-compatible server, with ``endpoint_url`` and credentials as
options), ``webhdfs://namenode:9870/econtract`` (HDFS over its REST interface) — and holds
opaque, already encrypted objects under names chosen by the caller.

Writes are whole-object: a reader sees the previous object or the new one, never a part.
Locally and on HDFS that is a temporary name and one rename; an S3 PUT is atomic by itself.
A `ReplicatedStore` writes every object to a primary and a replica and undoes the primary
when the replica fails, so a failed write leaves no orphan behind.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from econtract.errors import EContractError
from econtract.files import write_atomically

__all__ = [
    "ObjectCorrupt",
    "ObjectMissing",
    "ObjectStore",
    "ReplicatedStore",
    "ScrubFinding",
    "ScrubOutcome",
    "StorageError",
    "Store",
    "StoreUnavailable",
    "open_store",
    "scrub",
]

#: URL schemes a store may have, and the fsspec protocol that serves them.
_SCHEMES = {"file": "file", "s3": "s3", "webhdfs": "webhdfs", "memory": "memory"}
#: Protocols whose single-object writes are atomic by themselves (no rename needed).
_ATOMIC_PUT = frozenset({"s3", "memory"})


class StorageError(EContractError):
    """The object store could not do what was asked."""


class StoreUnavailable(StorageError):
    """The store cannot be reached now (server down, network, permissions): retry later."""


class ObjectMissing(StorageError):
    """No object has this name in the store."""


class ObjectCorrupt(StorageError):
    """An object's bytes are not the ones written (checksum mismatch)."""


class Store(Protocol):
    """What the archive needs of a store."""

    url: str

    def put(self, name: str, data: bytes) -> None: ...
    def get(self, name: str) -> bytes: ...
    def exists(self, name: str) -> bool: ...
    def delete(self, name: str) -> None: ...


def _check_name(name: str) -> str:
    parts = name.split("/")
    if not name or name.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise StorageError(f"not a valid object name: {name!r}")
    return name


class ObjectStore:
    """One fsspec filesystem rooted at a URL."""

    def __init__(self, url: str, **options: Any) -> None:
        import fsspec

        scheme = url.partition("://")[0] if "://" in url else "file"
        if scheme not in _SCHEMES:
            raise StorageError(f"unsupported store {url!r}: use file://, s3:// or webhdfs:// URLs")
        self.url = url
        self.protocol = _SCHEMES[scheme]
        try:
            self.fs, root = fsspec.core.url_to_fs(url, **options)
        except (ImportError, ValueError, TypeError) as exc:
            raise StorageError(f"cannot configure the store {url!r}: {exc}") from exc
        self.root = root.rstrip("/")

    def __repr__(self) -> str:
        return f"ObjectStore({self.url!r})"

    def _path(self, name: str) -> str:
        return f"{self.root}/{_check_name(name)}"

    def _fail(self, action: str, name: str, exc: BaseException) -> StorageError:
        if isinstance(exc, FileNotFoundError):
            return ObjectMissing(f"{self.url}: no object {name!r}")
        return StoreUnavailable(f"{self.url}: cannot {action} {name!r}: {exc}")

    def ensure(self) -> None:
        """Create the root (a bucket, a directory) if it is not there yet."""
        try:
            if not self.fs.exists(self.root):
                self.fs.mkdir(self.root, create_parents=True)
        except Exception as exc:  # fsspec backends raise their clients' own errors
            raise StoreUnavailable(f"{self.url}: cannot create the store: {exc}") from exc

    def put(self, name: str, data: bytes) -> None:
        """Store ``data`` as ``name`` in one step, replacing an object of that name."""
        path = self._path(name)
        try:
            parent = path.rpartition("/")[0]
            if self.protocol == "file":
                # A temporary file, fsync, one rename: durable once put returns.
                self.fs.makedirs(parent, exist_ok=True)
                write_atomically(Path(path), data)
            elif self.protocol not in _ATOMIC_PUT:
                self.fs.makedirs(parent, exist_ok=True)
                partial = f"{parent}/.{path.rpartition('/')[2]}.{uuid.uuid4().hex}.partial"
                try:
                    self.fs.pipe_file(partial, data)
                    # HDFS renames onto an existing name fail quietly: make room first.
                    if self.fs.exists(path):
                        self.fs.rm_file(path)
                    self.fs.mv(partial, path)
                    if not self.fs.exists(path):
                        raise OSError(f"the rename to {path} did not happen")
                except BaseException:
                    self._discard(partial)
                    raise
            else:
                self.fs.pipe_file(path, data)
        except Exception as exc:
            raise self._fail("write", name, exc) from exc

    def _discard(self, path: str) -> None:
        with suppress(Exception):  # it may never have been written
            self.fs.rm_file(path)

    def get(self, name: str) -> bytes:
        try:
            return bytes(self.fs.cat_file(self._path(name)))
        except Exception as exc:
            raise self._fail("read", name, exc) from exc

    def exists(self, name: str) -> bool:
        try:
            return bool(self.fs.exists(self._path(name)))
        except Exception as exc:
            raise self._fail("look for", name, exc) from exc

    def delete(self, name: str) -> None:
        """Remove ``name``; an absent object is not an error."""
        try:
            self.fs.rm_file(self._path(name))
        except FileNotFoundError:
            return
        except Exception as exc:
            raise self._fail("delete", name, exc) from exc


class ReplicatedStore:
    """A primary store and a replica that every write also reaches."""

    def __init__(self, primary: ObjectStore, replica: ObjectStore) -> None:
        self.primary = primary
        self.replica = replica
        self.url = primary.url

    def __repr__(self) -> str:
        return f"ReplicatedStore({self.primary.url!r}, {self.replica.url!r})"

    def put(self, name: str, data: bytes) -> None:
        """Write both copies; when the replica fails, the primary's copy is removed again."""
        existed = self.primary.exists(name)
        self.primary.put(name, data)
        try:
            self.replica.put(name, data)
        except StorageError:
            if not existed:
                with suppress(StorageError):  # the error that matters is the replica's
                    self.primary.delete(name)
            raise

    def get(self, name: str) -> bytes:
        """The primary's copy; the replica's when the primary is down or lacks it."""
        try:
            return self.primary.get(name)
        except StorageError as first:
            try:
                return self.replica.get(name)
            except StorageError:
                raise first from None

    def exists(self, name: str) -> bool:
        return self.primary.exists(name) or self.replica.exists(name)

    def delete(self, name: str) -> None:
        self.primary.delete(name)
        self.replica.delete(name)


def open_store(url: str, replica_url: str | None = None, **options: Any) -> Store:
    """The store at ``url`` — replicated to ``replica_url`` when one is given.

    ``options`` go to both (``endpoint_url``, ``key``, ``secret`` for S3…); options for one
    side only are given as ``primary_options``/``replica_options`` mappings.
    """
    primary_options: Mapping[str, Any] = options.pop("primary_options", {})
    replica_options: Mapping[str, Any] = options.pop("replica_options", {})
    primary = ObjectStore(url, **{**options, **primary_options})
    if not replica_url:
        return primary
    return ReplicatedStore(primary, ObjectStore(replica_url, **{**options, **replica_options}))


class ScrubOutcome(Enum):
    OK = "ok"
    REPAIRED = "repaired"
    MISSING = "missing"
    CORRUPT = "corrupt"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class ScrubFinding:
    """What the scrub found for one object."""

    name: str
    outcome: ScrubOutcome
    detail: str = ""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_copy(store: ObjectStore, name: str, sha256: str) -> tuple[bytes | None, str]:
    try:
        data = store.get(name)
    except ObjectMissing:
        return None, "missing"
    except StorageError as exc:
        return None, f"unreachable ({exc})"
    if _sha256(data) != sha256:
        return None, "corrupt"
    return data, "ok"


def scrub(store: Store, objects: Iterable[tuple[str, str]]) -> Iterator[ScrubFinding]:
    """Re-read every ``(name, sha256)``; repair a bad copy from a good one where there is one.

    The SHA-256 is the one of the stored (encrypted) bytes, recorded when they were written.
    """
    for name, sha256 in objects:
        if isinstance(store, ReplicatedStore):
            yield _scrub_pair(store, name, sha256)
            continue
        assert isinstance(store, ObjectStore)
        _data, state = _check_copy(store, name, sha256)
        outcome = {"ok": ScrubOutcome.OK, "missing": ScrubOutcome.MISSING}.get(state)
        if outcome is None:
            outcome = ScrubOutcome.CORRUPT if state == "corrupt" else ScrubOutcome.UNREACHABLE
        yield ScrubFinding(name, outcome, "" if state == "ok" else f"{store.url}: {state}")


def _scrub_pair(store: ReplicatedStore, name: str, sha256: str) -> ScrubFinding:
    copies = [(side, *_check_copy(side, name, sha256)) for side in (store.primary, store.replica)]
    good = next((data for _side, data, _state in copies if data is not None), None)
    bad = [(side, state) for side, data, state in copies if data is None]
    if not bad:
        return ScrubFinding(name, ScrubOutcome.OK)
    detail = "; ".join(f"{side.url}: {state}" for side, state in bad)
    if good is None:
        corrupt = any(state == "corrupt" for _side, state in bad)
        unreachable = all(state.startswith("unreachable") for _side, state in bad)
        outcome = (
            ScrubOutcome.CORRUPT
            if corrupt
            else ScrubOutcome.UNREACHABLE
            if unreachable
            else ScrubOutcome.MISSING
        )
        return ScrubFinding(name, outcome, detail)
    repaired = []
    for side, state in bad:
        if state.startswith("unreachable"):
            continue
        try:
            side.put(name, good)
            repaired.append(side.url)
        except StorageError as exc:
            detail += f"; repair of {side.url} failed: {exc}"
    if not repaired:
        return ScrubFinding(name, ScrubOutcome.UNREACHABLE, detail)
    return ScrubFinding(
        name, ScrubOutcome.REPAIRED, f"{detail}; rewritten on {', '.join(repaired)}"
    )
