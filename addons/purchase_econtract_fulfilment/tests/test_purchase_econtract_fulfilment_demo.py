from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestPurchaseFulfilmentDemo(TransactionCase):
    """What `make run` shows: the Chinese company's purchase contract is signed and its
    order's terms are its plan."""

    def test_the_demo_purchase_contract_is_planned_from_its_order(self):
        order = self.env.ref(
            "purchase_econtract.purchase_order_xinghe_demo", raise_if_not_found=False
        )
        if not order:
            self.skipTest("installed without demo data")
        contract = order.econtract_ids
        self.assertEqual(contract.state, "signed")
        plan = contract.obligation_ids.filtered(lambda o: o.source == "purchase")
        payments = plan.filtered(lambda o: o.kind == "payment").sorted("id")
        self.assertEqual(payments.mapped("amount"), [10813.8, 25232.2])  # 30 %, the balance
        self.assertIn(order.name, payments[0].name)
        delivery = plan.filtered(lambda o: o.kind == "delivery")
        self.assertEqual(len(delivery), 1)
        self.assertEqual(delivery.amount, 36046.0)
