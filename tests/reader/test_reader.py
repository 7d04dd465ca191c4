"""The read service's own logic: Odoo's key hashes, the statement, the caches, the leases.

Its statements against Odoo's tables, and its answers beside Odoo's, are tested in
``econtract_api`` (test_econtract_api_reader.py), on a real Odoo database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, ClassVar

import pytest
from passlib.context import CryptContext

from econtract.reader import app, rates
from econtract.reader.keys import KeyCache, verify_pbkdf2_sha512
from econtract.reader.status import ScopeError, statement

# Odoo's KEY_CRYPT_CONTEXT (odoo/addons/base/models/res_users.py).
ODOO_KEYS = CryptContext(["pbkdf2_sha512"], pbkdf2_sha512__rounds=6000)
KEY = "0123456789abcdef0123456789abcdef01234567"


class Recorder:
    """A database that answers from a script and records what it was asked."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, Mapping[str, Any]]] = []

    async def fetchone(self, sql: str, params: Mapping[str, Any]) -> Any:
        self.asked.append((sql, params))
        return self.answers.pop(0)

    async def fetchall(self, sql: str, params: Mapping[str, Any]) -> Any:
        return await self.fetchone(sql, params)

    async def close(self) -> None:
        pass


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


class TestOdooKeyHashes:
    def test_a_key_odoo_hashed_verifies(self) -> None:
        hashed = ODOO_KEYS.hash(KEY)
        assert verify_pbkdf2_sha512(KEY, hashed)
        assert ODOO_KEYS.verify(KEY, hashed)

    def test_a_truncated_checksum_does_not(self) -> None:
        hashed = ODOO_KEYS.hash(KEY)
        assert not verify_pbkdf2_sha512(KEY, hashed[:-20])

    def test_another_key_does_not(self) -> None:
        hashed = ODOO_KEYS.hash(KEY)
        assert not verify_pbkdf2_sha512(KEY[:-1] + "8", hashed)
        assert not verify_pbkdf2_sha512("", hashed)

    @pytest.mark.parametrize(
        "hashed",
        [
            "",
            "$pbkdf2-sha256$6000$c2FsdA$Y2hlY2s",  # another scheme
            "$pbkdf2-sha512$0$c2FsdA$Y2hlY2s",  # no rounds
            "$pbkdf2-sha512$99999999$c2FsdA$Y2hlY2s",  # rounds no Odoo key has
            "$pbkdf2-sha512$6000$c2F*dA$Y2hlY2s",  # not base64
            "$pbkdf2-sha512$6000$c2FsdA$",  # no checksum
            "pbkdf2-sha512$6000$c2FsdA$Y2hlY2s$",
            "$pbkdf2-sha512$-1$c2FsdA$Y2hlY2s",
            "$pbkdf2-sha512$06000$c2FsdA$Y2hlY2s",  # a leading zero
            "$pbkdf2-sha512$\u0666000$c2FsdA$Y2hlY2s",  # an Arabic-Indic digit
        ],
    )
    def test_a_hash_of_another_form_matches_nothing(self, hashed: str) -> None:
        assert not verify_pbkdf2_sha512(KEY, hashed)


class TestKeyCache:
    def test_a_key_is_checked_once(self) -> None:
        db = Recorder([(7, 5, 1, ODOO_KEYS.hash(KEY))])
        keys = KeyCache(db)
        first = run(keys.grant(KEY))
        assert first is not None and (first.key_id, first.user_id, first.bucket) == (
            7,
            5,
            "5:01234567",
        )
        assert run(keys.grant(KEY)) == first
        assert len(db.asked) == 1
        assert db.asked[0][1] == {"index": "01234567"}

    def test_a_refused_key_is_remembered_and_forgotten(self) -> None:
        db = Recorder([], [(7, 5, 1, ODOO_KEYS.hash(KEY))])
        keys = KeyCache(db)
        assert run(keys.grant(KEY)) is None
        assert run(keys.grant(KEY)) is None
        assert len(db.asked) == 1
        keys.forget(KEY)
        assert run(keys.grant(KEY)) is not None

    def test_tokens_that_are_no_keys_cost_nothing(self) -> None:
        db = Recorder()
        keys = KeyCache(db)
        assert run(keys.grant("")) is None
        assert run(keys.grant("k" * 129)) is None
        assert db.asked == []

    def test_new_tokens_checked_per_address_are_limited(self) -> None:
        db = Recorder(*([[]] * 40))
        keys = KeyCache(db)
        for n in range(30):
            run(keys.grant(f"{n:040d}", "203.0.113.5"))
        assert len(db.asked) == 20  # the burst; the rest go to Odoo unchecked
        run(keys.grant("x" * 40, "203.0.113.6"))
        assert len(db.asked) == 21  # another address has its own share

    def test_the_cache_is_bounded(self) -> None:
        db = Recorder(*([[]] * 5))
        keys = KeyCache(db, size=2)
        for n in range(5):
            run(keys.grant(f"{n:040d}"))
        assert len(keys._refused) == 2


