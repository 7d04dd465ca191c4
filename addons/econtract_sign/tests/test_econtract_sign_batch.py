import re

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import SignCommon


@tagged("post_install", "-at_install")
class TestBatchSigning(SignCommon):
    """One identity check, several contracts, a signature and evidence for each."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("econtract_chain.evm_url", "off")
        cls.signatory = cls._new_user("ec_signatory", "econtract_base.group_econtract_user")
        cls.signatory.partner_id.email = "signatory@xinghe.example.com"

    def _mine(self, count):
        signers = self.env["econtract.signer"]
        for _n in range(count):
            contract = self._approved()
            request = self.env["econtract.sign.request"].create(
                {
                    "contract_id": contract.id,
                    "signer_ids": [
                        Command.create(
                            {
                                "partner_id": self.signatory.partner_id.id,
                                "user_id": self.signatory.id,
                            }
                        )
                    ],
                }
            )
            request.action_send()
            signers |= request.signer_ids
        return signers

    def _wizard(self, signers, user=None):
        return (
            self.env["econtract.sign.batch.wizard"]
            .with_user(user or self.signatory)
            .with_context(active_ids=signers.ids)
            .create({"consent": True})
        )

    def _mailed_code(self, wizard):
        with self.mock_mail_gateway():
            wizard.action_send_code()
        mail = [m for m in self._mails if "signatory@" in str(m["email_to"])][-1]
        return re.search(r"\b(\d{6})\b", mail["body"]).group(1)

    def test_one_code_signs_every_selected_contract(self):
        signers = self._mine(3)
        mine = (
            self.env["econtract.signer"]
            .with_user(self.signatory)
            .search([("user_id", "=", self.signatory.id), ("state", "=", "pending")])
        )
        self.assertEqual(mine, signers, "My Signatures lists them, contracts readable")
        self.assertTrue(mine.contract_id.mapped("display_name"))
        wizard = self._wizard(signers)
        code = self._mailed_code(wizard)
        wizard.code = code
        result = wizard.action_sign()
        self.assertEqual(result["params"]["type"], "success")
        self.assertEqual(signers.mapped("state"), ["signed"] * 3)
        self.assertEqual(signers.request_id.mapped("state"), ["completed"] * 3)
        self.assertEqual(len(set(signers.mapped("certificate_serial"))), 3)
        for signer in signers:
            events = self._events(signer.contract_id)
            self.assertEqual(events.count("contract.identity_verified"), 1)
            self.assertEqual(events.count("contract.signed"), 1)
        # One code was sent, for all three.
        self.assertEqual(sum(1 for s in signers if s.code_issued_at), 1)

    def test_a_wrong_code_signs_nothing_and_counts(self):
        signers = self._mine(2)
        wizard = self._wizard(signers)
        self._mailed_code(wizard)
        wizard.code = "000000"
        result = wizard.action_sign()
        self.assertEqual(result["res_model"], "econtract.sign.batch.wizard")
        self.assertIn("not right", wizard.error)
        self.assertEqual(signers.mapped("state"), ["pending", "pending"])
        self.assertEqual(signers[0].code_attempts, 1)

    def test_only_my_own_signatures(self):
        signers = self._mine(1)
        with self.assertRaisesRegex(UserError, "only your own"):
            self._wizard(signers, user=self.colleague).action_sign()
        self.assertEqual(signers.state, "pending")

    def test_a_counterpartys_signature_never_rides_along_with_mine(self):
        """The owner signs for our side and selects the counterparty's signature too: the
        one code the owner receives must not sign in the counterparty's name."""
        self.user.partner_id.email = "owner@xinghe.example.com"
        contract = self._approved()
        request = self.env["econtract.sign.request"].create(
            {
                "contract_id": contract.id,
                "signer_ids": [
                    Command.create(
                        {"partner_id": self.user.partner_id.id, "user_id": self.user.id}
                    ),
                    Command.create({"partner_id": self.alice.id}),
                ],
            }
        )
        request.action_send()
        wizard = self._wizard(request.signer_ids.sorted("id"), user=self.user)
        with self.assertRaisesRegex(UserError, "only your own"):
            wizard.action_send_code()
        self.assertEqual(request.signer_ids.mapped("state"), ["pending", "pending"])
