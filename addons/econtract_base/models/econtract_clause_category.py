from odoo import fields, models


class EcontractClauseCategory(models.Model):
    _name = "econtract.clause.category"
    _description = "Clause Category"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
