import re

from odoo import Command

from odoo.addons.econtract_base.tests.common import ApprovalCommon
from odoo.addons.mail.tests.common import MockEmail


class SignCommon(ApprovalCommon, MockEmail):
    """Three outside signers, a policy that approves at once, and helpers to drive a request."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._policy([], name="Approved at once")
        Partner = cls.env["res.partner"]
        cls.alice = Partner.create({"name": "李娜", "email": "lina@huaqiang.example.com"})
        cls.bob = Partner.create(
            {"name": "王强", "email": "wangqiang@huaqiang.example.com", "mobile": "+8613800138000"}
        )
        cls.carol = Partner.create({"name": "陈静", "email": "chenjing@xinghe.example.com"})

    def _approved(self):
        contract = self._complete_contract()
        self._as(self.user, contract).action_submit_for_approval()
        self.assertEqual(contract.state, "approved")
        return contract

    def _request(self, contract, *signers):
        return self.env["econtract.sign.request"].create(
            {
                "contract_id": contract.id,
                "signer_ids": [
                    Command.create({"partner_id": partner.id, "order": order, **extra})
                    for partner, order, extra in signers
                ],
            }
        )

    def _code(self, signer):
        with self.mock_mail_gateway():
            signer._send_code()
        mail = [m for m in self._mails if signer.partner_id.email in str(m["email_to"])][-1]
        return re.search(r"\b(\d{6})\b", mail["body"]).group(1)

    def _events(self, contract):
        return (
            self.env["econtract.ledger.event"]
            .search([("contract_id", "=", contract.id)], order="sequence")
            .mapped("event_type")
        )
