from odoo import _, models
from odoo.tools import float_compare

from odoo.addons.econtract_base.models.econtract_guard_mixin import lock_rows
from odoo.addons.econtract_fulfilment.models.econtract_obligation import OPEN


class EcontractContract(models.Model):
    _inherit = "econtract.contract"

    def _fulfilment_purchase_delivery_mode(self):
        super()._fulfilment_purchase_delivery_mode()
        return "receipt"

    def _fulfilment_plan_purchase(self, texts=None):
        planned = super()._fulfilment_plan_purchase(texts)
        if planned:
            self._fulfilment_receive()  # goods received before the contract was signed
        return planned

    def _fulfilment_received(self, line):
        """``(quantity, receipts)``: what the supplier brought of order line ``line`` in
        its product's unit, counted from done moves of this company's receipts out of a supplier
        location, less what went back to a supplier; whatever else points at the line (an
        internal transfer, another company's picking) brings nothing."""
        quantity = 0.0
        receipts = self.env["stock.picking"]
        product = line.product_id
        for move in line.move_ids.filtered(
            lambda m: (
                m.state == "done" and m.company_id == self.company_id and m.product_id == product
            )  # not a kit's components
        ):
            done = move.product_uom._compute_quantity(move.quantity, product.uom_id)
            if (
                move.location_id.usage == "supplier"
                and move.picking_id.picking_type_code == "incoming"
            ):
                quantity += done
                receipts |= move.picking_id
            elif move.location_dest_id.usage == "supplier":
                quantity -= done
        return quantity, receipts

    def _fulfilment_receive(self):
        """Deliveries whose order lines have all been received, in the quantities signed,
        are done; once all are, the contract's delivery happened on the day of the last
        receipt. Serialised per contract: two receipts validated at once see each other."""
        self.ensure_one()
        if self.state != "signed":  # a cancelled contract's plan is not worked
            return self.env["econtract.obligation"]
        # Two receipts of the order validated at once: the second waits here, and the
        # evidence log's head (updated by each fulfilment) makes it retry on what the first
        # committed, so the last one sees every delivery done.
        lock_rows(self)
        deliveries = self.obligation_ids.filtered(
            lambda o: o.source == "purchase" and o.kind == "delivery"
        )
        closed = self.env["econtract.obligation"]
        for obligation in deliveries.filtered(
            lambda o: o.state in OPEN and o.fulfil_mode == "receipt"
        ):
            # sudo: the order lines of the contract's own order, as signed.
            signed = obligation.sudo().purchase_quantities or {}
            lines = obligation.sudo().purchase_line_ids
            receipts = self.env["stock.picking"]
            complete = bool(lines) and set(signed) == {str(line.id) for line in lines}
            for line in lines if complete else ():
                quantity, brought = self._fulfilment_received(line)
                rounding = line.product_id.uom_id.rounding
                if float_compare(quantity, signed[str(line.id)], precision_rounding=rounding) < 0:
                    complete = False
                    break
                receipts |= brought
            if not complete or not receipts:
                continue
            day = max(self.company_id._econtract_date(picking.date_done) for picking in receipts)
            names = receipts.sorted("date_done").mapped("name")
            obligation._close(
                "done",
                {
                    "done_date": day,
                    "done_note": _("Received: %(receipts)s", receipts=", ".join(names)),
                },
                "fulfilled",
                {"via": "receipt", "receipts": names},
            )
            closed |= obligation
        if closed and not deliveries.filtered(lambda o: o.state in OPEN):
            done = deliveries.filtered(lambda o: o.state == "done")
            # sudo: the name of the contract's own order, for the event's note.
            order = self.purchase_order_id.sudo()
            self._fulfilment_record_event(
                "delivery",
                max(done.mapped("done_date")),
                _("Received in full: %(order)s", order=order.name),
            )
        return closed