class TestStatement:
    SCOPES: ClassVar[dict[str, str]] = {
        "contract": "(SELECT c.id FROM econtract_contract c WHERE c.name LIKE 'HT-50%')",
        "document": "(SELECT 1 WHERE FALSE)",
        "sign_request": "(SELECT id FROM econtract_sign_request)",
        "signer": "(SELECT id FROM econtract_signer)",
    }

    def test_scopes_are_bound_in_and_percent_signs_are_not_parameters(self) -> None:
        sql = statement(self.SCOPES)
        assert "LIKE 'HT-50%%')" in sql
        assert sql.count("%(contract_id)s") == 1
        assert "c.id IN (SELECT c.id FROM econtract_contract c" in sql

    def test_a_scope_without_a_model_is_refused(self) -> None:
        with pytest.raises(ScopeError, match="signer"):
            statement({k: v for k, v in self.SCOPES.items() if k != "signer"})
        with pytest.raises(ScopeError, match="document"):
            statement({**self.SCOPES, "document": None})  # type: ignore[dict-item]


class TestLeases:
    def test_tokens_are_leased_in_batches(self) -> None:
        db = Recorder([], (1.0,))
        leases = rates.RateLeases(db, lease=4)
        assert all(run(_take(leases, 4)))
        assert len(db.asked) == 2  # the parameters, one lease
        assert db.asked[1][1]["n"] == 4

    def test_the_last_token_and_then_none(self) -> None:
        db = Recorder([("econtract_api.rate_burst", "3")], None, (1.0,), None, None)
        leases = rates.RateLeases(db, lease=16)
        assert run(leases.take("5:key"))  # 3 refused, 1 granted
        assert [params["n"] for _sql, params in db.asked[1:]] == [3, 1]
        assert not run(leases.take("5:key"))

    def test_odoos_parameters_are_taken_and_bad_ones_ignored(self) -> None:
        db = Recorder(
            [("econtract_api.rate_per_minute", "120"), ("econtract_api.rate_burst", "many")]
        )
        assert run(rates.RateLeases(db).limits()) == (120, rates.DEFAULT_BURST)


async def _take(leases: rates.RateLeases, n: int) -> list[bool]:
    return [await leases.take("5:key") for _n in range(n)]


class TestRequests:
    @pytest.mark.parametrize(
        ("headers", "token"),
        [
            ([(b"authorization", b"Bearer abc")], "abc"),
            ([(b"Authorization", b"bearer  abc ")], "abc"),
            ([(b"authorization", b"Basic abc")], None),
            ([(b"authorization", b"Bearer ")], None),
            ([(b"authorization", b"Bearer a"), (b"authorization", b"Bearer b")], None),
            ([], None),
        ],
    )
    def test_bearer(self, headers: list[tuple[bytes, bytes]], token: str | None) -> None:
        assert app._bearer({"headers": headers}) == token

    @pytest.mark.parametrize(
        ("path", "served"),
        [
            ("/api/v1/contracts/12/status", True),
            ("/api/v1/contracts/012/status", False),
            ("/api/v1/contracts/12/status/", False),
            ("/api/v1/contracts/-1/status", False),
            ("/api/v1/contracts/12", False),
        ],
    )
    def test_status_path(self, path: str, served: bool) -> None:
        assert bool(app.STATUS_PATH.fullmatch(path)) is served

    def test_forwarded_headers_append_the_caller(self) -> None:
        headers = app._forward_headers(
            {
                "client": ("198.51.100.9", 4000),
                "scheme": "https",
                "headers": [
                    (b"host", b"api.example.com"),
                    (b"x-forwarded-for", b"203.0.113.1"),
                    (b"x-forwarded-host", b"evil.example.com"),
                    (b"connection", b"keep-alive"),
                    (b"authorization", b"Bearer abc"),
                ],
            }
        )
        assert dict(headers) == {
            b"x-forwarded-for": b"203.0.113.1, 198.51.100.9",
            b"x-forwarded-proto": b"https",
            b"x-forwarded-host": b"api.example.com",
            b"authorization": b"Bearer abc",
        }
