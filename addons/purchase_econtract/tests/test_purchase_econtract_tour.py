from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPurchaseEcontractTour(HttpCase):
    def test_contract_from_a_purchase_order_and_its_pdf(self):
        self.env.ref("base.CNY").active = True
        self.env["res.lang"]._activate_lang("zh_CN")
        buyer = new_test_user(
            self.env,
            login="pe_tour_buyer",
            groups="purchase.group_purchase_user,econtract_base.group_econtract_user",
            lang="zh_CN",
        )
        product = self.env["product.product"].create({"name": "激光打印机"})
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.env["res.partner"].create({"name": "广州办公设备有限公司"}).id,
                "currency_id": self.env.ref("base.CNY").id,
                "user_id": buyer.id,
                "order_line": [
                    (0, 0, {"product_id": product.id, "product_qty": 3, "price_unit": 2999})
                ],
            }
        )
        url = f"/odoo/action-purchase.purchase_rfq/{order.id}"

        self.start_tour(url, "purchase_econtract_tour", login=buyer.login)

        contract = order.econtract_ids
        self.assertEqual(len(contract), 1)
        self.assertEqual(len(contract.document_ids), 1)
        self.assertGreaterEqual(contract.document_ids.page_count, 1)
