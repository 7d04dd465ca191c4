from odoo import Command, models

from odoo.addons.econtract_base.models.econtract_guard_mixin import engine
from odoo.addons.econtract_fulfilment.models.econtract_obligation import OPEN


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft)
        posted.filtered(lambda m: m.move_type == "in_invoice")._econtract_link_obligations()
        return posted

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
