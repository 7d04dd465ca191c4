"""What a CA has issued and revoked, in SQLite so that every change is one transaction.

A CA must never forget a certificate it issued (revocation and OCSP answer from this record)
and never reuse a CRL number. SQLite gives both with no server: each write is a transaction,
and a crash leaves the last committed state. Several processes may share the file (the
signing worker issues, the PKI service answers OCSP); SQLite's locking serialises them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import x509

from econtract.errors import EContractError

__all__ = ["CertificateRecord", "CertificateStore", "StoreError"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS certificate (
    issuer_key_id TEXT NOT NULL,
    serial TEXT NOT NULL,
    subject TEXT NOT NULL,
    not_after TEXT NOT NULL,
    der BLOB NOT NULL,
    revoked_at TEXT,
    reason TEXT,
    PRIMARY KEY (issuer_key_id, serial)
);
CREATE TABLE IF NOT EXISTS counter (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""


class StoreError(EContractError):
    """The certificate store refused a change (unknown serial, revoked twice…)."""


@dataclass(frozen=True)
class CertificateRecord:
    certificate: x509.Certificate
    revoked_at: datetime | None
    reason: str | None


class CertificateStore:
    """Certificates issued by one or more CAs, keyed by issuer key identifier and serial."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level="IMMEDIATE")
        try:
            with db:  # commits on success, rolls back on any exception
                yield db
        finally:
            db.close()

    @staticmethod
    def _issuer_id(certificate: x509.Certificate) -> str:
        # A self-signed root has no authority key identifier: it is its own issuer.
        key_id = certificate.authority_key_identifier or certificate.key_identifier
        return bytes(key_id).hex()

    def add(self, certificate: x509.Certificate) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO certificate (issuer_key_id, serial, subject, not_after, der)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    self._issuer_id(certificate),
                    format(certificate.serial_number, "x"),
                    certificate.subject.human_friendly,
                    certificate.not_valid_after.isoformat(),
                    certificate.dump(),
                ),
            )

    def get(self, issuer_key_id: bytes, serial: int) -> CertificateRecord | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT der, revoked_at, reason FROM certificate"
                " WHERE issuer_key_id = ? AND serial = ?",
                (issuer_key_id.hex(), format(serial, "x")),
            ).fetchone()
        if row is None:
            return None
        der, revoked_at, reason = row
        return CertificateRecord(
            x509.Certificate.load(der),
            datetime.fromisoformat(revoked_at) if revoked_at else None,
            reason,
        )

    def revoke(self, issuer_key_id: bytes, serial: int, when: datetime, reason: str) -> None:
        with self._connect() as db:
            cursor = db.execute(
                "UPDATE certificate SET revoked_at = ?, reason = ?"
                " WHERE issuer_key_id = ? AND serial = ? AND revoked_at IS NULL",
                (
                    when.astimezone(UTC).isoformat(),
                    reason,
                    issuer_key_id.hex(),
                    format(serial, "x"),
                ),
            )
            if cursor.rowcount != 1:
                known = db.execute(
                    "SELECT revoked_at FROM certificate WHERE issuer_key_id = ? AND serial = ?",
                    (issuer_key_id.hex(), format(serial, "x")),
                ).fetchone()
                if known is None:
                    raise StoreError(f"no certificate with serial {serial:x} from this CA")
                raise StoreError(f"certificate {serial:x} was already revoked at {known[0]}")

    def revoked(self, issuer_key_id: bytes) -> list[tuple[int, datetime, str]]:
        """``(serial, revoked at, reason)`` of every revoked certificate of the issuer."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT serial, revoked_at, reason FROM certificate"
                " WHERE issuer_key_id = ? AND revoked_at IS NOT NULL ORDER BY revoked_at, serial",
                (issuer_key_id.hex(),),
            ).fetchall()
        return [
            (int(serial, 16), datetime.fromisoformat(at), reason) for serial, at, reason in rows
        ]

    def next_number(self, name: str) -> int:
        """The next value of counter ``name`` (1, 2, …), never handed out twice."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO counter (name, value) VALUES (?, 1)"
                " ON CONFLICT (name) DO UPDATE SET value = value + 1",
                (name,),
            )
            (value,) = db.execute("SELECT value FROM counter WHERE name = ?", (name,)).fetchone()
        return int(value)
