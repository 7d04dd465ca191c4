from odoo.tests import HttpCase, tagged

from .common import CLAUSES, FulfilmentCommon


@tagged("post_install", "-at_install")
class TestFulfilmentTour(HttpCase, FulfilmentCommon):
    def test_an_owner_plans_from_the_clauses_and_closes_an_obligation(self):
        lease = self._signed(title="张江办公室租赁合同", contract_type="lease", clauses=CLAUSES[:2])
        self.start_tour(
            f"/odoo/action-econtract_base.econtract_contract_action/{lease.id}",
            "econtract_fulfilment_plan_tour",
            login=self.user.login,
        )
        deposit = lease.obligation_ids.filtered(lambda o: "押金" in o.span_text)
        self.assertEqual(deposit.state, "done")
        self.assertIn("银行回单", deposit.done_note)
        self.assertEqual(len(lease.obligation_ids), 2)
