from odoo import Command

from odoo.addons.econtract_sign.tests.common import SignCommon

PRICE = "<p>合同总价为人民币伍万元（¥50,000.00），乙方应于签订后十日内支付。</p>"
DELIVERY = "<p>出租方应于2026年1月1日前交付房屋。</p>"
REPAIR = "<p>承租方负责日常维修。</p>"


class LifecycleCommon(SignCommon):
    """A signed lease of three clauses, in force, and helpers to walk its ways forward."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.econtract_expiry_reminder_days = "30,7,1"
        cls.today = cls.company._econtract_date()

    @classmethod
    def _lease(cls, **vals):
        vals.setdefault("date_start", cls.company._econtract_date().replace(month=1, day=1))
        vals.setdefault("date_end", vals["date_start"].replace(year=vals["date_start"].year + 1)
                        .replace(month=12, day=31))  # fmt: skip
        return cls._signed(
            clauses=[("价款", PRICE), ("交付", DELIVERY), ("维修", REPAIR)],
            amount=50000,
            **vals,
        )

    @classmethod
    def _draft_of(cls, action):
        return cls.env["econtract.contract"].browse(action["res_id"])

    @classmethod
    def _amend(cls, contract, user=None):
        return cls._draft_of(contract.with_user(user or cls.user).action_amend())

    def _edit_amendment(self, amendment):
        price = amendment.clause_ids.filtered(lambda c: c.title == "价款")
        repair = amendment.clause_ids.filtered(lambda c: c.title == "维修")
        as_user = amendment.with_user(self.user)
        as_user.write(
            {
                "amount": 65000,
                "clause_ids": [
                    Command.update(
                        price.id,
                        {
                            "body": "<p>合同总价为人民币陆万伍仟元（¥65,000.00），"
                            "乙方应于签订后三十日内支付。</p>"
                        },
                    ),
                    Command.delete(repair.id),
                    Command.create(
                        {"sequence": 40, "title": "保险", "body": "<p>出租方为房屋投保财产险。</p>"}
                    ),
                ],
            }
        )
        return amendment

    def _events_payloads(self, contract, event_type):
        import json

        events = self.env["econtract.ledger.event"].search(
            [("contract_id", "=", contract.id), ("event_type", "=", event_type)], order="sequence"
        )
        return [json.loads(event.canonical) for event in events]
