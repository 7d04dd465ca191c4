from odoo.tests import HttpCase, tagged

from .common import LifecycleCommon


@tagged("post_install", "-at_install")
class TestLifecycleTour(LifecycleCommon, HttpCase):
    def test_an_owner_amends_a_signed_lease(self):
        lease = self._lease()
        self.start_tour(
            f"/odoo/action-econtract_base.econtract_contract_action/{lease.id}",
            "econtract_lifecycle_amend_tour",
            login=self.user.login,
        )
        amendment = lease.amendment_ids
        self.assertEqual(amendment.state, "draft")
        self.assertEqual(amendment.amount, 65000)
        self.assertEqual(lease.amount, 50000)
