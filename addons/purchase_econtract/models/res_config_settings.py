from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    econtract_po_signed_above = fields.Monetary(
        related="company_id.econtract_po_signed_above",
        currency_field="company_currency_id",
        readonly=False,
    )
