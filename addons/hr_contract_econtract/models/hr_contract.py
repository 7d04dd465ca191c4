from odoo import _, fields, models
from odoo.exceptions import UserError


class HrContract(models.Model):
    _name = "hr.contract"
    _inherit = ["hr.contract", "econtract.source.mixin"]
    _econtract_type = "labor"
    _econtract_link_field = "hr_contract_id"

    econtract_ids = fields.One2many(
        "econtract.contract",
        "hr_contract_id",
        string="Labor Contracts",
        groups="econtract_base.group_econtract_user,econtract_base.group_econtract_auditor",
    )

    def _check_econtract_source(self):
        if not self.employee_id.work_contact_id:
            raise UserError(
                _("Employee %(name)s has no contact to sign with.", name=self.employee_id.name)
            )

    def _prepare_econtract_vals(self, template):
        vals = super()._prepare_econtract_vals(template)
        employee = self.employee_id
        if template.language == "zh_CN":
            title = f"劳动合同 {employee.name}"
        else:
            title = _("Employment Contract %(employee)s", employee=employee.name)
        vals.update(
            {
                "title": title,
                "partner_ids": [(6, 0, employee.work_contact_id.ids)],
                "department_id": self.department_id.id,
                "currency_id": self.currency_id.id,
                "amount": self.wage,
                "date_start": self.date_start,
                "date_end": self.date_end,
            }
        )
        return vals
