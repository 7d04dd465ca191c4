from odoo import fields, models


class EcontractContract(models.Model):
    _inherit = "econtract.contract"

    hr_contract_id = fields.Many2one(
        "hr.contract",
        string="Employee Contract",
        index="btree_not_null",
        readonly=True,
        copy=False,
        tracking=True,
        check_company=True,
    )

    def _get_source_record(self):
        self.ensure_one()
        return self.hr_contract_id or super()._get_source_record()
