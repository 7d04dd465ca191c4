from odoo import _, api, fields, models
from odoo.exceptions import UserError


class HrContract(models.Model):
    _inherit = "hr.contract"

    econtract_ids = fields.One2many(
        "econtract.contract",
        "hr_contract_id",
        string="Labor Contracts",
        groups="econtract_base.group_econtract_user,econtract_base.group_econtract_auditor",
    )
    econtract_count = fields.Integer(
        string="Labor Contract Count",
        compute="_compute_econtract_count",
        groups="econtract_base.group_econtract_user,econtract_base.group_econtract_auditor",
    )

    @api.depends("econtract_ids")
    def _compute_econtract_count(self):
        for contract in self:
            contract.econtract_count = len(contract.econtract_ids)

    def _get_econtract_template(self):
        """The published labor template in the user's language, else any labor one.

        The ``econtract_language`` context key asks for a language explicitly.
        """
        self.ensure_one()
        wanted = self.env.context.get("econtract_language") or self.env.user.lang or ""
        language = "zh_CN" if wanted.startswith("zh") else "en_US"
        templates = self.env["econtract.template"].search(
            [
                ("contract_type", "=", "labor"),
                ("current_version_id", "!=", False),
                "|",
                ("company_id", "=", False),
                ("company_id", "=", self.company_id.id),
            ]
        )
        return templates.filtered(lambda t: t.language == language)[:1] or templates[:1]

    def _prepare_econtract_vals(self, template):
        self.ensure_one()
        employee = self.employee_id
        if template.language == "zh_CN":
            title = f"劳动合同 {employee.name}"
        else:
            title = _("Employment Contract %(employee)s", employee=employee.name)
        return {
            "title": title,
            "contract_type": "labor",
            "partner_ids": [(6, 0, employee.work_contact_id.ids)],
            "company_id": self.company_id.id,
            "department_id": self.department_id.id,
            "currency_id": self.currency_id.id,
            "amount": self.wage,
            "date_start": self.date_start,
            "date_end": self.date_end,
            "hr_contract_id": self.id,
            "res_model": self._name,
            "res_id": self.id,
            "template_version_id": template.current_version_id.id,
            "language": template.language,
        }

    def action_create_econtract(self):
        """Issue the labor contract of this employee contract from the labor template."""
        self.ensure_one()
        if not self.employee_id.work_contact_id:
            raise UserError(
                _("Employee %(name)s has no contact to sign with.", name=self.employee_id.name)
            )
        template = self._get_econtract_template()
        if not template:
            raise UserError(_("No published labor contract template is available to you."))
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
        action["domain"] = [("hr_contract_id", "=", self.id)]
        action["context"] = {}
        if len(self.econtract_ids) == 1:
            action.update(view_mode="form", views=[(False, "form")], res_id=self.econtract_ids.id)
        return action
