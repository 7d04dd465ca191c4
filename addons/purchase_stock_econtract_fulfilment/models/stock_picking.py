from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        result = super()._action_done()
        self._econtract_receive()
        return result

    def _econtract_receive(self):
        """Validated receipts fulfil the deliveries their orders' signed contracts plan."""
        receipts = self.filtered(lambda p: p.picking_type_code == "incoming" and p.state == "done")
        # sudo: whoever validates a receipt (a warehouse user) may read no contract; what
        # follows closes only the deliveries the receipts' own orders' contracts plan.
        orders = receipts.sudo().move_ids.purchase_line_id.order_id
        for contract in orders.econtract_ids.filtered(lambda c: c.state == "signed"):
            contract._fulfilment_receive()
