import base64
import json
import re
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.auth_totp.models.totp import hotp
from odoo.addons.econtract_base.models.econtract_guard_mixin import engine

from econtract.identity.codes import Outcome

from .common import SignCommon


class _SmsGateway(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmsHandler)
        self.messages = []


class _SmsHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.messages.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"id": "sms-1"}')

    def log_message(self, *_args):
        pass


@tagged("post_install", "-at_install")
class TestSigningRequests(SignCommon):
    def test_only_approved_contracts_are_sent(self):
        draft = self._complete_contract()
        with self.assertRaisesRegex(UserError, "must be approved"):
            self._request(draft, (self.alice, 1, {}))
        contract = self._approved()
        request = self._request(contract, (self.alice, 1, {}))
        with engine():  # the contract went back to draft after the request was drafted
            contract.state = "draft"
        with self.assertRaisesRegex(UserError, "must be approved"):
            request.action_send()
        self.assertEqual(request.state, "draft")

    def test_parallel_then_sequential_order(self):
        contract = self._approved()
        request = self._request(
            contract, (self.alice, 1, {}), (self.bob, 1, {}), (self.carol, 2, {})
        )
        request.action_send()
        self.assertEqual(request.state, "sent")
        self.assertEqual(request.document_id.sha256, contract.approval_request_id.document_sha256)
        states = {s.partner_id: s.state for s in request.signer_ids}
        self.assertEqual(
            states, {self.alice: "pending", self.bob: "pending", self.carol: "waiting"}
        )
        carol = request.signer_ids.filtered(lambda s: s.partner_id == self.carol)
        with self.assertRaisesRegex(UserError, "not your turn"):
            carol._send_code()
        events = self._events(contract)
        self.assertEqual(events.count("contract.signing_invited"), 2)
        self.assertIn("contract.signing_sent", events)

    def test_email_code_right_wrong_replayed_locked(self):
        contract = self._approved()
        request = self._request(contract, (self.alice, 1, {}))
        request.action_send()
        signer = request.signer_ids
        code = self._code(signer)
        self.assertFalse(signer._identity_fresh(None))
        wrong = "000000" if code != "000000" else "111111"
        self.assertEqual(signer._verify_code(wrong), (Outcome.WRONG, None))
        self.assertEqual(signer.code_attempts, 1)
        check = signer._verify_code(code)
        self.assertEqual(check.outcome, Outcome.VERIFIED)
        self.assertTrue(signer._identity_fresh(check.proof))
        # The proof is the session's that passed the check: the record holds only its hash.
        self.assertNotIn(check.proof, str(signer.sudo().read()))
        self.assertFalse(signer._identity_fresh("someone-else-holding-the-link"))
        self.assertEqual(signer._verify_code(code).outcome, Outcome.USED, "a code works once")
        self.assertNotIn(code, str(signer.sudo().code_digest), "only a keyed hash is kept")
        events = self._events(contract)
        self.assertIn("contract.identity_verified", events)
        self.assertIn("contract.identity_failed", events)

        with freeze_time(fields.Datetime.now() + timedelta(minutes=2)):
            code = self._code(signer)
            for _attempt in range(5):  # the used code's wrong attempt does not carry over
                outcome = signer._verify_code("abc").outcome
            self.assertEqual(outcome, Outcome.LOCKED)
            self.assertEqual(signer._verify_code(code).outcome, Outcome.LOCKED)
            with self.assertRaisesRegex(UserError, "too many wrong codes"):
                signer._send_code()

    def test_codes_expire(self):
        contract = self._approved()
        request = self._request(contract, (self.alice, 1, {}))
        request.action_send()
        signer = request.signer_ids
        code = self._code(signer)
        with freeze_time(fields.Datetime.now() + timedelta(minutes=10, seconds=1)):
            self.assertEqual(signer._verify_code(code).outcome, Outcome.EXPIRED)

    def test_sms_code_through_the_gateway(self):
        gateway = _SmsGateway()
        thread = threading.Thread(target=gateway.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(gateway.shutdown)
        self.env["ir.config_parameter"].set_param(
            "econtract_sign.sms_url", f"http://127.0.0.1:{gateway.server_address[1]}/send"
        )
        contract = self._approved()
        request = self._request(contract, (self.bob, 1, {"identity_method": "sms"}))
        request.action_send()
        signer = request.signer_ids
        signer._send_code()
        (message,) = gateway.messages
        self.assertEqual(message["to"], "+8613800138000")
        code = re.search(r"\b(\d{6})\b", message["text"]).group(1)
        self.assertEqual(signer._verify_code(code).outcome, Outcome.VERIFIED)

    def test_tokens_belong_to_one_signer(self):
        contract = self._approved()
        request = self._request(contract, (self.alice, 1, {}), (self.bob, 1, {}))
        request.action_send()
        alice, bob = request.signer_ids
        self.assertTrue(alice._check_token(alice.sudo().access_token))
        self.assertFalse(alice._check_token(bob.sudo().access_token))
        self.assertFalse(alice._check_token(""))
        self.assertIn(alice.sudo().access_token, alice._signing_url())

    def test_decline_needs_identity_and_a_reason(self):
        contract = self._approved()
        request = self._request(contract, (self.alice, 1, {}), (self.carol, 2, {}))
        request.action_send()
        alice = request.signer_ids.filtered(lambda s: s.partner_id == self.alice)
        with self.assertRaisesRegex(UserError, "Prove who you are"):
            alice._decline("价格有误")
        proof = alice._verify_code(self._code(alice)).proof
        with self.assertRaisesRegex(UserError, "Prove who you are"):
            alice._decline("价格有误", proof="not-the-proof")
        with self.assertRaises(ValidationError):
            alice._decline(" ", proof=proof)
        alice._decline("价格有误", proof=proof)
        self.assertEqual((request.state, request.reason), ("declined", "价格有误"))
        self.assertEqual(request.signer_ids.mapped("state"), ["declined", "closed"])
        self.assertIn("contract.signing_declined", self._events(contract))

    def test_cancel_and_expiry(self):
        contract = self._approved()
        request = self._request(contract, (self.alice, 1, {}))
        request.action_send()
        with self.assertRaises(ValidationError):
            request.action_cancel("")
        wizard = (
            self.env["econtract.sign.cancel.wizard"]
            .with_user(self.user)
            .create({"request_id": request.id, "reason": "合同作废"})
        )
        wizard.action_confirm()
        self.assertEqual((request.state, request.reason), ("cancelled", "合同作废"))
        with self.assertRaises(UserError):
            request.action_cancel("again")

        later = self._request(contract, (self.bob, 1, {}))
        later.expires_at = datetime(2099, 1, 1)
        later.action_send()
        with freeze_time(datetime(2099, 1, 2)):
            # (The demo's waiting request, if any, has expired by then as well.)
            self.assertIn(later, self.env["econtract.sign.request"]._cron_expire())
        self.assertEqual(later.state, "expired")
        self.assertEqual(later.signer_ids.state, "closed")
        self.assertIn("contract.signing_expired", self._events(contract))

    def test_pending_signers_are_reminded_once_every_few_days(self):
        contract = self._approved()
        request = self._request(contract, (self.alice, 1, {}))
        request.action_send()
        alice = request.signer_ids
        Request = self.env["econtract.sign.request"]
        self.assertNotIn(alice, Request._cron_remind(), "not on the day of the invitation")
        with freeze_time(fields.Datetime.now() + timedelta(days=4)):
            self.assertIn(alice, Request._cron_remind())
            self.assertNotIn(alice, Request._cron_remind(), "once, not at every run")
        reminders = self.env["mail.mail"].search(
            [("email_to", "ilike", "lina@huaqiang"), ("subject", "ilike", "Reminder")]
        )
        self.assertEqual(len(reminders), 1)
        self.assertIn(alice._signing_url(), reminders.body_html)
        self.assertIn("contract.signing_reminded", self._events(contract))

    def test_counterparty_contacts_are_proposed_as_signers(self):
        contact = self.env["res.partner"].create(
            {"name": "刘强", "email": "liuqiang@example.com", "parent_id": self.supplier.id}
        )
        self.env["res.partner"].create({"name": "无邮箱", "parent_id": self.supplier.id})
        contract = self._approved()
        action = contract.action_new_sign_request()
        request = self.env["econtract.sign.request"].with_context(**action["context"]).create({})
        self.assertEqual(request.contract_id, contract)
        self.assertEqual(request.signer_ids.partner_id, contact)

    def test_authenticator_codes_for_internal_users(self):
        contract = self._approved()
        with self.assertRaisesRegex(ValidationError, "no internal user"):
            self._request(contract, (self.alice, 1, {"identity_method": "totp"}))
        totp = {"identity_method": "totp", "user_id": self.finance.id}
        request = self._request(contract, (self.finance.partner_id, 1, totp))
        with self.assertRaisesRegex(UserError, "must set up an authenticator app"):
            request.action_send()
        secret = base64.b32encode(b"econtract-totp-test-key!").decode()
        self.finance.sudo().totp_secret = secret
        request.action_send()
        signer = request.signer_ids
        with self.assertRaisesRegex(UserError, "authenticator app shows"):
            signer._send_code()
        with freeze_time("2026-12-01 10:00:00"):
            code = f"{hotp(base64.b32decode(secret), int(time.time()) // 30):06d}"
            wrong = f"{(int(code) + 1) % 1_000_000:06d}"
            self.assertEqual(signer._verify_code(wrong).outcome, Outcome.WRONG)
            check = signer._verify_code(code)
            self.assertEqual(check.outcome, Outcome.VERIFIED)
            self.assertTrue(signer._identity_fresh(check.proof))
            self.assertEqual(
                signer._verify_code(code).outcome, Outcome.USED, "a time step works once"
            )
            for _attempt in range(4):
                outcome = signer._verify_code(wrong).outcome
            self.assertEqual(outcome, Outcome.LOCKED)
