import datetime

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestLifecycleDemo(TransactionCase):
    """`make run`'s data: one contract amended, one renewed, one terminated — signed."""

    def setUp(self):
        super().setUp()
        lease = self.env.ref("econtract_sign.econtract_contract_office_signed_demo", False)
        if not lease or lease.state != "signed":
            self.skipTest("installed without demo data or without the development PKI")

    def test_amended(self):
        lease = self.env.ref("econtract_sign.econtract_contract_office_signed_demo")
        self.assertEqual(lease.revision_id.version, 2)
        amendment = lease.revision_id.source_contract_id
        self.assertEqual(amendment.origin_kind, "amendment")
        self.assertEqual(amendment.state, "signed")
        self.assertEqual(lease.effective_amount, lease.amount + 14400)
        self.assertIn("车位", [c["title"] for c in lease.revision_id.clauses])

    def test_renewed(self):
        cleaning = self.env.ref("econtract_lifecycle.econtract_contract_cleaning_demo")
        renewal = cleaning.renewal_ids
        self.assertEqual(renewal.state, "signed")
        self.assertEqual(cleaning.renewal_chain_ids, cleaning | renewal)
        self.assertEqual(renewal.date_start, cleaning.date_end + datetime.timedelta(days=1))

    def test_terminated(self):
        maintenance = self.env.ref("econtract_lifecycle.econtract_contract_maintenance_demo")
        self.assertEqual(maintenance.term_state, "terminated")
        self.assertEqual(maintenance.termination_ids.state, "signed")
        self.assertTrue(maintenance.termination_reason)
