from odoo import fields, models


class EcontractContractTag(models.Model):
    _name = "econtract.contract.tag"
    _description = "Contract Tag"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    color = fields.Integer()
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", index=True)

    _sql_constraints = [("name_uniq", "unique(name, company_id)", "A tag name is used once.")]
