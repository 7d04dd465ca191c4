from odoo import fields, models


class HrDepartment(models.Model):
    _inherit = "hr.department"

    econtract_archive_code = fields.Char(
        string="Archive Code",
        help="The department's code in archive numbers ({department}); its name when empty.",
    )
