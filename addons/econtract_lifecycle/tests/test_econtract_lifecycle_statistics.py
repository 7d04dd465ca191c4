import datetime

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.econtract_base.models.econtract_guard_mixin import engine
from odoo.addons.econtract_base.tests.common import call_kw

from .common import LifecycleCommon

DAY = datetime.timedelta(days=1)


@tagged("post_install", "-at_install")
class TestStatistics(LifecycleCommon, HttpCase):
    """The figures against a known data set: two contracts signed in 10 and 20 days, one
    sent and not signed, one draft never sent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.soon = cls._lease(
            title="即将到期的租赁合同",
            date_start=cls.today - 100 * DAY,
            date_end=cls.today + 10 * DAY,
        )
        cls.later = cls._lease(date_start=cls.today - 10 * DAY, date_end=cls.today + 300 * DAY)
        cls.waiting = cls._approved_sent()
        cls.draft = cls._complete_contract_cls()
        cls.ids = (cls.soon | cls.later | cls.waiting | cls.draft).ids
        for contract, days in ((cls.soon, 10), (cls.later, 20)):
            signed_at = contract._econtract_completed_request().completed_at
            cls.env.cr.execute(
                "UPDATE econtract_contract SET create_date = %s WHERE id = %s",
                (signed_at - days * DAY, contract.id),
            )
        with engine():
            cls.env["econtract.obligation"].create(
                {"contract_id": cls.later.id, "name": "租金", "amount": 100, "date_due": cls.today}
            ).write({"state": "overdue"})
        cls.env.invalidate_all()

    @classmethod
    def _approved_sent(cls):
        contract = cls._new_contract(
            cls.user,
            title="待签合同",
            partner_ids=[(6, 0, cls.alice.ids)],
            clause_ids=[Command.create({"title": "标的", "body": "<p>办公家具一批。</p>"})],
        )
        contract.with_user(cls.user).action_submit_for_approval()
        request = cls.env["econtract.sign.request"].create(
            {
                "contract_id": contract.id,
                "signer_ids": [Command.create({"partner_id": cls.alice.id})],
            }
        )
        request.action_send()
        return contract

    @classmethod
    def _complete_contract_cls(cls):
        return cls._new_contract(
            cls.user, clause_ids=[Command.create({"title": "标的", "body": "<p>样品。</p>"})]
        )

    def _figures(self, user):
        Report = self.env["econtract.contract.report"].with_user(user)
        return Report._statistics([("contract_id", "in", self.ids)])

    def test_figures(self):
        figures = self._figures(self.user)
        self.assertEqual(figures["count"], 4)
        self.assertEqual(figures["by_state"], {"signed": 2, "approved": 1, "draft": 1})
        self.assertEqual(figures["sent"], 3)
        self.assertEqual(figures["signing_rate"], 66.7)
        self.assertEqual(figures["days_to_sign"], 15.0)
        self.assertEqual(figures["in_force"], 2)
        self.assertEqual(figures["amount_in_force"], 100000)
        self.assertEqual(figures["expiring_soon"], 1)
        self.assertEqual(figures["overdue_obligations"], 1)

    def test_grouped_by_type_and_month(self):
        Report = self.env["econtract.contract.report"].with_user(self.user)
        groups = dict(
            Report._read_group([("contract_id", "in", self.ids)], ["contract_type"], ["amount:sum"])
        )
        self.assertEqual(groups["lease"], 100000)
        months = Report._read_group(
            [("contract_id", "in", self.ids), ("state", "=", "signed")],
            ["date_signed:month"],
            ["__count"],
        )
        self.assertEqual(sum(count for _month, count in months), 2)

    def test_figures_follow_the_reader_s_rules(self):
        self.assertEqual(self._figures(self.colleague)["count"], 0)
        self.assertEqual(self._figures(self.manager)["count"], 4)
        self.assertEqual(self._figures(self.auditor)["count"], 4)

    def test_over_json_rpc(self):
        stranger = self._new_user(
            "ec_stats_stranger", "econtract_base.group_econtract_manager", company=self.company_b
        )
        self.authenticate(stranger.login, stranger.login)
        ok, result, error = call_kw(self, "econtract.contract.report", "read_statistics", [])
        self.assertTrue(ok, error)
        self.assertEqual(result["figures"]["count"], 0)
        ok, _result, _error = call_kw(
            self, "econtract.contract.report", "write", [[self.soon.id], {"amount": 1}]
        )
        self.assertFalse(ok)

    def test_dashboard_tour(self):
        # The dashboard counts every contract the user may read: this data set only.
        self.assertEqual(self._figures(self.user), self.env["econtract.contract.report"]
                         .with_user(self.user)._statistics())  # fmt: skip
        self.start_tour("/odoo/action-econtract_lifecycle.econtract_dashboard_action",
                        "econtract_lifecycle_dashboard_tour", login=self.user.login)  # fmt: skip
