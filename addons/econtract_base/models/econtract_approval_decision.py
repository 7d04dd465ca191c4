from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .econtract_approval_request import DECISIONS
from .econtract_guard_mixin import in_engine


class EcontractApprovalDecision(models.Model):
    """The approval trail: one immutable line per decision, who took it for whom, when, on
    which content and document version.

    Only the engine writes lines (through ``sudo`` with a context flag, after checking the
    decision itself); nobody — administrators included — changes or deletes one through the
    ORM, the UI or RPC.
    """

    _name = "econtract.approval.decision"
    _description = "Approval Decision"
    _order = "decided_at, id"

    request_id = fields.Many2one(
        "econtract.approval.request", required=True, readonly=True, ondelete="restrict", index=True
    )
    res_model = fields.Char(related="request_id.res_model", store=True)
    res_id = fields.Many2oneReference(related="request_id.res_id", store=True)
    company_id = fields.Many2one(related="request_id.company_id", store=True)
    policy_id = fields.Many2one(related="request_id.policy_id", store=True)
    step_id = fields.Many2one("econtract.approval.step", readonly=True, ondelete="restrict")
    step_name = fields.Char(readonly=True)
    task_id = fields.Many2one("econtract.approval.task", readonly=True, ondelete="set null")
    user_id = fields.Many2one("res.users", string="Decided By", required=True, readonly=True)
    on_behalf_of_id = fields.Many2one(
        "res.users",
        string="On Behalf Of",
        readonly=True,
        help="The approver, when a delegate decided.",
    )
    decision = fields.Selection(DECISIONS, required=True, readonly=True)
    comment = fields.Text(readonly=True)
    decided_at = fields.Datetime(
        required=True, readonly=True, default=fields.Datetime.now, index=True
    )
    content_hash = fields.Char(readonly=True)
    document_sha256 = fields.Char(string="Document SHA-256", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        if not in_engine():
            raise UserError(_("Approval decisions are recorded by approving, not created."))
        for vals in vals_list:
            if vals.get("step_id") and not vals.get("step_name"):
                vals["step_name"] = self.env["econtract.approval.step"].browse(vals["step_id"]).name
        return super().create(vals_list)

    def write(self, vals):
        if vals:
            raise UserError(_("The approval trail never changes."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_trail(self):
        raise UserError(_("The approval trail is never deleted."))

    @api.constrains("decision", "comment")
    def _check_comment(self):
        for line in self:
            if line.decision in ("rejected", "changes") and not (line.comment or "").strip():
                raise ValidationError(_("A rejection or a request for changes needs a comment."))


class EcontractApprovalDelegation(models.Model):
    """An approver's stand-in for a date range (a holiday): the delegate decides in their
    place, and the trail records both."""

    _name = "econtract.approval.delegation"
    _description = "Approval Delegation"
    _order = "date_from desc, id desc"

    user_id = fields.Many2one(
        "res.users",
        string="Approver",
        required=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        index=True,
    )
    delegate_id = fields.Many2one(
        "res.users", string="Delegate", required=True, domain="[('share', '=', False)]"
    )
    date_from = fields.Date(string="From", required=True, default=fields.Date.context_today)
    date_to = fields.Date(string="Until", required=True, help="The last day included.")
    note = fields.Char()
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("dates", "CHECK (date_to >= date_from)", "A delegation ends on or after its start."),
        ("not_self", "CHECK (user_id != delegate_id)", "Nobody delegates to themselves."),
    ]

    def write(self, vals):
        # Record rules look at the old values only: without this, a user could hand their
        # own delegation to an approver and so stand in for them.
        if (
            "user_id" in vals
            and not self.env.user.has_group("econtract_base.group_econtract_manager")
            and any(delegation.user_id.id != vals["user_id"] for delegation in self)
        ):
            raise AccessError(_("A delegation stays the approver's own: only a manager moves it."))
        return super().write(vals)

    @api.constrains("user_id", "date_from", "date_to", "active")
    def _check_overlap(self):
        for delegation in self.filtered("active"):
            # sudo: the approver's other delegations count, whoever records this one.
            clash = self.sudo().search_count(
                [
                    ("id", "!=", delegation.id),
                    ("user_id", "=", delegation.user_id.id),
                    ("date_from", "<=", delegation.date_to),
                    ("date_to", ">=", delegation.date_from),
                ]
            )
            if clash:
                raise ValidationError(
                    _(
                        "%(user)s already delegates on some of these days.",
                        user=delegation.user_id.name,
                    )
                )

    @api.model
    def _delegate_of(self, user, when):
        """The user standing in for ``user`` at ``when`` (a UTC datetime), or nobody.

        The day is the approver's own (their time zone): a delegation "until 5 May" covers
        5 May to midnight where they are.
        """
        day = fields.Date.context_today(self.with_context(tz=user.tz or "UTC"), when)
        # sudo: who stands in for an approver is needed by whoever routes their tasks.
        found = self.sudo().search(
            [
                ("user_id", "=", user.id),
                ("date_from", "<=", day),
                ("date_to", ">=", day),
            ],
            limit=1,
        )
        return found.delegate_id
