"""Authenticator-app codes (RFC 6238 TOTP) as an identity check, under the same limits as
sent codes: each time step accepted once, wrong attempts counted, a lockout after too many.

The secret is the one the user enrolled in their authenticator (Odoo's ``auth_totp`` keeps
it: HMAC-SHA1, six digits, 30-second steps, which is what every authenticator app speaks).
Like `econtract.identity.codes.verify`, `verify_totp` returns the state to store even when
the code is wrong.
"""

from __future__ import annotations

import hmac
import struct
from dataclasses import dataclass, replace
from datetime import datetime

from .codes import CodePolicy, Outcome

__all__ = ["TotpState", "totp", "verify_totp"]

STEP = 30
DIGITS = 6


def totp(secret: bytes, counter: int, digits: int = DIGITS) -> str:
    """The code of time step ``counter`` (RFC 4226 dynamic truncation)."""
    mac = hmac.new(secret, struct.pack(">Q", counter), "sha1").digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack_from(">I", mac, offset)[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


@dataclass(frozen=True)
class TotpState:
    last_counter: int = 0
    """The last time step accepted: a code of it or an earlier one is a replay."""
    attempts: int = 0
    locked_until: datetime | None = None


def verify_totp(
    policy: CodePolicy, secret: bytes, code: str, now: datetime, state: TotpState
) -> tuple[Outcome, TotpState]:
    """Check ``code`` against the steps around ``now`` (one step either way, for clocks and
    slow fingers); return the outcome and the state to store."""
    if state.locked_until is not None:
        if now < state.locked_until:
            return Outcome.LOCKED, state
        state = TotpState(last_counter=state.last_counter)  # the lockout is served
    candidate = "".join(code.split())
    current = int(now.timestamp()) // STEP
    counter = None
    if len(candidate) == DIGITS and candidate.isascii() and candidate.isdigit():
        counter = next(
            (
                step
                for step in (current - 1, current, current + 1)
                if hmac.compare_digest(totp(secret, step), candidate)
            ),
            None,
        )
    if counter is not None and counter > state.last_counter:
        return Outcome.VERIFIED, TotpState(last_counter=counter)
    attempts = state.attempts + 1
    if attempts >= policy.max_attempts:
        return Outcome.LOCKED, replace(state, attempts=attempts, locked_until=now + policy.lockout)
    outcome = Outcome.USED if counter is not None else Outcome.WRONG
    return outcome, replace(state, attempts=attempts)
