from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class EcontractApprovalWizard(models.TransientModel):
    """Approve, reject or request changes, with the comment the decision needs."""

    _name = "econtract.approval.wizard"
    _description = "Approval Decision"

    res_model = fields.Char(required=True)
    res_id = fields.Integer(required=True)
    task_id = fields.Many2one(
        "econtract.approval.task",
        required=True,
        help="The task the form showed: a decision on a task closed since is refused.",
    )
    decision = fields.Selection(
        [("approved", "Approve"), ("rejected", "Reject"), ("changes", "Request Changes")],
        required=True,
    )
    comment = fields.Text()
    comment_required = fields.Boolean(compute="_compute_comment_required")

    @api.depends("decision")
    def _compute_comment_required(self):
        for wizard in self:
            wizard.comment_required = wizard.decision in ("rejected", "changes")

    def action_confirm(self):
        self.ensure_one()
        if self.res_model not in self.env.registry["econtract.approval.mixin"]._inherit_children:
            raise UserError(_("%(model)s records are not approved here.", model=self.res_model))
        record = self.env[self.res_model].browse(self.res_id)
        if record.approval_task_id != self.task_id:
            raise UserError(
                _(
                    "The approval of %(name)s moved on since you opened it; reload the page.",
                    name=record.display_name,
                )
            )
        record._approval_decide(self.decision, self.comment)
        return {"type": "ir.actions.act_window_close"}


class EcontractApprovalReportWizard(models.TransientModel):
    """The approval audit report of every contract submitted within a period."""

    _name = "econtract.approval.report.wizard"
    _description = "Approval Audit Report"

    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True, default=fields.Date.context_today)

    def action_print(self):
        self.ensure_one()
        if self.date_to < self.date_from:
            raise UserError(_("The period ends before it starts."))
        requests = self.env["econtract.approval.request"].search(
            [
                ("res_model", "=", "econtract.contract"),
                ("submitted_at", ">=", fields.Datetime.to_datetime(self.date_from)),
                (
                    "submitted_at",
                    "<",
                    fields.Datetime.to_datetime(self.date_to) + relativedelta(days=1),
                ),
            ]
        )
        contracts = self.env["econtract.contract"].browse(requests.mapped("res_id")).exists()
        contracts = contracts._filtered_access("read")
        if not contracts:
            raise UserError(
                _("No contract you may read was submitted for approval in this period.")
            )
        return {
            "type": "ir.actions.act_url",
            "url": f"/econtract/approval/report?ids={','.join(map(str, contracts.ids))}"
            f"&date_from={self.date_from}&date_to={self.date_to}",
            "target": "self",
        }
