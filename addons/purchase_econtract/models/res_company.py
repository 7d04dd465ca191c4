from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    econtract_po_signed_above = fields.Monetary(
        string="Signed Contract Required Above",
        currency_field="currency_id",
        help="A purchase order with a larger total can be confirmed only once its contract "
        "is signed. Zero turns the rule off.",
    )
