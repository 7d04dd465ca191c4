from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestEcontractContractTour(HttpCase):
    def test_user_creates_a_contract_in_the_web_client(self):
        user = new_test_user(
            self.env, login="ec_tour_user", groups="econtract_base.group_econtract_user"
        )
        supplier = self.env["res.partner"].create({"name": "Tour Supplier 深圳"})

        self.start_tour("/odoo", "econtract_contract_create_tour", login=user.login)

        contract = self.env["econtract.contract"].search([("user_id", "=", user.id)])
        self.assertEqual(len(contract), 1)
        self.assertEqual(contract.title, "办公设备采购合同 Office equipment")
        self.assertEqual(contract.contract_type, "purchase")
        self.assertEqual(contract.partner_ids, supplier)
        self.assertEqual(contract.amount, 123456.78)
        self.assertRegex(contract.name, r"^EC\d{4}-\d{5}$")
