from odoo import api, fields, models


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

    @api.model
    def _guard_creatable(self):
        # The source is chosen once, when the contract is drafted from it.
        return super()._guard_creatable() | {"hr_contract_id"}

    def _get_source_record(self):
        self.ensure_one()
        return self.hr_contract_id or super()._get_source_record()
