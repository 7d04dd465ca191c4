from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.safe_eval import safe_eval

from .econtract_contract import CONTRACT_TYPES


def _parse_domain(model, text, message):
    """The domain in ``text``, checked against ``model``; ``message`` names what is wrong."""
    try:
        domain = safe_eval(text or "[]")
        model._where_calc(domain)
    except Exception as error:
        raise ValidationError(
            model.env._("%(message)s %(error)s", message=message, error=error)
        ) from error
    return domain


class EcontractApprovalPolicy(models.Model):
    """Who approves what: conditions that select the policy, and its ordered steps.

    Exactly one active policy may apply to a submitted record: the one with the highest
    priority among those whose conditions hold. Two at that priority is a configuration error
    the submitter is told about, as is none at all.
    """

    _name = "econtract.approval.policy"
    _description = "Approval Policy"
    _order = "priority desc, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    res_model = fields.Selection(
        selection="_selection_res_model",
        string="Applies To",
        required=True,
        default="econtract.contract",
    )
    priority = fields.Integer(
        default=10, help="Among the policies that apply, the one with the highest priority wins."
    )
    company_id = fields.Many2one(
        "res.company", help="Only for records of this company; empty: every company."
    )
    contract_type = fields.Selection(CONTRACT_TYPES, help="Only for contracts of this type.")
    tag_ids = fields.Many2many(
        "econtract.contract.tag", string="Tags", help="Only for contracts with one of these tags."
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        help="The currency of the amount range; amounts in other currencies are converted at "
        "the rate of the record's date.",
    )
    amount_min = fields.Monetary(string="Amount From", currency_field="currency_id")
    amount_max = fields.Monetary(
        string="Amount Up To", currency_field="currency_id", help="Empty (zero): no upper limit."
    )
    domain = fields.Char(
        string="Other Conditions",
        default="[]",
        help="A domain on the record; the policy applies only to records it matches.",
    )
    step_ids = fields.One2many("econtract.approval.step", "policy_id", string="Steps", copy=True)
    note = fields.Html(translate=True)

    _sql_constraints = [
        (
            "amount_range",
            "CHECK (amount_max IS NULL OR amount_max = 0 OR amount_max >= amount_min)",
            "The upper amount must not be below the lower one.",
        ),
    ]

    @api.model
    def _selection_res_model(self):
        children = self.env.registry["econtract.approval.mixin"]._inherit_children
        names = sorted(name for name in children if not self.env[name]._abstract)
        return [(name, self.env[name]._description) for name in names]

    @api.constrains("domain", "res_model")
    def _check_domain(self):
        for policy in self:
            policy._parsed_domain()

    def _parsed_domain(self):
        self.ensure_one()
        return _parse_domain(
            self.env[self.res_model],
            self.domain,
            _("Policy %(name)s: the conditions are not a valid domain.", name=self.name),
        )

    def _applies_to(self, record):
        """Whether every condition of this policy holds for ``record``."""
        self.ensure_one()
        if self.company_id and record._approval_company() != self.company_id:
            return False
        if (self.amount_min or self.amount_max) and not self._amount_in_range(record):
            return False
        domain = self._parsed_domain()
        if domain and not record.filtered_domain(domain):
            return False
        return record._approval_policy_matches(self)

    def _check_routable(self, record):
        """Refuse, before anything is written, a submission some step could not route."""
        self.ensure_one()
        for step in self.step_ids:
            if step._applies_to(record) and not step._resolve_approvers(record):
                raise UserError(
                    _(
                        "Step %(step)s of policy %(policy)s finds nobody to approve %(name)s.",
                        step=step.name,
                        policy=self.name,
                        name=record.display_name,
                    )
                )

    def _amount_in_range(self, record):
        amount = record._approval_amount_in(self.currency_id)
        if self.currency_id.compare_amounts(amount, self.amount_min) < 0:
            return False
        return not self.amount_max or self.currency_id.compare_amounts(amount, self.amount_max) <= 0


