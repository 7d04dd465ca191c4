from odoo import _, fields, models
from odoo.exceptions import UserError


class PurchaseOrder(models.Model):
    _name = "purchase.order"
    _inherit = ["purchase.order", "econtract.source.mixin"]
    _econtract_type = "purchase"
    _econtract_link_field = "purchase_order_id"

    econtract_ids = fields.One2many(
        "econtract.contract",
        "purchase_order_id",
        string="Contracts",
        groups="econtract_base.group_econtract_user,econtract_base.group_econtract_auditor",
    )

    def _prepare_econtract_vals(self, template):
        vals = super()._prepare_econtract_vals(template)
        if template.language == "zh_CN":
            title = f"采购合同 {self.name}"
        else:
            title = _("Purchase Contract %(order)s", order=self.name)
        vals.update(
            {
                "title": title,
                "partner_ids": [(6, 0, self.partner_id.ids)],
                "currency_id": self.currency_id.id,
                "amount": self.amount_total,
                "date_start": fields.Date.context_today(self),
            }
        )
        return vals

    def button_confirm(self):
        self._check_econtract_signed()
        return super().button_confirm()

    def _check_econtract_signed(self):
        for order in self:
            company = order.company_id
            threshold = company.econtract_po_signed_above
            if not threshold:
                continue
            total = order.currency_id._convert(
                order.amount_total,
                company.currency_id,
                company,
                order.date_order or fields.Date.context_today(order),
            )
            if company.currency_id.compare_amounts(total, threshold) <= 0:
                continue
            # Purchase users may not read contracts, yet an unsigned one must still stop
            # them: read only whether a signed contract exists.
            if not any(contract._is_signed() for contract in order.sudo().econtract_ids):
                raise UserError(
                    _(
                        "Purchase order %(order)s (%(amount)s) is above %(threshold)s: it can be "
                        "confirmed only once its contract is signed.",
                        order=order.name,
                        amount=order.currency_id.format(order.amount_total),
                        threshold=company.currency_id.format(threshold),
                    )
                )
