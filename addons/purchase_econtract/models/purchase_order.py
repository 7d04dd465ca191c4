from odoo import _, api, fields, models
from odoo.exceptions import UserError


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    econtract_ids = fields.One2many(
        "econtract.contract",
        "purchase_order_id",
        string="Contracts",
        groups="econtract_base.group_econtract_user,econtract_base.group_econtract_auditor",
    )
    econtract_count = fields.Integer(
        string="Contract Count",
        compute="_compute_econtract_count",
        groups="econtract_base.group_econtract_user,econtract_base.group_econtract_auditor",
    )

    @api.depends("econtract_ids")
    def _compute_econtract_count(self):
        for order in self:
            order.econtract_count = len(order.econtract_ids)

    def _get_econtract_template(self):
        """The published purchase template in the user's language, else any purchase one.

        The ``econtract_language`` context key asks for a language explicitly.
        """
        self.ensure_one()
        wanted = self.env.context.get("econtract_language") or self.env.user.lang or ""
        language = "zh_CN" if wanted.startswith("zh") else "en_US"
        templates = self.env["econtract.template"].search(
            [
                ("contract_type", "=", "purchase"),
                ("current_version_id", "!=", False),
                "|",
                ("company_id", "=", False),
                ("company_id", "=", self.company_id.id),
            ]
        )
        return templates.filtered(lambda t: t.language == language)[:1] or templates[:1]

    def _prepare_econtract_vals(self, template):
        self.ensure_one()
        title = _("Purchase Contract %(order)s", order=self.name)
        if template.language == "zh_CN":
            title = f"采购合同 {self.name}"
        return {
            "title": title,
            "contract_type": "purchase",
            "partner_ids": [(6, 0, self.partner_id.ids)],
            "company_id": self.company_id.id,
            "currency_id": self.currency_id.id,
            "amount": self.amount_total,
            "date_start": fields.Date.context_today(self),
            "purchase_order_id": self.id,
            "res_model": self._name,
            "res_id": self.id,
            "template_version_id": template.current_version_id.id,
            "language": template.language,
        }

    def action_create_econtract(self):
        """Draft the purchase contract of this order from the purchase template, and open it."""
        self.ensure_one()
        template = self._get_econtract_template()
        if not template:
            raise UserError(_("No published purchase contract template is available to you."))
        contract = self.env["econtract.contract"].create(self._prepare_econtract_vals(template))
        contract.action_apply_template()
        return {
            "type": "ir.actions.act_window",
            "res_model": "econtract.contract",
            "res_id": contract.id,
            "view_mode": "form",
        }

    def action_view_econtracts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "econtract_base.econtract_contract_action"
        )
        action["domain"] = [("purchase_order_id", "=", self.id)]
        action["context"] = {}
        if len(self.econtract_ids) == 1:
            action.update(view_mode="form", views=[(False, "form")], res_id=self.econtract_ids.id)
        return action

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
