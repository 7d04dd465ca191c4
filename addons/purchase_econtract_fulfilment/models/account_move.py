from odoo import Command, models

from odoo.addons.econtract_base.models.econtract_guard_mixin import engine
from odoo.addons.econtract_fulfilment.models.econtract_obligation import OPEN


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft)
        posted.filtered(lambda m: m.move_type == "in_invoice")._econtract_link_obligations()
        return posted

    def button_draft(self):
        result = super().button_draft()
        self._econtract_unlink_obligations()
        return result

    def button_cancel(self):
        result = super().button_cancel()
        self._econtract_unlink_obligations()
        return result

    def _econtract_unlink_obligations(self):
        """A bill reset or cancelled no longer pays nor dates the open installments it was
        linked to (posted again, it is linked again, with its new date)."""
        # sudo: as for linking; whoever resets the bill may read no contract.
        linked = (
            self.env["econtract.obligation"]
            .sudo()
            .search(
                [("move_ids", "in", self.ids), ("state", "in", OPEN), ("source", "=", "purchase")]
            )
        )
        for obligation in linked:
            gone = obligation.move_ids & self
            with engine():
                obligation.write({"move_ids": [Command.unlink(move.id) for move in gone]})
            obligation._ledger_log(
                "invoice_unlinked", {"invoices": gone.mapped("name"), "state": gone[:1].state}
            )
            if obligation.state != "overdue" and obligation.due_event == "invoice":
                obligation._engine_write({"event_date": False, "date_due": False})
                obligation._resolve_from_events()

    def _econtract_link_obligations(self):
        """Each posted bill of a purchase order pays the open installments its signed
        contracts plan: it is linked to them (an evidence event), and their due dates
        count from its date."""
        # sudo: whoever posts the bill (an accountant) may read no contract; the link is
        # the engine's, made only between a bill and the plan of its own order's contract.
        for bill in self.sudo():
            orders = bill.invoice_line_ids.purchase_line_id.order_id
            installments = (
                orders.econtract_ids.filtered(lambda c: c.state == "signed")
                .obligation_ids.filtered(lambda o: o._purchase_installment() and o.state in OPEN)
                .filtered_domain(
                    [
                        ("move_ids", "not in", bill.ids),
                        ("company_id", "=", bill.company_id.id),
                        ("partner_id.commercial_partner_id", "=", bill.commercial_partner_id.id),
                    ]
                )
            )
            if not installments:
                continue
            with engine():
                installments.write({"move_ids": [Command.link(bill.id)]})
            installments._ledger_log(
                "invoice_linked",
                {
                    "invoice": bill.name,
                    "invoice_date": bill.invoice_date.isoformat() if bill.invoice_date else None,
                    "amount": f"{bill.amount_total:.{bill.currency_id.decimal_places}f}",
                    "currency": bill.currency_id.name,
                },
            )
            installments.filtered(lambda o: not o.event_date)._resolve_from_events()
