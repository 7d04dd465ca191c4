from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.econtract_base.models.econtract_guard_mixin import in_engine

from econtract.extract import Due


def _term_delays(env):
    return env["account.payment.term.line"]._fields["delay_type"].selection


class EcontractObligation(models.Model):
    _inherit = "econtract.obligation"

    payment_term_id = fields.Many2one(
        "account.payment.term",
        string="Payment Terms",
        readonly=True,
        ondelete="set null",
        help="The order's payment terms this installment was planned from.",
    )
    term_delay_type = fields.Selection(
        lambda self: _term_delays(self.env),
        string="Counted As",
        readonly=True,
        help="How the payment terms count this installment from the bill's date, as they "
        "stood when the contract was signed (days after, after the end of the month, the "
        "next month's day).",
    )
    term_days_next_month = fields.Char(readonly=True)
    purchase_line_ids = fields.Many2many(
        "purchase.order.line",
        string="Order Lines",
        readonly=True,
        groups="purchase.group_purchase_user",
        help="The order lines this delivery brings.",
    )
    purchase_quantities = fields.Json(
        readonly=True,
        groups="purchase.group_purchase_user",
        help="``{order line id: quantity}`` as signed: what the receipts must bring, "
        "whatever the order says later.",
    )

    def _purchase_installment(self):
        """An installment we owe of a purchase order, settled by the order's bills."""
        self.ensure_one()
        return (
            self.source == "purchase"
            and self.kind == "payment"
            and self.debtor == "us"
            and self.fulfil_mode == "invoice"
        )

    def _guard_check_write(self, vals):
        result = super()._guard_check_write(vals)
        if "move_ids" in vals and not in_engine():
            installments = self.filtered(lambda o: o._purchase_installment())
            if installments:
                raise UserError(
                    _(
                        "%(name)s is paid by the bills of its purchase order: they are linked "
                        "when they are posted.",
                        name=installments[0].display_name,
                    )
                )
        return result

    @api.depends(
        "move_ids.amount_residual", "move_ids.amount_total", "move_ids.commercial_partner_id"
    )
    def _compute_invoice_paid(self):
        """An installment is paid once what has been paid on the order's bills covers it
        and every installment before it: a bill pays the order as a whole, and its
        payments settle the installments in order."""
        installments = self.filtered(lambda o: o._purchase_installment())
        result = super(EcontractObligation, self - installments)._compute_invoice_paid()
        for contract, mine in installments.grouped("contract_id").items():
            siblings = contract.obligation_ids.filtered(
                lambda o: o._purchase_installment() and o.state != "waived"
            ).sorted("id")
            paid = contract._fulfilment_paid_on_bills(siblings.move_ids)
            currency = contract.currency_id
            covered = set()
            cumulative = 0.0
            for obligation in siblings:
                cumulative += obligation.amount
                if obligation.move_ids and currency.compare_amounts(cumulative, paid) <= 0:
                    covered.add(obligation.id)
            for obligation in mine:
                obligation.invoice_paid = obligation.id in covered
        return result

    @api.constrains("move_ids", "source")
    def _check_purchase_moves(self):
        """A purchase obligation is paid by bills of its own order only, however its mode
        was set when they were linked."""
        for obligation in self.filtered(lambda o: o.source == "purchase" and o.move_ids):
            # sudo: the order of the contract and the lines of the bills linked to it.
            order = obligation.contract_id.sudo().purchase_order_id
            for move in obligation.move_ids.sudo():
                if order not in move.invoice_line_ids.purchase_line_id.order_id:
                    raise ValidationError(
                        _(
                            "%(move)s is not a bill of %(order)s.",
                            move=move.display_name,
                            order=order.name,
                        )
                    )

    def write(self, vals):
        result = super().write(vals)
        if vals.get("state") == "waived" or {"amount", "debtor", "kind", "fulfil_mode"} & set(vals):
            # An installment's share or waiver moves what the payments cover of the others;
            # recomputed for purchase contracts only (the daily scan's due and overdue moves
            # change nothing of it).
            contracts = self.filtered(lambda o: o.source == "purchase").contract_id
            siblings = contracts.obligation_ids.filtered(lambda o: o._purchase_installment())
            if siblings:
                self.env.add_to_compute(self._fields["invoice_paid"], siblings)
        return result

    def _due_from(self, happened):
        """An installment counts from the bill's date as its payment terms did when the
        contract was signed (end of month, next month's day), with the offset it now has."""
        self.ensure_one()
        if not (
            self.term_delay_type
            and self.due_event == "invoice"
            and (self.due_unit or "days") == "days"
        ):
            return super()._due_from(happened)
        rule = self.env["account.payment.term.line"].new(
            {
                "delay_type": self.term_delay_type,
                "nb_days": self.due_offset,
                "days_next_month": self.term_days_next_month or "10",
            }
        )
        return Due(rule._get_due_date(happened))
