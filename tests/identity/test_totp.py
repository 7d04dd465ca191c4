"""Authenticator codes: the RFC 6238 vectors, replays, the window, the lockout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from econtract.identity.codes import CodePolicy, Outcome
from econtract.identity.totp import TotpState, totp, verify_totp

SECRET = b"12345678901234567890"  # RFC 6238 appendix B, SHA-1
POLICY = CodePolicy()


@pytest.mark.parametrize(
    ("seconds", "code"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1234567890, "89005924"),
        (20000000000, "65353130"),
    ],
)
def test_rfc_6238_vectors(seconds: int, code: str) -> None:
    assert totp(SECRET, seconds // 30, digits=8) == code


def test_a_step_is_accepted_once_and_its_neighbours_too() -> None:
    now = datetime(2026, 12, 1, 10, 0, 10, tzinfo=UTC)
    step = int(now.timestamp()) // 30
    outcome, state = verify_totp(POLICY, SECRET, totp(SECRET, step - 1), now, TotpState())
    assert (outcome, state.last_counter) == (Outcome.VERIFIED, step - 1)
    outcome, state = verify_totp(POLICY, SECRET, totp(SECRET, step - 1), now, state)
    assert (outcome, state.attempts) == (Outcome.USED, 1), "a replay counts as an attempt"
    outcome, state = verify_totp(POLICY, SECRET, f" {totp(SECRET, step)} ", now, state)
    assert outcome is Outcome.VERIFIED and state.attempts == 0
    far = totp(SECRET, step + 2)
    assert verify_totp(POLICY, SECRET, far, now, state)[0] is Outcome.WRONG


def test_lockout() -> None:
    now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    state = TotpState()
    for _attempt in range(5):
        outcome, state = verify_totp(POLICY, SECRET, "abc", now, state)
    assert outcome is Outcome.LOCKED and state.locked_until == now + timedelta(minutes=15)
    right = totp(SECRET, int(now.timestamp()) // 30)
    assert verify_totp(POLICY, SECRET, right, now, state)[0] is Outcome.LOCKED
    later = now + timedelta(minutes=15)
    outcome, served = verify_totp(POLICY, SECRET, "abc", later, state)
    assert (outcome, served.attempts) == (Outcome.WRONG, 1), "a served lockout starts afresh"
    assert (
        verify_totp(POLICY, SECRET, totp(SECRET, int(later.timestamp()) // 30), later, state)[0]
        is Outcome.VERIFIED
    )