class EcontractApprovalStep(models.Model):
    """One step of a policy: who approves, how many of them must, and when it applies."""

    _name = "econtract.approval.step"
    _description = "Approval Step"
    _order = "policy_id, sequence, id"

    policy_id = fields.Many2one(
        "econtract.approval.policy", required=True, ondelete="cascade", index=True
    )
    res_model = fields.Selection(related="policy_id.res_model")
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    mode = fields.Selection(
        [
            ("sequential", "Sequential: one after another"),
            ("countersign", "Countersign (会签): all of them"),
            ("or_sign", "Or-sign (或签): any one of them"),
        ],
        required=True,
        default="sequential",
    )
    approver_type = fields.Selection(
        [
            ("users", "These users"),
            ("group", "Members of a group"),
            ("field", "A field of the record"),
        ],
        string="Approvers",
        required=True,
        default="users",
    )
    user_ids = fields.Many2many("res.users", string="Users", domain="[('share', '=', False)]")
    group_id = fields.Many2one("res.groups", string="Group")
    field_id = fields.Many2one(
        "ir.model.fields",
        string="Field",
        domain="[('model', '=', res_model), ('relation', '=', 'res.users'), "
        "('ttype', 'in', ('many2one', 'many2many'))]",
        ondelete="cascade",
    )
    condition_amount_min = fields.Monetary(
        string="Only From Amount",
        currency_field="currency_id",
        help="The step applies only when the record's amount, converted into the policy's "
        "currency, is at least this.",
    )
    currency_id = fields.Many2one(related="policy_id.currency_id")
    condition_domain = fields.Char(
        string="Only When", default="[]", help="A domain on the record; empty: always."
    )
    deadline_hours = fields.Integer(
        string="Deadline (Hours)", help="Hours each approver has; zero: no deadline."
    )
    escalation = fields.Selection(
        [
            ("notify", "Notify and add the escalation approver"),
            ("reject", "Reject automatically"),
        ],
        default="notify",
        help="What happens when the deadline passes.",
    )
    escalation_user_id = fields.Many2one(
        "res.users", string="Escalate To", domain="[('share', '=', False)]"
    )

    @api.constrains("approver_type", "user_ids", "group_id", "field_id")
    def _check_approvers(self):
        for step in self:
            missing = {
                "users": not step.user_ids,
                "group": not step.group_id,
                "field": not step.field_id,
            }.get(step.approver_type)
            if missing:
                raise ValidationError(_("Step %(name)s: say who approves.", name=step.name))

    @api.constrains("deadline_hours", "escalation", "escalation_user_id")
    def _check_escalation(self):
        for step in self:
            if step.deadline_hours < 0:
                raise ValidationError(_("A deadline cannot be negative."))
            if step.deadline_hours and step.escalation == "notify" and not step.escalation_user_id:
                raise ValidationError(
                    _("Step %(name)s: name the user it escalates to.", name=step.name)
                )

    @api.constrains("condition_domain")
    def _check_condition_domain(self):
        for step in self:
            step._parsed_condition()

    def _parsed_condition(self):
        self.ensure_one()
        return _parse_domain(
            self.env[self.policy_id.res_model],
            self.condition_domain,
            _("Step %(name)s: the condition is not a valid domain.", name=self.name),
        )

    def _applies_to(self, record):
        self.ensure_one()
        if self.condition_amount_min:
            amount = record._approval_amount_in(self.currency_id)
            if self.currency_id.compare_amounts(amount, self.condition_amount_min) < 0:
                return False
        domain = self._parsed_condition()
        return not domain or bool(record.filtered_domain(domain))

    def _resolve_approvers(self, record):
        """The users who approve this step for ``record``, in their listed order."""
        self.ensure_one()
        if self.approver_type == "users":
            users = self.user_ids
        elif self.approver_type == "group":
            users = self.group_id.users.sorted("id")
        elif self.approver_type == "field":
            users = record.sudo()[self.field_id.name]  # sudo: the field's value, not the user
        else:
            users = record._approval_resolve_approvers(self)
        return users.filtered(lambda user: user.active and not user.share)
