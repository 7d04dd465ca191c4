from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_datetime

from .econtract_guard_mixin import clean


class EcontractApprovalMixin(models.AbstractModel):
    """Approval by policies and steps for any model, wired by class attributes and hooks.

    Configure with ``_approval_amount_field``, ``_approval_currency_field``,
    ``_approval_date_field`` and ``_approval_company_field``; override the hooks:

    - `_approval_check_submittable` — refuse records that are not ready;
    - `_approval_content_hash` — what "the content" is: a decision on a record whose hash
      changed since submission is refused;
    - `_approval_document_sha256` — the document version under approval (given the content
      hash just taken), if any;
    - `_approval_on_submitted`, `_approval_on_approved`, `_approval_on_rejected` — move the
      record's own state;
    - `_approval_policy_matches`, `_approval_resolve_approvers` — conditions and approver
      sources that only this model knows.
    """

    _name = "econtract.approval.mixin"
    _description = "Approval Mixin"

    _approval_amount_field = "amount"
    _approval_currency_field = "currency_id"
    _approval_date_field = None
    _approval_company_field = "company_id"
    _approval_owner_field = "user_id"

    approval_request_ids = fields.One2many(
        "econtract.approval.request",
        "res_id",
        string="Approvals",
        domain=lambda self: [("res_model", "=", self._name)],
        readonly=True,
    )
    approval_request_id = fields.Many2one(
        "econtract.approval.request",
        string="Current Approval",
        compute="_compute_approval_request_id",
    )
    approval_decision_ids = fields.One2many(
        "econtract.approval.decision",
        "res_id",
        string="Approval Trail",
        domain=lambda self: [("res_model", "=", self._name)],
        readonly=True,
    )
    approval_task_id = fields.Many2one(
        "econtract.approval.task",
        string="My Approval Task",
        compute="_compute_approval_task_id",
        help="The pending task the current user may decide, if any.",
    )

    @api.depends("approval_request_ids.state")
    def _compute_approval_request_id(self):
        for record in self:
            record.approval_request_id = record.approval_request_ids.sorted("id")[-1:]

    @api.depends_context("uid")
    @api.depends("approval_request_ids.task_ids.state")
    def _compute_approval_task_id(self):
        user = self.env.user
        for record in self:
            request = record.approval_request_id
            tasks = request.task_ids.filtered(
                lambda task: task.state == "pending" and task._acting_for(user)
            )
            record.approval_task_id = tasks[:1]

    # Configuration hooks ---------------------------------------------------------------

    def _approval_company(self):
        self.ensure_one()
        return self[self._approval_company_field] if self._approval_company_field else False

    def _approval_amount_in(self, currency):
        """The record's amount converted into ``currency`` at the record's date (or today)."""
        self.ensure_one()
        amount = self[self._approval_amount_field] if self._approval_amount_field else 0.0
        own = self[self._approval_currency_field] if self._approval_currency_field else currency
        date = (self[self._approval_date_field] if self._approval_date_field else False) or (
            fields.Date.context_today(self)
        )
        company = self._approval_company() or self.env.company
        return own._convert(amount, currency, company, date, round=False)

    def _approval_check_submittable(self):
        return True

    def _approval_content_hash(self):
        raise NotImplementedError

    def _approval_document_sha256(self, content_hash):
        return False

    def _approval_policy_matches(self, policy):
        return True

    def _approval_resolve_approvers(self, step):
        return self.env["res.users"]

    def _approval_on_submitted(self, request):
        pass

    def _approval_on_approved(self, request):
        pass

    def _approval_on_rejected(self, request, decision, comment):
        pass

    # Policy selection ------------------------------------------------------------------

    def _approval_select_policy(self):
        """The one policy that applies, or a clear error saying why there is none."""
        self.ensure_one()
        # sudo: policies are configuration; the submitter needs to know which applies, not
        # to read them.
        policies = (
            self.env["econtract.approval.policy"].sudo().search([("res_model", "=", self._name)])
        )
        applying = policies.filtered(lambda policy: policy._applies_to(self))
        if not applying:
            raise UserError(
                _(
                    "No approval policy applies to %(name)s (%(attributes)s). Ask an "
                    "administrator to add one under Contracts › Configuration › Approval "
                    "Policies.",
                    name=self.display_name,
                    attributes=self._approval_describe(),
                )
            )
        top = max(applying.mapped("priority"))
        winners = applying.filtered(lambda policy: policy.priority == top)
        if len(winners) > 1:
            raise UserError(
                _(
                    "Approval policies %(policies)s all apply to %(name)s (%(attributes)s) "
                    "with the same priority %(priority)s; an administrator must give one of "
                    "them precedence.",
                    policies=", ".join(winners.mapped("name")),
                    name=self.display_name,
                    attributes=self._approval_describe(),
                    priority=top,
                )
            )
        return winners

    def _approval_describe(self):
        """The record's attributes that policies select on, for error messages."""
        self.ensure_one()
        parts = []
        if self._approval_amount_field:
            currency = self[self._approval_currency_field]
            parts.append(
                _(
                    "amount %(amount)s %(currency)s",
                    amount=self[self._approval_amount_field],
                    currency=currency.name,
                )
            )
        if self._approval_company():
            parts.append(_("company %(company)s", company=self._approval_company().name))
        return ", ".join(parts)

    # Actions ---------------------------------------------------------------------------

    def action_submit_for_approval(self):
        """Route each record to the policy that applies and notify its first approvers."""
        Request = self.env["econtract.approval.request"]
        for record in self:
            record.check_access("write")
            if record.approval_request_id.state == "in_progress":
                raise UserError(
                    _("%(name)s is already awaiting approval.", name=record.display_name)
                )
            record._approval_check_submittable()
            policy = record._approval_select_policy()
            policy._check_routable(record)
            content_hash = record._approval_content_hash()
            # sudo: requests are the engine's; the submitter's right to submit was checked.
            request = (
                clean(Request)
                .sudo()
                .create(
                    {
                        "res_model": record._name,
                        "res_id": record.id,
                        "company_id": record._approval_company().id
                        if record._approval_company()
                        else False,
                        "policy_id": policy.id,
                        "submitted_by": self.env.user.id,
                        "owner_id": record[self._approval_owner_field].id
                        if self._approval_owner_field
                        else False,
                        "submitted_at": fields.Datetime.now(),
                        "content_hash": content_hash,
                        "document_sha256": record._approval_document_sha256(content_hash),
                    }
                )
            )
            record._approval_on_submitted(request)
            request._start()
        return True

    def _approval_task_for_me(self):
        self.ensure_one()
        task = self.approval_task_id
        if not task:
            raise UserError(
                _(
                    "Nothing of %(name)s awaits your decision; reload the page.",
                    name=self.display_name,
                )
            )
        return task

    def action_approval_open_wizard(self):
        """The decision dialog for the task the current user holds (decision from context)."""
        self.ensure_one()
        task = self._approval_task_for_me()
        return {
            "type": "ir.actions.act_window",
            "res_model": "econtract.approval.wizard",
            "view_mode": "form",
            "target": "new",
            "name": _("Approval"),
            "context": {
                "default_res_model": self._name,
                "default_res_id": self.id,
                "default_task_id": task.id,
                "default_decision": self.env.context.get("approval_decision", "approved"),
            },
        }

    def _approval_decide(self, decision, comment=False):
        # sudo: tasks and requests are the engine's to write; sudo keeps the user, and
        # _decide checks that this user may decide this task now.
        return self._approval_task_for_me().sudo()._decide(decision, comment)

    def action_approval_approve(self, comment=False):
        return self._approval_decide("approved", comment)

    def action_approval_reject(self, comment=False):
        return self._approval_decide("rejected", comment)

    def action_approval_request_changes(self, comment=False):
        return self._approval_decide("changes", comment)

    def action_approval_withdraw(self):
        self.ensure_one()
        request = self.approval_request_id
        if request.state != "in_progress":
            raise UserError(_("%(name)s is not awaiting approval.", name=self.display_name))
        # sudo: as above; action_withdraw checks that the user submitted it or manages.
        return request.sudo().action_withdraw()

    # Audit report ----------------------------------------------------------------------

    def _approval_audit_attributes(self):
        """(label, value) rows that head a record's section of the audit report."""
        self.ensure_one()
        return [(_("Reference"), self.display_name)]

    @api.model
    def _approval_audit_labels(self):
        """Display names of the selections the report prints, in the user's language."""

        def labels(model, field):
            return dict(self.env[model]._fields[field]._description_selection(self.env))

        return {
            "decision": labels("econtract.approval.decision", "decision"),
            "state": labels("econtract.approval.request", "state"),
            "mode": labels("econtract.approval.step", "mode"),
            "approver_type": labels("econtract.approval.step", "approver_type"),
        }

    @api.model
    def _approval_audit_step(self, step, labels):
        approvers = labels["approver_type"].get(step.approver_type, step.approver_type)
        if step.approver_type == "users":
            approvers += ": " + ", ".join(step.user_ids.mapped("name"))
        elif step.approver_type == "group":
            approvers += ": " + step.group_id.name
        condition = []
        if step.condition_amount_min:
            condition.append(
                _(
                    "amount ≥ %(amount)s %(currency)s",
                    amount=f"{step.condition_amount_min:,.2f}",
                    currency=step.currency_id.name,
                )
            )
        if step.condition_domain not in (False, "", "[]"):
            condition.append(step.condition_domain)
        return {
            "name": step.name,
            "mode": labels["mode"][step.mode],
            "approvers": approvers,
            "condition": "; ".join(condition) or _("always"),
            "deadline": _("%(hours)s h", hours=step.deadline_hours) if step.deadline_hours else "—",
        }

    def _approval_audit_history(self, when):
        """The record's tracked changes, oldest first, as the chatter shows them."""
        self.ensure_one()
        history = []
        if "message_ids" not in self._fields:
            return history
        for message in self.message_ids.sorted(lambda message: (message.date, message.id)):
            for change in message.tracking_value_ids._tracking_value_format():
                history.append(
                    {
                        "time": when(message.date),
                        "author": message.author_id.name or "",
                        "field": change["changedField"],
                        "old": change["oldValue"]["value"] or "",
                        "new": change["newValue"]["value"] or "",
                    }
                )
        return history

    def _approval_audit_section(self, date_from, date_to, labels, when):
        self.ensure_one()
        requests = self.approval_request_ids.sorted("id").filtered(
            lambda request: (
                (not date_from or request.submitted_at.date() >= date_from)
                and (not date_to or request.submitted_at.date() <= date_to)
            )
        )
        entries = []
        for request in requests:
            lines = request.decision_ids.sorted(lambda line: (line.decided_at, line.id))
            entries.append(
                {
                    "request": request,
                    "state": labels["state"][request.state],
                    "submitted_at": when(request.submitted_at),
                    "steps": [
                        self._approval_audit_step(s, labels) for s in request.policy_id.step_ids
                    ],
                    "decisions": [
                        {
                            "time": when(line.decided_at),
                            "step": line.step_name or "—",
                            "decision": labels["decision"][line.decision],
                            "user": line.user_id.name,
                            "on_behalf_of": line.on_behalf_of_id.name or "—",
                            "comment": line.comment or "",
                            "document": line.document_sha256 or "—",
                        }
                        for line in lines
                    ],
                }
            )
        return {
            "name": self.display_name,
            "attributes": self._approval_audit_attributes(),
            "requests": entries,
            "history": self._approval_audit_history(when),
        }

    def _approval_audit_pdf(self, date_from=None, date_to=None):
        """The approval audit report of these records as PDF bytes: each submission's policy
        and steps, every decision with time, comment and document hash, and the record's
        tracked changes; only submissions within [date_from, date_to] when given."""
        from econtract.pdf import PageLayout, render_pdf

        self.check_access("read")
        tz = self.env.user.tz or "UTC"

        def when(value):
            return format_datetime(self.env, value, tz=tz, dt_format="yyyy-MM-dd HH:mm:ss")

        labels = self._approval_audit_labels()
        # sudo: the trail and history belong to records the user may read (checked above);
        # who decided, and who changed what, is what an auditor must see.
        sections = [
            record.sudo()._approval_audit_section(date_from, date_to, labels, when)
            for record in self
        ]
        period = f"{date_from or '…'} – {date_to or '…'}" if date_from or date_to else ""
        html = self.env["ir.qweb"]._render(
            "econtract_base.econtract_approval_audit",
            {
                "sections": sections,
                "printed_at": when(fields.Datetime.now()),
                "printed_by": self.env.user.name,
                "period": period,
            },
        )
        reference = self.display_name if len(self) == 1 else _("Approval audit")
        language = "zh" if (self.env.lang or "").startswith("zh") else "en"
        return render_pdf(str(html), PageLayout(reference=reference, language=language)).data
