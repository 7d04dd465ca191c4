from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestEcontractModule(TransactionCase):
    def test_base_needs_neither_purchase_nor_employees(self):
        """A company without Purchase or Employees can install econtract_base alone.

        Those apps are reached through the bridges (purchase_econtract, hr_econtract,
        hr_contract_econtract), which install themselves when both sides are there.
        """
        modules = self.env["ir.module.module"]
        base = modules.search([("name", "=", "econtract_base")])
        upstream = set(base.upstream_dependencies(exclude_states=("uninstallable",)).mapped("name"))
        self.assertIn("mail", upstream)
        self.assertFalse(upstream & {"hr", "hr_contract", "purchase", "account", "stock"})
        for bridge in ("purchase_econtract", "hr_econtract", "hr_contract_econtract"):
            self.assertTrue(modules.search([("name", "=", bridge)]).auto_install, bridge)
