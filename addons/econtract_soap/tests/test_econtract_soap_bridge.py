import json

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.econtract_base.tests.common import call_kw

from .common import SOAP, SoapCommon

DELIVERY_LOGGER = "odoo.addons.econtract_api.models.econtract_webhook_delivery"


@tagged("post_install", "-at_install")
class TestSoapBridge(SoapCommon):
    """SOAP webhooks: contract events call a SOAP operation with zeep — here the project's
    own service, on loopback, with the same queue, retries and log as JSON webhooks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls._new_user("ec_admin", "econtract_base.group_econtract_admin")
        cls.env["ir.config_parameter"].set_param("econtract_api.webhook_allow_private", "1")
        cls.completed = cls.env["econtract.webhook.topic"].search(
            [("code", "=", "contract.completed")]
        )

    def setUp(self):
        super().setUp()
        self.forget_rates()
        self.Delivery = self.env["econtract.webhook.delivery"]

    def connector(self, mapping, **extra):
        vals = {
            "name": "OA 系统（SOAP）",
            "kind": "soap",
            "url": self.base_url() + SOAP + "?wsdl",
            "topic_ids": [(6, 0, self.completed.ids)],
            "soap_operation": "GetContract",
            "soap_auth": "header",
            "soap_header": "ApiKey",
            "new_soap_password": self.key,
            "mapping_ids": [(0, 0, line) for line in mapping],
            **extra,
        }
        return self.env["econtract.webhook"].with_user(self.admin).create(vals)

    def deliver(self):
        self.env.cr.flush()  # what a commit runs first: the events are queued
        with mute_logger(DELIVERY_LOGGER, "odoo.addons.econtract_api.gate"):
            tried = self.Delivery._deliver_due()
        self.env.invalidate_all()
        return tried

    def soap_calls(self, operation):
        return self.env["econtract.api.call"].search(
            [("path", "=", f"/econtract/{operation}")], order="id"
        )

    def test_a_signed_contract_is_told_to_a_soap_service(self):
        webhook = self.connector([{"parameter": "reference", "source": "contract.reference"}])
        self.assertEqual(webhook.action_check_wsdl()["params"]["type"], "success")
        contract = self._signed(title="采购合同（SOAP 通知）")
        self.assertEqual(self.deliver(), 1)
        delivery = self.Delivery.search([("webhook_id", "=", webhook.id)])
        self.assertEqual((delivery.state, delivery.last_status), ("delivered", 200))
        self.assertEqual(delivery.topic, "contract.completed")
        answer = json.loads(delivery.attempt_ids.response_excerpt)
        self.assertEqual(answer["reference"], contract.name)
        self.assertEqual(answer["title"], "采购合同（SOAP 通知）")
        self.assertEqual(answer["state"], "signed")
        [call] = self.soap_calls("GetContract")
        self.assertEqual((call.user_id, call.status), (self.user, 200), "as the key's user")

    def test_faults_are_retried_then_dead_letters_then_sent_again(self):
        self.env["ir.config_parameter"].set_param("econtract_api.webhook_max_attempts", "2")
        webhook = self.connector(
            [{"parameter": "contractId", "constant": "999999999"}],
            soap_auth="username_token",
            soap_username=self.user.login,
        )
        self._signed()
        self.deliver()
        delivery = self.Delivery.search([("webhook_id", "=", webhook.id)])
        self.assertEqual((delivery.state, delivery.last_status), ("retrying", 500))
        self.assertIn("There is no such resource", delivery.last_error)
        self.assertEqual(self.soap_calls("GetContract").mapped("code"), ["not_found"])
        delivery.sudo().next_attempt_at = fields.Datetime.now()
        self.deliver()
        self.assertEqual((delivery.state, delivery.attempt_count), ("dead", 2))
        webhook.mapping_ids.write({"constant": False, "source": "contract.id"})
        delivery.with_user(self.admin).action_redeliver()
        self.deliver()
        self.assertEqual(delivery.state, "delivered")
        self.assertEqual(len(delivery.attempt_ids), 3)
        self.assertEqual(self.soap_calls("GetContract")[-1].user_id, self.user)

    def test_no_answer_is_retried_and_a_bad_mapping_says_why(self):
        webhook = self.connector([{"parameter": "reference", "source": "contract.reference"}])
        webhook.url = "http://127.0.0.1:9/soap/econtract?wsdl"  # nothing listens there
        self._signed()
        self.deliver()
        delivery = self.Delivery.search([("webhook_id", "=", webhook.id)])
        self.assertEqual((delivery.state, delivery.last_status), ("retrying", 0))
        self.assertIn("ConnectionRefusedError", delivery.last_error)
        webhook.url = self.base_url() + SOAP + "?wsdl"
        webhook.soap_operation = "NoSuchOperation"
        delivery.sudo().next_attempt_at = fields.Datetime.now()
        self.deliver()
        self.assertEqual(delivery.state, "retrying")
        self.assertIn("The call could not be made", delivery.last_error)
        with self.assertRaisesRegex(UserError, "has no operation NoSuchOperation"):
            webhook.action_check_wsdl()
        webhook.soap_operation = "GetContract"
        webhook.mapping_ids.parameter = "contractNumber"
        with self.assertRaisesRegex(UserError, "has no parameters contractNumber"):
            webhook.action_check_wsdl()

    def test_credentials_go_only_where_they_were_given(self):
        webhook = self.connector([{"parameter": "reference", "source": "contract.reference"}])
        # The WSDL names another host for its calls (here: the same server as "localhost").
        port = self.base_url().rsplit(":", 1)[1]
        self.env["ir.config_parameter"].set_param("web.base.url", f"http://localhost:{port}")
        self._signed()
        self.deliver()
        delivery = self.Delivery.search([("webhook_id", "=", webhook.id)])
        self.assertEqual(delivery.state, "retrying")
        self.assertIn("its credentials would go there", delivery.last_error)
        self.assertFalse(self.soap_calls("GetContract"), "no call was made")
        # A new URL (or kind, or authentication) forgets the password given for the old one.
        webhook.with_user(self.admin).url = "https://oa.example.com/econtract?wsdl"
        self.assertFalse(webhook.sudo().soap_password)
        webhook.with_user(self.admin).write(
            {"url": self.base_url() + SOAP + "?wsdl", "new_soap_password": self.key}
        )
        self.assertEqual(webhook.sudo().soap_password, self.key)

    def test_a_delivery_that_breaks_fails_alone(self):
        lines = [
            {"parameter": "x", "constant": "1", "sequence": 1},
            {"parameter": "x.y", "constant": "2", "sequence": 2},
        ]
        webhook = self.connector(lines)
        other = self.connector([{"parameter": "reference", "source": "contract.reference"}])
        self._signed()
        self.assertEqual(self.deliver(), 2, "the second is sent after the first failed")
        broken = self.Delivery.search([("webhook_id", "=", webhook.id)])
        self.assertEqual(broken.state, "retrying")
        self.assertIn("both a value and a group", broken.last_error)
        self.assertEqual(self.Delivery.search([("webhook_id", "=", other.id)]).state, "delivered")

    def test_urls_and_mappings_are_checked_when_saved(self):
        for url in ("file:///etc/passwd", "/etc/passwd", "ftp://oa.example.com/x.wsdl"):
            with self.subTest(url=url), self.assertRaises(ValidationError):
                self.connector([], url=url)
        self.env["ir.config_parameter"].set_param("econtract_api.webhook_allow_private", "0")
        with self.assertRaisesRegex(ValidationError, "https"):
            self.connector([])
        with self.assertRaisesRegex(ValidationError, "not a public address"):
            self.connector([], url="https://10.1.2.3/oa?wsdl")
        self.env["ir.config_parameter"].set_param("econtract_api.webhook_allow_private", "1")
        bad_lines = [
            {"parameter": "1x", "source": "contract.id"},
            {"parameter": "contractId"},
            {"parameter": "contractId", "source": "contract.id", "constant": "1"},
            {"parameter": "contractId", "source": "contract['id']"},
        ]
        for line in bad_lines:
            with self.subTest(line=line), self.assertRaises(ValidationError):
                self.connector([line])
        with self.assertRaisesRegex(ValidationError, "names the operation"):
            self.connector([], soap_operation=False)
        with self.assertRaisesRegex(ValidationError, "user name"):
            self.connector([], soap_auth="basic")
        # A field stays with its webhook: another company's cannot be reached through it.
        first = self.connector([{"parameter": "reference", "source": "contract.reference"}])
        second = self.connector([])
        with self.assertRaises(UserError):
            first.mapping_ids.with_user(self.admin).write({"webhook_id": second.id})

    def test_no_role_reads_the_password_or_changes_the_mapping_over_json_rpc(self):
        webhook = self.connector([{"parameter": "reference", "source": "contract.reference"}])
        line = webhook.mapping_ids
        for login in ("ec_user", "ec_manager", "ec_auditor", "ec_admin"):
            self.authenticate(login, login)
            attempts = [
                ("econtract.webhook", "read", [webhook.ids, ["soap_password"]]),
                ("econtract.webhook", "search_read",
                 [[("soap_password", "=", self.key)], ["id"]]),
            ]  # fmt: skip
            if login != "ec_admin":
                attempts += [
                    ("econtract.webhook.mapping", "write", [line.ids, {"source": "company.id"}]),
                    ("econtract.webhook.mapping", "create",
                     [{"webhook_id": webhook.id, "parameter": "x", "constant": "1"}]),
                    ("econtract.webhook.mapping", "unlink", [line.ids]),
                    ("econtract.webhook", "write", [webhook.ids, {"soap_operation": "Other"}]),
                    ("econtract.webhook", "action_check_wsdl", [webhook.ids]),
                ]  # fmt: skip
            for model, method, args in attempts:
                ok, result, _error = call_kw(self, model, method, args)
                self.assertFalse(ok, f"{login}: {model}.{method} → {result}")
        self.assertEqual(line.source, "contract.reference")
        self.assertEqual(webhook.soap_operation, "GetContract")
        self.assertEqual(webhook.sudo().soap_password, self.key)
