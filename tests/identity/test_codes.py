"""One-time codes: right, wrong, expired, replayed, re-sent, brute-forced."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from econtract.identity.codes import (
    CodePolicy,
    IdentityError,
    LockedOut,
    Outcome,
    ResendTooSoon,
    issue,
    verify,
)

KEY = bytes(range(32))
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
POLICY = CodePolicy()


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


def test_the_right_code_verifies_once() -> None:
    code, challenge = issue(POLICY, KEY, NOW)
    assert len(code) == 6 and code.isdigit()
    assert code.encode() not in challenge.digest and code.encode() not in challenge.salt
    outcome, used = verify(POLICY, KEY, challenge, f" {code[:3]} {code[3:]} ", NOW)
    assert outcome is Outcome.VERIFIED and used.used_at == NOW
    assert verify(POLICY, KEY, used, code, NOW)[0] is Outcome.USED, "a replayed code fails"


def test_codes_expire() -> None:
    code, challenge = issue(POLICY, KEY, NOW)
    assert verify(POLICY, KEY, challenge, code, NOW + timedelta(minutes=9, seconds=59))[0] is (
        Outcome.VERIFIED
    )
    assert verify(POLICY, KEY, challenge, code, NOW + timedelta(minutes=10))[0] is Outcome.EXPIRED


def test_another_key_does_not_verify() -> None:
    code, challenge = issue(POLICY, KEY, NOW)
    assert verify(POLICY, bytes(32), challenge, code, NOW)[0] is Outcome.WRONG


def test_brute_force_locks_out_across_resent_codes() -> None:
    code, challenge = issue(POLICY, KEY, NOW)
    for attempt in range(1, 3):
        outcome, challenge = verify(POLICY, KEY, challenge, _wrong(code), NOW)
        assert (outcome, challenge.attempts) == (Outcome.WRONG, attempt)
    # A new code does not reset the count.
    later = NOW + timedelta(minutes=2)
    code, challenge = issue(POLICY, KEY, later, challenge)
    assert challenge.attempts == 2
    for malformed in ("12345", "abcdef"):  # malformed input counts as an attempt too
        outcome, challenge = verify(POLICY, KEY, challenge, malformed, later)
        assert outcome is Outcome.WRONG
    assert challenge.attempts == 4
    outcome, challenge = verify(POLICY, KEY, challenge, _wrong(code), later)
    assert outcome is Outcome.LOCKED and challenge.attempts == 5
    # Locked: even the right code fails, and no new code is issued, until the lockout ends.
    assert verify(POLICY, KEY, challenge, code, later)[0] is Outcome.LOCKED
    with pytest.raises(LockedOut) as locked:
        issue(POLICY, KEY, later + timedelta(minutes=14), challenge)
    assert locked.value.until == later + timedelta(minutes=15)
    code, fresh = issue(POLICY, KEY, later + timedelta(minutes=15), challenge)
    assert fresh.attempts == 0
    assert verify(POLICY, KEY, fresh, code, later + timedelta(minutes=16))[0] is Outcome.VERIFIED


def test_resending_is_throttled() -> None:
    _code, challenge = issue(POLICY, KEY, NOW)
    with pytest.raises(ResendTooSoon) as early:
        issue(POLICY, KEY, NOW + timedelta(seconds=30), challenge)
    assert early.value.wait == timedelta(seconds=30)
    issue(POLICY, KEY, NOW + timedelta(seconds=60), challenge)


def test_policy_and_key_are_checked() -> None:
    with pytest.raises(IdentityError):
        CodePolicy(length=4)
    with pytest.raises(IdentityError):
        issue(POLICY, b"short", NOW)


@given(st.text(max_size=12))
def test_no_other_input_verifies(guess: str) -> None:
    code, challenge = issue(POLICY, KEY, NOW)
    outcome, after = verify(POLICY, KEY, challenge, guess, NOW)
    if "".join(guess.split()) == code:
        assert outcome is Outcome.VERIFIED
    else:
        assert outcome is Outcome.WRONG and after == replace(challenge, attempts=1)
