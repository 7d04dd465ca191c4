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
