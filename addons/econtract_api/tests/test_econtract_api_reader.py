"""The read service (``econtract reader``) against Odoo: same answers, same refusals.

The service runs in this process, on an event loop of the test, and reads through the
test's cursor, where Odoo's test server reads and writes too: what Odoo's status route
compiles (the user's scope) the service sees, and everything the service cannot answer
goes, over HTTP, to Odoo's test server. The rate leases use a connection of their own,
committed at once, as Odoo's gate does.
"""

import asyncio
import datetime as dt
from unittest.mock import patch

import httpx2

from odoo import Command, sql_db
from odoo.modules.registry import Registry
from odoo.tests import tagged
from odoo.tools import config, mute_logger

from econtract.reader import ReadService
from econtract.reader.calls import Call

from .common import API, ApiCommon


class CursorDatabase:
    """The service's statements on a cursor (the test's)."""

    def __init__(self, cr):
        self.cr = cr

    async def fetchone(self, sql, params):
        self.cr.execute(sql, params)
        return self.cr.fetchone() if self.cr.description else None

    async def fetchall(self, sql, params):
        self.cr.execute(sql, params)
        return self.cr.fetchall() if self.cr.description else []

    async def close(self):
        pass


class CommittedDatabase(CursorDatabase):
    """Each statement on a connection of its own, committed at once."""

    def __init__(self, dbname):
        self.dbname = dbname

    async def fetchone(self, sql, params):
        with sql_db.db_connect(self.dbname).cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchone() if cr.description else None

    async def fetchall(self, sql, params):
        with sql_db.db_connect(self.dbname).cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall() if cr.description else []


