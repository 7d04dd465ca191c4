from odoo import fields, models


class EcontractApprovalStep(models.Model):
    _inherit = "econtract.approval.step"

    approver_type = fields.Selection(
        selection_add=[
            ("manager", "The owner's manager"),
            ("department_manager", "The department's manager"),
        ],
        ondelete={"manager": "set default", "department_manager": "set default"},
    )


class EcontractApprovalPolicy(models.Model):
    _inherit = "econtract.approval.policy"

    department_ids = fields.Many2many(
        "hr.department",
        string="Departments",
        help="Only for contracts of these departments (or their sub-departments).",
    )
