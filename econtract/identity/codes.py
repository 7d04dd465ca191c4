"""One-time codes for identity checks: kept only as a keyed hash, expiring, single-use, and
throttled with a lockout.

A `Challenge` is a small immutable value the caller stores (the signing addon keeps it in a
row); `issue` and `verify` return the next one. Callers must store the state `verify`
returns *even when the code was wrong*, in a transaction of its own if the request is about
to fail: an attempt counter that rolls back with the failed request counts nothing, and a
six-digit code falls to a million retried requests.

Codes are random digits from `secrets`; the stored digest is HMAC-SHA256 under a server key
over a per-challenge salt and the code, so a leaked table reveals no code and a code cannot
be checked without the key.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from econtract.errors import EContractError

__all__ = [
    "Challenge",
    "CodePolicy",
    "IdentityError",
    "LockedOut",
    "Outcome",
    "ResendTooSoon",
    "issue",
    "verify",
]


class IdentityError(EContractError):
    """An identity check cannot go ahead as asked."""


class LockedOut(IdentityError):
    """Too many wrong codes: no new code and no attempt until ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"too many wrong codes; try again after {until.isoformat()}")
        self.until = until


class ResendTooSoon(IdentityError):
    """A new code was asked for before the resend interval passed."""

    def __init__(self, wait: timedelta) -> None:
        super().__init__(f"a new code can be sent in {int(wait.total_seconds()) + 1} s")
        self.wait = wait


@dataclass(frozen=True)
class CodePolicy:
    length: int = 6
    lifetime: timedelta = timedelta(minutes=10)
    max_attempts: int = 5
    """Wrong codes allowed, across re-sent codes, before the lockout."""
    lockout: timedelta = timedelta(minutes=15)
    resend_interval: timedelta = timedelta(seconds=60)

    def __post_init__(self) -> None:
        if not 6 <= self.length <= 10:
            raise IdentityError("one-time codes have 6 to 10 digits")
        if self.max_attempts < 1 or self.lifetime <= timedelta(0):
            raise IdentityError("a code needs a lifetime and at least one attempt")


@dataclass(frozen=True)
class Challenge:
    salt: bytes
    digest: bytes
    issued_at: datetime
    expires_at: datetime
    attempts: int = 0
    used_at: datetime | None = None
    locked_until: datetime | None = None


class Outcome(StrEnum):
    VERIFIED = "verified"
    WRONG = "wrong"
    EXPIRED = "expired"
    USED = "used"
    LOCKED = "locked"


def _digest(key: bytes, salt: bytes, code: str) -> bytes:
    return hmac.new(key, salt + code.encode("ascii"), "sha256").digest()


def issue(
    policy: CodePolicy, key: bytes, now: datetime, previous: Challenge | None = None
) -> tuple[str, Challenge]:
    """A new code and its challenge. The code goes to the signer; only the challenge is kept.

    Wrong attempts carry over from an unused previous code, so asking for new codes does not
    reset the count; a lockout in force refuses a new code, as does asking again before the
    resend interval.
    """
    if len(key) < 32:
        raise IdentityError("the code key must have at least 32 bytes")
    attempts = 0
    if previous is not None:
        if previous.locked_until is not None and now < previous.locked_until:
            raise LockedOut(previous.locked_until)
        waited = now - previous.issued_at
        if waited < policy.resend_interval:
            raise ResendTooSoon(policy.resend_interval - waited)
        if previous.used_at is None and previous.locked_until is None:
            attempts = previous.attempts
    code = "".join(secrets.choice("0123456789") for _ in range(policy.length))
    salt = secrets.token_bytes(16)
    challenge = Challenge(
        salt=salt,
        digest=_digest(key, salt, code),
        issued_at=now,
        expires_at=now + policy.lifetime,
        attempts=attempts,
    )
    return code, challenge


def verify(
    policy: CodePolicy, key: bytes, challenge: Challenge, code: str, now: datetime
) -> tuple[Outcome, Challenge]:
    """Check ``code``; return the outcome and the state to store (always store it)."""
    if challenge.locked_until is not None and now < challenge.locked_until:
        return Outcome.LOCKED, challenge
    if challenge.used_at is not None:
        return Outcome.USED, challenge
    if now >= challenge.expires_at:
        return Outcome.EXPIRED, challenge
    candidate = "".join(code.split())
    well_formed = len(candidate) == policy.length and candidate.isascii() and candidate.isdigit()
    expected = challenge.digest
    actual = _digest(key, challenge.salt, candidate if well_formed else "")
    if well_formed and hmac.compare_digest(actual, expected):
        return Outcome.VERIFIED, replace(challenge, used_at=now)
    attempts = challenge.attempts + 1
    if attempts >= policy.max_attempts:
        return Outcome.LOCKED, replace(
            challenge, attempts=attempts, locked_until=now + policy.lockout
        )
    return Outcome.WRONG, replace(challenge, attempts=attempts)