@tagged("post_install", "-at_install")
class TestReadService(ApiCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.draft = cls._new_contract(
            cls.user, title="状态草稿", partner_ids=[(6, 0, cls.alice.ids)]
        )
        cls.signed = cls._signed(title="已签署的租赁合同")

    def setUp(self):
        super().setUp()
        self.forget_rates()
        self.addCleanup(self.forget_rates)
        self.loop = asyncio.new_event_loop()
        self.addCleanup(self.loop.close)
        self.service = ReadService(
            CursorDatabase(self.env.cr),
            self.base_url(),
            rates_db=CommittedDatabase(self.env.cr.dbname),
            log_task=False,
        )
        self.addCleanup(self.loop.run_until_complete, self.service.odoo.aclose())
        self.client = httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=self.service, client=("198.51.100.9", 40000)),
            base_url="http://reader.test",
        )
        self.addCleanup(self.loop.run_until_complete, self.client.aclose())

    def via_service(self, path, key=None, method="GET", **kwargs):
        """The service's answer, and whether the service gave it itself."""
        headers = {"Accept-Language": "en-US", **kwargs.pop("headers", {})}
        if key is not False:
            headers["Authorization"] = f"Bearer {key or self.key}"
        answered = self.service.answered
        with mute_logger("odoo.addons.econtract_api.gate"):
            response = self.loop.run_until_complete(
                self.client.request(method, API + path, headers=headers, timeout=60, **kwargs)
            )
        return response, self.service.answered > answered

    def status(self, contract, key=None):
        return self.via_service(f"/contracts/{contract.id}/status", key)

    # ---------------------------------------------------------------- answers

    def test_same_document_as_odoo(self):
        """Draft, in signing and signed: the service's document is Odoo's, to the byte's
        meaning, and Odoo's first answer is what teaches the service the user's scope."""
        in_signing = self._approved()
        request = self._request(in_signing, (self.alice, 1, {}), (self.bob, 2, {}))
        request.action_send()
        for contract in (self.draft, in_signing, self.signed):
            odoo_status, _headers, odoo_document = self.api(
                "GET", f"/contracts/{contract.id}/status"
            )
            self.assertEqual(odoo_status, 200)
            response, answered = self.status(contract)
            self.assertTrue(answered, "the scope Odoo wrote lets the service answer")
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.headers["content-type"], "application/json")
            self.assertEqual(response.headers["x-content-type-options"], "nosniff")
            self.assertEqual(response.json(), odoo_document)
        document = self.status(in_signing)[0].json()
        self.assertEqual(document["state"], "approved")
        self.assertEqual([s["order"] for s in document["sign_requests"][0]["signers"]], [1, 2])
        self.assertEqual(
            self.status(self.signed)[0].json()["sha256"],
            self.signed.document_ids.sorted("version")[-1].sha256,
        )

    def test_first_read_goes_to_odoo(self):
        """A user the service has no scope for yet: Odoo answers (through the service),
        and writes the scope; the next read is the service's own."""
        self.env["econtract.api.scope"].search([]).unlink()
        response, answered = self.status(self.draft)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(answered)
        self.assertEqual(self.service.forwarded, 1)
        self.assertTrue(self.env["econtract.api.scope"].search([("user_id", "=", self.user.id)]))
        response, answered = self.status(self.draft)
        self.assertTrue(answered)
        self.assertEqual(response.json()["reference"], self.draft.name)

    def test_every_answer_is_logged(self):
        self.status(self.draft)  # Odoo's: logged by its gate
        self.status(self.draft)  # the service's: queued
        Call = self.env["econtract.api.call"]
        before = Call.search_count([("path", "=", f"/contracts/{self.draft.id}/status")])
        self.assertEqual(self.loop.run_until_complete(self.service.calls.flush()), 1)
        calls = Call.search(
            [("path", "=", f"/contracts/{self.draft.id}/status")], order="id desc", limit=1
        )
        self.assertEqual(Call.search_count([("path", "=", calls.path)]), before + 1)
        self.assertRecordValues(
            calls,
            [
                {
                    "user_id": self.user.id,
                    "company_id": self.user.company_id.id,
                    "key_index": self.key[:8],
                    "method": "GET",
                    "status": 200,
                    "remote_addr": "198.51.100.9",
                }
            ],
        )

    def test_a_vanished_user_does_not_block_the_log(self):
        self.status(self.draft)
        self.status(self.draft)
        calls = self.service.calls
        gone = Call(dt.datetime(2026, 12, 1), 2**31 - 1, 2**31 - 1, "gone0000", "GET", "/x", 200,
                    1.0, "198.51.100.9")  # fmt: skip
        calls.add(gone)
        self.assertEqual(self.loop.run_until_complete(calls.flush()), 2)
        logged = self.env["econtract.api.call"].search([("key_index", "=", "gone0000")])
        self.assertRecordValues(logged, [{"user_id": False, "company_id": False}])

    def test_log_survives_a_failed_write(self):
        """A flush that fails keeps its rows for the next one."""
        self.status(self.draft)
        self.status(self.draft)
        calls = self.service.calls
        real = calls.db

        class Down:
            async def fetchone(self, sql, params):
                raise OSError("database restarting")

        calls.db = Down()
        with mute_logger("econtract.reader.calls"):
            self.assertEqual(self.loop.run_until_complete(calls.flush()), 0)
            self.assertFalse(calls.full, "one failed write does not stop the service")
            with patch("econtract.reader.calls.time.monotonic", return_value=10**9):
                self.assertTrue(calls.full, "writes failing for seconds: Odoo answers")
        calls.db = real
        self.assertEqual(self.loop.run_until_complete(calls.flush()), 1)
        self.assertFalse(calls.full)

    # --------------------------------------------------------------- refusals

    def test_another_company_is_odoos_404(self):
        """Company B's user asks for company A's contract: the service finds nothing in
        their scope and hands the request to Odoo, which answers its 404."""
        theirs = self._new_contract(self.user_b, title="乙公司的合同")
        self.status(theirs, key=self.key_b)  # teaches the service B's scope
        self.assertTrue(self.status(theirs, key=self.key_b)[1])
        response, answered = self.status(self.draft, key=self.key_b)
        self.assertFalse(answered)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json()["code"], "not_found")
        # and A's user does not see B's
        self.status(self.draft)
        response, answered = self.status(theirs)
        self.assertFalse(answered)
        self.assertEqual(response.status_code, 404)

    def test_someone_elses_contract_is_odoos_404(self):
        """The scope is the rule's query, evaluated at each read: a contract moved to
        another owner leaves the user's sight at once."""
        other = self._new_user("ec_status_other", "econtract_base.group_econtract_user")
        self.status(self.draft)
        self.assertTrue(self.status(self.draft)[1])
        self.draft.sudo().user_id = other
        self.env.flush_all()  # what the service reads is what Odoo committed
        response, answered = self.status(self.draft)
        self.assertFalse(answered)
        self.assertEqual(response.status_code, 404)

    def test_revoked_key_stops_at_once(self):
        self.status(self.draft)
        self.assertTrue(self.status(self.draft)[1])
        # sudo: revoking the key, as its user or an administrator does.
        self.env["res.users.apikeys"].sudo().search([("user_id", "=", self.user.id)]).unlink()
        response, answered = self.status(self.draft)
        self.assertFalse(answered)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["code"], "unauthenticated")

    def test_deactivated_user_stops_at_once(self):
        self.status(self.draft)
        self.assertTrue(self.status(self.draft)[1])
        self.user.sudo().active = False
        self.env.flush_all()
        response, answered = self.status(self.draft)
        self.assertFalse(answered)
        self.assertEqual(response.status_code, 401)

    def test_expired_key_and_other_scopes_are_odoos(self):
        self.status(self.draft)
        self.assertTrue(self.status(self.draft)[1])
        keys = self.env["res.users.apikeys"].sudo().search([("user_id", "=", self.user.id)])
        keys.expiration_date = dt.datetime(2020, 1, 1)
        self.env.flush_all()
        response, answered = self.status(self.draft)
        self.assertFalse(answered)
        self.assertEqual(response.status_code, 401)
        keys.write({"expiration_date": False, "scope": "odoo.plugin.outlook"})
        self.env.flush_all()
        response, answered = self.status(self.draft)
        self.assertFalse(answered)
        self.assertEqual(response.status_code, 401)

    def test_archived_contract_is_odoos_404(self):
        self.status(self.draft)
        self.draft.sudo().active = False
        self.env.flush_all()
        response, answered = self.status(self.draft)
        self.assertFalse(answered)
        self.assertEqual(response.status_code, 404)

    def test_what_odoo_would_refuse_is_odoos(self):
        """Two keys, a body on a GET: Odoo's gate sees these otherwise; Odoo decides."""
        self.status(self.draft)
        path = f"{API}/contracts/{self.draft.id}/status"
        twice = [("authorization", f"Bearer {self.key}"), ("authorization", f"Bearer {self.key}")]
        response = self.loop.run_until_complete(self.client.get(path, headers=twice))
        self.assertEqual(response.status_code, 401)
        answered = self.service.answered
        response = self.loop.run_until_complete(
            self.client.request(
                "GET",
                path,
                content=b"<x/>",
                headers={"Authorization": f"Bearer {self.key}", "Content-Type": "text/xml"},
            )
        )
        self.assertEqual(self.service.answered, answered)
        self.assertEqual(response.status_code, 415)

    def raw_get(self, raw_path):
        """The service's status for a GET of ``raw_path`` exactly as sent (httpx2 would
        resolve dot segments on this side)."""
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        path = raw_path.split(b"?")[0].decode()
        scope = {"type": "http", "method": "GET", "path": path, "raw_path": raw_path,
                 "query_string": b"", "headers": [(b"host", b"reader.test")],
                 "client": ("198.51.100.9", 40000), "scheme": "http"}  # fmt: skip
        self.loop.run_until_complete(self.service(scope, receive, send))
        return sent[0]["status"]

    def test_only_the_apis_are_forwarded(self):
        for raw_path, expected in (
            (b"/web/database/manager", 404),
            (b"/xmlrpc/2/common", 404),
            (b"/api/v1/../../web/database/manager", 400),
            (b"/api/v1/%2e%2E/web/login", 400),
            (b"/api/v1/./me", 400),
            (b"/api/v1//me", 400),
        ):
            self.assertEqual(self.raw_get(raw_path), expected, raw_path)
        self.assertEqual(self.raw_get(b"/web/health"), 200)

    def test_signals_are_pinned_in_prefork_only(self):
        """A threaded server's shared figures may run ahead of a request's snapshot."""
        Scope = self.env["econtract.api.scope"]
        with patch.object(Registry, "in_test_mode", return_value=False):
            with patch.dict(config.options, {"workers": 0}):
                self.assertIsNone(Scope._signals())
                Scope.search([]).unlink()
                Scope._keep(self.env(user=self.user))
                self.assertFalse(Scope.search([]))
            with patch.dict(config.options, {"workers": 2}):
                registry = self.env.registry
                with (
                    patch.object(registry, "registry_sequence", 7),
                    patch.object(
                        registry,
                        "cache_sequences",
                        {"default": 3, "groups": 2, "routing": 5, "assets": 1},
                    ),
                ):
                    self.assertEqual(Scope._signals(), "7:3:2:5")

    def test_wrong_keys_are_odoos(self):
        for key in ("0" * 40, self.key[:8] + "x" * 32, "k" * 200):
            response, answered = self.status(self.draft, key=key)
            self.assertFalse(answered)
            self.assertEqual(response.status_code, 401, key)
        response, answered = self.status(self.draft, key=False)
        self.assertFalse(answered)
        self.assertEqual(response.status_code, 401)

    def test_portal_user_is_refused(self):
        key = self._key(self.portal)
        response, answered = self.status(self.draft, key=key)
        self.assertFalse(answered)
        self.assertEqual(response.status_code, 403)

    def test_rule_change_moves_the_scope(self):
        """A user made manager sees every contract of the company once Odoo has signalled
        the change (as it does when the request that made it ends)."""
        theirs = self._new_contract(
            self._new_user("ec_status_owner", "econtract_base.group_econtract_user"),
            title="别人的合同",
            partner_ids=[(6, 0, self.alice.ids)],
        )
        self.status(self.draft)
        self.assertEqual(self.status(theirs)[0].status_code, 404)
        self.user.sudo().groups_id = [
            Command.link(self.ref("econtract_base.group_econtract_manager"))
        ]
        self.env.cr.execute("SELECT nextval('base_cache_signaling_default')")
        response, answered = self.status(theirs)
        self.assertFalse(answered, "the old scope is stale: Odoo answers and recompiles")
        self.assertEqual(response.status_code, 200)
        response, answered = self.status(theirs)
        self.assertTrue(answered)
        self.assertEqual(response.json()["id"], theirs.id)

    def test_rate_limit_is_odoos(self):
        """The service leases from the key's rate row; spent, Odoo says 429."""
        self.env["ir.config_parameter"].sudo().set_param("econtract_api.rate_per_minute", "60")
        self.env["ir.config_parameter"].sudo().set_param("econtract_api.rate_burst", "3")
        statuses = [self.status(self.draft)[0] for _n in range(5)]
        self.assertEqual([r.status_code for r in statuses[:3]], [200, 200, 200])
        self.assertEqual(statuses[-1].status_code, 429)
        self.assertEqual(statuses[-1].json()["code"], "rate_limited")
        self.assertTrue(int(statuses[-1].headers["Retry-After"]) >= 1)

    def test_bad_paths_are_odoos(self):
        for path, expected in (
            ("/contracts/0/status", 404),
            ("/contracts/99999999999/status", 404),
            ("/contracts/abc/status", 404),
            (f"/contracts/{self.draft.id}/status?x=1", 200),
            ("/contracts/999999/status", 404),
        ):
            response, answered = self.via_service(path)
            self.assertFalse(answered, path)
            self.assertIn(response.status_code, (expected, 422), path)

    # ------------------------------------------------------------- forwarding

    def test_everything_else_goes_to_odoo(self):
        """Writes included: the body, the idempotency key and the answer pass unchanged."""
        body = self.create_body(title="经读服务起草")
        response, answered = self.via_service(
            "/contracts",
            method="POST",
            json=body,
            headers={"Idempotency-Key": "reader-create-1"},
        )
        self.assertFalse(answered)
        self.assertEqual(response.status_code, 201, response.text)
        created = response.json()
        self.assertEqual(created["title"], "经读服务起草")
        again, _answered = self.via_service(
            "/contracts", method="POST", json=body, headers={"Idempotency-Key": "reader-create-1"}
        )
        self.assertEqual(again.json()["id"], created["id"])
        self.assertEqual(again.headers["idempotent-replayed"], "true")
        me, _answered = self.via_service("/me")
        self.assertEqual(me.json()["login"], self.user.login)

    def test_odoo_unreachable_is_502(self):
        service = ReadService(CursorDatabase(self.env.cr), "http://127.0.0.1:9", log_task=False)
        client = httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=service), base_url="http://reader.test"
        )
        with mute_logger("econtract.reader.app"):
            response = self.loop.run_until_complete(client.get(API + "/me"))
        self.loop.run_until_complete(client.aclose())
        self.loop.run_until_complete(service.odoo.aclose())
        self.assertEqual(response.status_code, 502)
        self.assertEqual(response.json()["code"], "upstream_unavailable")
