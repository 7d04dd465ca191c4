from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestFulfilmentDemo(TransactionCase):
    """What `make run` shows: the signed demo lease has a plan, its first rent overdue with
    its dunning letter."""

    def test_the_demo_lease_has_a_plan_and_an_overdue_rent_with_its_letter(self):
        lease = self.env.ref(
            "econtract_sign.econtract_contract_office_signed_demo", raise_if_not_found=False
        )
        if not lease:
            self.skipTest("installed without demo data")
        plan = lease.obligation_ids
        rent = plan.filtered(lambda o: o.source == "lease")
        self.assertEqual(len(rent), 8)  # two years of quarterly rent
        self.assertTrue(plan.filtered(lambda o: o.source == "clause"), "clauses read too")
        overdue = rent.sorted("date_due")[0]
        self.assertEqual(overdue.state, "overdue")
        letter = overdue.notice_ids.attachment_id
        self.assertEqual(len(letter), 1)
        self.assertTrue(letter.raw.startswith(b"%PDF"))
        self.assertIn("催款函", letter.name)
