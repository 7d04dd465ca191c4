from odoo import fields, models


class EcontractContract(models.Model):
    _inherit = "econtract.contract"

    purchase_order_id = fields.Many2one(
        "purchase.order",
        string="Purchase Order",
        index="btree_not_null",
        readonly=True,
        copy=False,
        tracking=True,
        check_company=True,
    )

    def _get_source_record(self):
        self.ensure_one()
        return self.purchase_order_id or super()._get_source_record()
