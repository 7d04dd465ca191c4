"""Evidence events: what happened to which contract, when, by whom, over which documents.

An event is hashed into the log as its RFC 8785 encoding, so anyone holding the event's JSON
can recompute its leaf hash. Each event carries a random salt: proofs hand out the leaf
hashes of *other* events, and without a salt a short, guessable event (``"contract.viewed"``
by a known user on a known day) could be recovered from its hash by trying candidates.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .canonical import CanonicalizationError, canonical, canonical_text, loads
from .merkle import leaf_hash

__all__ = ["ChainLink", "DocumentDigest", "Event", "EventError"]

FORMAT_VERSION = 1
_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


class EventError(CanonicalizationError):
    """An event is malformed: unknown version, bad type name, time, digest or member."""


def _time_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise EventError("event times are aware datetimes (UTC)")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class DocumentDigest:
    """A document the event is about, named and identified by its SHA-256."""

    name: str
    sha256: str

    def __post_init__(self) -> None:
        if not _SHA256.match(self.sha256):
            raise EventError(f"{self.sha256!r} is not a lowercase hex SHA-256")

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "sha256": self.sha256}


@dataclass(frozen=True)
class ChainLink:
    """Where an event stands among the events of its scope (one contract's).

    Each event of a contract names its number in the contract's history and the leaf hash
    of the one before, so the log itself — whose signed heads commit to every leaf —
    commits to the complete, ordered event set of each contract: a package that leaves one
    out, adds a foreign one or reorders them breaks the links.
    """

    scope: str
    """``<model>/<id>`` of the contract the events belong to."""
    seq: int
    """0 for the scope's first event, then 1, 2, …"""
    previous: str | None
    """Leaf hash (lowercase hex) of the scope's event ``seq - 1``; None for the first."""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9_.]+/[0-9]+", self.scope):
            raise EventError(f"{self.scope!r} is not a <model>/<id> scope")
        if not isinstance(self.seq, int) or self.seq < 0:
            raise EventError("a chain number is a non-negative integer")
        if (self.previous is None) != (self.seq == 0):
            raise EventError("exactly the first event of a scope has no previous event")
        if self.previous is not None and not _SHA256.match(self.previous):
            raise EventError("the previous event is named by its lowercase hex leaf hash")

    def as_json(self) -> dict[str, Any]:
        return {"scope": self.scope, "seq": self.seq, "previous": self.previous}

    @classmethod
    def from_json(cls, data: Any) -> ChainLink:
        if not isinstance(data, Mapping) or set(data) != {"scope", "seq", "previous"}:
            raise EventError("chain is {scope, seq, previous}")
        return cls(data["scope"], data["seq"], data["previous"])


@dataclass(frozen=True)
class Event:
    """One entry of the evidence log."""

    type: str
    """Dotted name, ``<subject>.<what happened>``: ``contract.created``, ``contract.signed``."""
    time: datetime
    """When it happened (aware; written in UTC with microseconds)."""
    actor: Mapping[str, Any]
    """Who did it: ``{"id": 7, "name": "张三", "login": "zhangsan"}`` or a system actor."""
    subject: Mapping[str, Any]
    """What it is about: ``{"model": "econtract.contract", "id": 12, "reference": "…"}``."""
    payload: Mapping[str, Any] = field(default_factory=dict)
    """Anything else worth keeping: changed values, decisions, reasons."""
    documents: tuple[DocumentDigest, ...] = ()
    salt: str = field(default_factory=lambda: secrets.token_hex(16))
    chain: ChainLink | None = None
    """The event's place in its contract's history; events of no contract have none."""

    def __post_init__(self) -> None:
        if not _TYPE.match(self.type):
            raise EventError(f"{self.type!r} is not a dotted lowercase event type")
        _time_text(self.time)
        if not re.fullmatch(r"[0-9a-f]{32}", self.salt):
            raise EventError("the salt is 16 random bytes in lowercase hex")
        canonical(self.as_json())  # refuse values without a canonical form now, not at hashing

    def as_json(self) -> dict[str, Any]:
        return {
            "v": FORMAT_VERSION,
            "type": self.type,
            "time": _time_text(self.time),
            "actor": dict(self.actor),
            "subject": dict(self.subject),
            "documents": [document.as_json() for document in self.documents],
            "payload": dict(self.payload),
            "salt": self.salt,
            **({"chain": self.chain.as_json()} if self.chain is not None else {}),
        }

    def canonical(self) -> bytes:
        """The bytes the log hashes."""
        return canonical(self.as_json())

    def canonical_text(self) -> str:
        return canonical_text(self.as_json())

    def leaf_hash(self) -> bytes:
        return leaf_hash(self.canonical())

    @classmethod
    def from_canonical(cls, text: str) -> Event:
        """The event whose RFC 8785 encoding is ``text``; any other encoding is refused,
        since only the canonical bytes hash to the event's leaf."""
        try:
            data = loads(text)
        except ValueError as error:
            raise EventError(f"not JSON: {error}") from error
        event = cls.from_json(data)
        if event.canonical_text() != text:
            raise EventError("not in canonical RFC 8785 form")
        return event

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Event:
        """The event back from its JSON object; refuses anything `as_json` would not write."""
        expected = {"v", "type", "time", "actor", "subject", "documents", "payload", "salt"}
        if isinstance(data, Mapping) and "chain" in data:
            expected.add("chain")
        if not isinstance(data, Mapping) or set(data) != expected:
            found = sorted(data) if isinstance(data, Mapping) else type(data).__name__
            raise EventError(f"an event has exactly the members {sorted(expected)}, not {found}")
        if data["v"] != FORMAT_VERSION:
            raise EventError(f"event format {data['v']!r} is unknown here")
        time = data["time"]
        if not isinstance(time, str) or not _TIME.match(time):
            raise EventError(f"{time!r} is not a UTC time with microseconds")
        for name in ("actor", "subject", "payload"):
            if not isinstance(data[name], Mapping):
                raise EventError(f"{name} is an object")
        documents = data["documents"]
        if not isinstance(documents, list) or not all(
            isinstance(item, Mapping) and set(item) == {"name", "sha256"} for item in documents
        ):
            raise EventError("documents is a list of {name, sha256}")
        return cls(
            type=data["type"],
            time=datetime.strptime(time, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC),
            actor=data["actor"],
            subject=data["subject"],
            payload=data["payload"],
            documents=tuple(DocumentDigest(item["name"], item["sha256"]) for item in documents),
            salt=data["salt"],
            chain=ChainLink.from_json(data["chain"]) if "chain" in data else None,
        )
