from odoo import api, models


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    @api.model
    def _econtract_fulfilment_demo_confirm(self):
        """Demo data: the Chinese company's order, whose contract is signed, confirmed into
        its own warehouse (Inventory gives one to the first company only, and the order was
        made before it chose a receipt type)."""
        order = self.env.ref("purchase_econtract.purchase_order_xinghe_demo")
        if order.state not in ("draft", "sent") or not order.econtract_ids.filtered(
            lambda c: c.state == "signed"
        ):
            return order
        company = order.company_id
        if not self.env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1):
            self.env["stock.warehouse"].create(
                {
                    "name": "星河仓库",
                    "code": "XH",
                    "company_id": company.id,
                    "partner_id": company.partner_id.id,
                }
            )
        order.picking_type_id = self._get_picking_type(company.id)
        order.with_company(company).button_confirm()
        return order
