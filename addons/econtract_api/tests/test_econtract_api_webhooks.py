import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.econtract_base.tests.common import call_kw

from econtract.webhooks import SignatureError, verify

from .common import ApiCommon

SIGNING_EVENTS = ["contract.approved", "contract.sent", "signer.signed", "contract.completed"]


class Receiver:
    """A webhook receiver on loopback: what it was sent, and the answer it gives."""

    def __init__(self):
        self.requests = []
        self.status = 200
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/econtract"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        return Handler

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def documents(self):
        return [json.loads(request["body"]) for request in self.requests]


@tagged("post_install", "-at_install")
class TestWebhooks(ApiCommon):
    """Subscriptions over REST, deliveries after commit, signatures, retries, dead letters."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls._new_user("ec_admin", "econtract_base.group_econtract_admin")
        cls.admin_b = cls._new_user(
            "ec_admin_b", "econtract_base.group_econtract_admin", company=cls.company_b
        )
        cls.admin_key = cls._key(cls.admin)
        cls.admin_b_key = cls._key(cls.admin_b)
        cls.env["ir.config_parameter"].set_param("econtract_api.webhook_allow_private", "1")

    def setUp(self):
        super().setUp()
        self.forget_rates()
        self.receiver = Receiver()
        self.addCleanup(self.receiver.close)
        self.Delivery = self.env["econtract.webhook.delivery"]

    def subscribe(self, events=None, key=None, **extra):
        status, _headers, document = self.api(
            "POST",
            "/webhooks",
            {
                "name": "OA 系统",
                "url": self.receiver.url,
                "events": events or SIGNING_EVENTS,
                **extra,
            },
            key=key or self.admin_key,
        )
        self.assertEqual(status, 201, document)
        return document

    def commit(self):
        """What a commit does before it commits: the deliveries of the events are queued."""
        self.env.cr.flush()

    def deliver(self):
        self.commit()
        with mute_logger("odoo.addons.econtract_api.models.econtract_webhook_delivery"):
            return self.Delivery._deliver_due()

    # ---------------------------------------------------------------- deliveries

    def test_signing_events_reach_the_receiver_signed_after_the_change(self):
        webhook = self.subscribe()
        secret = webhook["secret"]
        self.assertGreaterEqual(len(secret), 24)
        contract = self._signed(title="采购合同（Webhook）")
        # Queued as the change commits, none sent inside its transaction.
        self.assertEqual(self.Delivery.search_count([]), 0)
        self.commit()
        queued = self.Delivery.search([("webhook_id", "=", webhook["id"])], order="id")
        self.assertEqual(queued.mapped("topic"), SIGNING_EVENTS)
        self.assertEqual(set(queued.mapped("state")), {"pending"})
        self.assertEqual(self.receiver.requests, [])
        self.assertEqual(self.deliver(), 4)
        self.assertEqual(set(queued.mapped("state")), {"delivered"})
        documents = self.receiver.documents()
        self.assertEqual([d["type"] for d in documents], SIGNING_EVENTS)
        for request, document, delivery in zip(
            self.receiver.requests, documents, queued, strict=True
        ):
            verify(secret, request["headers"], request["body"])
            self.assertEqual(request["headers"]["X-Econtract-Event"], document["type"])
            self.assertEqual(request["headers"]["X-Econtract-Delivery"], document["id"])
            self.assertEqual(document["id"], delivery.event_uuid)
            self.assertEqual(document["contract"]["reference"], contract.name)
            self.assertEqual(document["contract"]["title"], "采购合同（Webhook）")
            event = delivery.ledger_event_id
            self.assertEqual(document["evidence"]["leaf_hash"], event.leaf_hash)
            self.assertEqual(len(delivery.attempt_ids), 1)
        completed = documents[-1]
        self.assertEqual(completed["contract"]["state"], "signed")
        self.assertEqual(
            completed["data"]["signed_sha256"],
            contract.document_ids.sorted("version")[-1].sha256,
        )
        signed = documents[2]["data"]["signer"]
        self.assertEqual(signed["name"], "李娜")
        self.assertNotIn("203.0.113.7", json.dumps(documents[2]), "no signer's address")
        # Nothing is sent twice.
        self.assertEqual(self.deliver(), 0)
        self.assertEqual(len(self.receiver.requests), 4)

    def test_a_rolled_back_change_is_never_announced(self):
        self.subscribe(["contract.approved"])
        contract = self._new_contract(self.user, title="回滚的合同")
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            contract.with_user(self.user).action_submit_for_approval()
            raise RuntimeError("the business transaction fails after the event")
        self.commit()
        self.assertEqual(self.Delivery.search_count([]), 0)
        self.assertEqual(self.deliver(), 0)
        self.assertEqual(self.receiver.requests, [])

    def test_failures_back_off_to_a_dead_letter_that_can_be_sent_again(self):
        self.env["ir.config_parameter"].set_param("econtract_api.webhook_max_attempts", "3")
        webhook = self.subscribe(["contract.approved"])
        self._new_contract(self.user).with_user(self.user).action_submit_for_approval()
        self.commit()
        delivery = self.Delivery.search([("webhook_id", "=", webhook["id"])])
        self.receiver.status = 503
        self.assertEqual(self.deliver(), 1)
        self.assertEqual((delivery.state, delivery.attempt_count), ("retrying", 1))
        wait = delivery.next_attempt_at - fields.Datetime.now()
        self.assertGreaterEqual(wait, timedelta(seconds=29))
        self.assertLessEqual(wait, timedelta(seconds=61))
        self.assertEqual(self.deliver(), 0, "not due yet")
        for attempt in (2, 3):
            delivery.sudo().next_attempt_at = fields.Datetime.now() - timedelta(seconds=1)
            self.assertEqual(self.deliver(), 1)
            self.assertEqual(delivery.attempt_count, attempt)
        self.assertEqual(delivery.state, "dead")
        self.assertFalse(delivery.next_attempt_at)
        self.assertEqual(delivery.attempt_ids.mapped("status"), [503, 503, 503])
        sent = self.receiver.requests
        self.assertEqual(len({r["headers"]["X-Econtract-Delivery"] for r in sent}), 1)
        self.assertEqual(len({r["headers"]["X-Econtract-Nonce"] for r in sent}), 3)
        self.assertEqual(len({r["body"] for r in sent}), 1, "the same bytes each time")
        # An administrator sends it again, over REST; the receiver is back.
        self.receiver.status = 200
        status, _h, document = self.api(
            "POST", f"/webhook-deliveries/{delivery.id}/redeliver", key=self.admin_key
        )
        self.assertEqual((status, document["state"]), (202, "pending"), document)
        self.assertEqual(self.deliver(), 1)
        self.assertEqual((delivery.state, delivery.attempt_count), ("delivered", 4))
        status, _h, document = self.api(
            "GET", f"/webhooks/{webhook['id']}/deliveries?state=delivered", key=self.admin_key
        )
        self.assertEqual([d["attempts"] for d in document["items"]], [4])

    def test_no_answer_is_retried_like_an_error(self):
        webhook = self.subscribe(["contract.approved"])
        self.receiver.close()
        self._new_contract(self.user).with_user(self.user).action_submit_for_approval()
        self.deliver()
        delivery = self.Delivery.search([("webhook_id", "=", webhook["id"])])
        self.assertEqual((delivery.state, delivery.last_status), ("retrying", 0))
        self.assertIn("Connection", delivery.last_error)

    def test_a_company_hears_only_of_its_own_contracts(self):
        self.subscribe(["contract.approved"], key=self.admin_b_key)
        self._new_contract(self.user).with_user(self.user).action_submit_for_approval()
        self.commit()
        self.assertEqual(self.Delivery.search_count([]), 0)

    def test_an_owner_who_left_the_company_silences_the_webhook_only(self):
        """Not a failed change: the contract is approved, nothing is queued for them."""
        self.subscribe(["contract.approved"])
        self.admin.sudo().write(
            {"company_ids": [Command.set(self.company_b.ids)], "company_id": self.company_b.id}
        )
        contract = self._new_contract(self.user)
        with self.assertLogs("odoo.addons.econtract_api.models.econtract_webhook", "WARNING"):
            contract.with_user(self.user).action_submit_for_approval()
            self.commit()
        self.assertEqual(contract.state, "approved")
        self.assertEqual(self.Delivery.search_count([]), 0)

    def test_an_archived_webhook_holds_its_deliveries(self):
        webhook = self.subscribe(["contract.approved"])
        self._new_contract(self.user).with_user(self.user).action_submit_for_approval()
        status, _h, _d = self.api(
            "PATCH", f"/webhooks/{webhook['id']}", {"active": False}, key=self.admin_key
        )
        self.assertEqual(status, 200)
        self.assertEqual(self.deliver(), 0)
        self.api("PATCH", f"/webhooks/{webhook['id']}", {"active": True}, key=self.admin_key)
        self.assertEqual(self.deliver(), 1)

    # ---------------------------------------------------------------- subscriptions

    def test_subscriptions_over_rest(self):
        created = self.subscribe(["contract.completed"], secret="s" * 32)
        self.assertEqual(created["secret"], "s" * 32)
        status, _h, document = self.api("GET", f"/webhooks/{created['id']}", key=self.admin_key)
        self.assertEqual(status, 200)
        self.assertNotIn("secret", document)
        self.assertEqual(document["events"], ["contract.completed"])
        self.assertEqual(document["owner"]["id"], self.admin.id)
        status, _h, document = self.api(
            "PATCH",
            f"/webhooks/{created['id']}",
            {"events": ["signer.declined", "obligation.overdue"], "name": "法务系统"},
            key=self.admin_key,
        )
        self.assertEqual((status, document["name"]), (200, "法务系统"), document)
        self.assertEqual(sorted(document["events"]), ["obligation.overdue", "signer.declined"])
        # A new secret signs what is sent from now on.
        status, _h, rotated = self.api(
            "POST", f"/webhooks/{created['id']}/rotate-secret", key=self.admin_key
        )
        self.assertEqual(status, 200)
        self.assertNotEqual(rotated["secret"], "s" * 32)
        status, _h, ping = self.api("POST", f"/webhooks/{created['id']}/ping", key=self.admin_key)
        self.assertEqual((status, ping["type"]), (202, "ping"), ping)
        self.deliver()
        [request] = self.receiver.requests
        verify(rotated["secret"], request["headers"], request["body"])
        with self.assertRaises(SignatureError):
            verify("s" * 32, request["headers"], request["body"])
        # Deleting a webhook with a delivery log archives it.
        status, _h, _d = self.api("DELETE", f"/webhooks/{created['id']}", key=self.admin_key)
        self.assertEqual(status, 204)
        webhook = (
            self.env["econtract.webhook"].with_context(active_test=False).browse(created["id"])
        )
        self.assertTrue(webhook.exists())
        self.assertFalse(webhook.active)
        status, _h, listed = self.api("GET", "/webhooks", key=self.admin_key)
        self.assertEqual([w["id"] for w in listed], [created["id"]])
        status, _h, topics = self.api("GET", "/webhook-events", key=self.admin_key)
        self.assertIn("obligation.due", [t["code"] for t in topics])

    def test_bad_subscriptions_are_refused_and_change_nothing(self):
        cases = [
            ({"events": ["contract.exploded"]}, 422, "invalid_value"),
            ({"events": []}, 422, "invalid_request"),
            ({"url": "ftp://example.com/x"}, 422, "rejected"),
            ({"url": "https://user:pw@example.com/x"}, 422, "rejected"),
            ({"secret": "short"}, 422, "invalid_request"),
            ({"colour": "red"}, 422, "invalid_request"),
        ]
        for change, expected_status, code in cases:
            body = {"name": "x", "url": self.receiver.url, "events": SIGNING_EVENTS}
            body.update(change)
            status, _h, document = self.api("POST", "/webhooks", body, key=self.admin_key)
            self.assertEqual((status, document.get("code")), (expected_status, code), change)
        self.env["ir.config_parameter"].set_param("econtract_api.webhook_allow_private", "0")
        status, _h, document = self.api(
            "POST",
            "/webhooks",
            {"name": "x", "url": "https://127.0.0.1/x", "events": SIGNING_EVENTS},
            key=self.admin_key,
        )
        self.assertEqual((status, document["code"]), (422, "rejected"), document)
        self.assertIn("not a public address", document["detail"])
        self.assertEqual(self.env["econtract.webhook"].search_count([]), 0)

    def test_only_administrators_of_the_company_manage_webhooks(self):
        created = self.subscribe(["contract.approved"])
        self._new_contract(self.user).with_user(self.user).action_submit_for_approval()
        self.commit()
        delivery = self.Delivery.search([])
        body = {"name": "x", "url": self.receiver.url, "events": SIGNING_EVENTS}
        status, _h, document = self.api("POST", "/webhooks", body)  # a contract user
        self.assertEqual((status, document["code"]), (403, "forbidden"))
        for method, path in [
            ("GET", f"/webhooks/{created['id']}"),
            ("PATCH", f"/webhooks/{created['id']}"),
            ("POST", f"/webhooks/{created['id']}/rotate-secret"),
            ("GET", f"/webhooks/{created['id']}/deliveries"),
            ("POST", f"/webhook-deliveries/{delivery.id}/redeliver"),
        ]:
            status, _h, document = self.api(
                method,
                path,
                {"name": "stolen"} if method == "PATCH" else None,
                key=self.admin_b_key,
            )
            self.assertEqual((status, document["code"]), (404, "not_found"), path)
        self.assertEqual(self.env["econtract.webhook"].browse(created["id"]).name, "OA 系统")

    def test_no_role_reads_secrets_or_writes_deliveries_over_json_rpc(self):
        created = self.subscribe(["contract.approved"])
        self._new_contract(self.user).with_user(self.user).action_submit_for_approval()
        self.commit()
        webhook = self.env["econtract.webhook"].browse(created["id"])
        delivery = self.Delivery.search([])
        secret = webhook.sudo().secret
        for login in ("ec_user", "ec_manager", "ec_auditor", "ec_admin", "ec_admin_b"):
            self.authenticate(login, login)
            attempts = [
                ("econtract.webhook", "read", [webhook.ids, ["secret"]]),
                ("econtract.webhook", "search_read", [[("secret", "=", secret)], ["id"]]),
                ("econtract.webhook", "write", [webhook.ids, {"company_id": self.company_b.id}]),
                ("econtract.webhook", "write", [webhook.ids, {"user_id": self.user.id}]),
                ("econtract.webhook.delivery", "write", [delivery.ids, {"state": "pending"}]),
                ("econtract.webhook.delivery", "create", [{"webhook_id": webhook.id}]),
                ("econtract.webhook.delivery", "_deliver_due", []),
                ("econtract.webhook.attempt", "create", [{"delivery_id": delivery.id}]),
                ("econtract.webhook.topic", "write", [webhook.topic_ids.ids, {"code": "x.y"}]),
            ]
            if login != "ec_admin":
                attempts += [
                    ("econtract.webhook", "write", [webhook.ids, {"url": "https://evil.example"}]),
                    ("econtract.webhook", "action_rotate_secret", [webhook.ids]),
                    ("econtract.webhook.delivery", "action_redeliver", [delivery.ids]),
                ]
            for model, method, args in attempts:
                ok, result, _error = call_kw(self, model, method, args)
                self.assertFalse(ok, f"{login}: {model}.{method} → {result}")
        self.assertEqual(webhook.sudo().secret, secret)
        self.assertEqual((webhook.url, webhook.company_id), (self.receiver.url, self.company))
        self.assertEqual(delivery.state, "pending")
        self.assertEqual(self.Delivery.search_count([]), 1)
