"""Events hash the same for every reader; malformed ones are refused before they are logged."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from econtract.ledger.events import DocumentDigest, Event, EventError

WHEN = datetime(2026, 11, 30, 9, 30, 15, 123456, tzinfo=UTC)


def _event(**changes: object) -> Event:
    values: dict[str, object] = {
        "type": "contract.signed",
        "time": WHEN,
        "actor": {"id": 7, "name": "张伟"},
        "subject": {"model": "econtract.contract", "id": 12, "reference": "HT-2026-0001"},
        "payload": {"amount": "1000000.00", "currency": "CNY"},
        "documents": (DocumentDigest("HT-2026-0001-v1.pdf", "ab" * 32),),
        "salt": "00112233445566778899aabbccddeeff",
    }
    values.update(changes)
    return Event(**values)  # type: ignore[arg-type]


def test_encoding_is_fixed() -> None:
    event = _event()
    assert event.canonical_text() == (
        '{"actor":{"id":7,"name":"张伟"},"documents":[{"name":"HT-2026-0001-v1.pdf",'
        '"sha256":"' + "ab" * 32 + '"}],"payload":{"amount":"1000000.00","currency":"CNY"},'
        '"salt":"00112233445566778899aabbccddeeff","subject":{"id":12,"model":'
        '"econtract.contract","reference":"HT-2026-0001"},"time":"2026-11-30T09:30:15.123456Z",'
        '"type":"contract.signed","v":1}'
    )
    assert event.leaf_hash().hex() == (
        __import__("hashlib").sha256(b"\x00" + event.canonical()).hexdigest()
    )


def test_times_in_other_zones_are_written_in_utc() -> None:
    beijing = timezone(timedelta(hours=8))
    assert _event(time=WHEN.astimezone(beijing)).canonical() == _event().canonical()


def test_round_trip_through_json() -> None:
    event = _event()
    assert Event.from_json(json.loads(event.canonical())) == event


def test_salts_differ_by_default() -> None:
    first = Event("contract.viewed", WHEN, {}, {"id": 1})
    second = Event("contract.viewed", WHEN, {}, {"id": 1})
    assert first.salt != second.salt
    assert first.leaf_hash() != second.leaf_hash()


@pytest.mark.parametrize(
    "changes",
    [
        {"type": "Signed"},
        {"type": "contract"},
        {"time": datetime(2026, 1, 1)},  # naive: refused
        {"salt": "short"},
        {"payload": {"n": float("nan")}},
        {"payload": {"n": 2**60}},
    ],
    ids=["type-case", "type-undotted", "naive-time", "salt", "nan", "big-int"],
)
def test_malformed_events_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(EventError if "payload" not in changes else Exception):
        _event(**changes)


def test_bad_digest_is_refused() -> None:
    with pytest.raises(EventError, match="SHA-256"):
        DocumentDigest("a.pdf", "AB" * 32)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(extra=1),
        lambda d: d.update(v=2),
        lambda d: d.update(time="2026-11-30 09:30:15"),
        lambda d: d.update(documents=[{"name": "x"}]),
        lambda d: d.update(actor="someone"),
    ],
    ids=["extra-member", "version", "time-format", "document", "actor"],
)
def test_from_json_refuses_what_as_json_never_writes(mutate) -> None:  # type: ignore[no-untyped-def]
    data = _event().as_json()
    mutate(data)
    with pytest.raises(EventError):
        Event.from_json(data)


def test_from_canonical_accepts_only_the_canonical_bytes() -> None:
    event = _event()
    assert Event.from_canonical(event.canonical_text()) == event
    with pytest.raises(EventError, match="canonical"):
        Event.from_canonical(json.dumps(event.as_json(), ensure_ascii=False))
    with pytest.raises(EventError, match="not JSON"):
        Event.from_canonical("{")
