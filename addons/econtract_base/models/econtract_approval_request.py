from datetime import timedelta

import psycopg2
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .econtract_guard_mixin import clean, engine, lock_rows

DECISIONS = [
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("changes", "Changes requested"),
    ("escalated", "Escalated"),
    ("expired", "Rejected at the deadline"),
    ("skipped", "Skipped: condition not met"),
    ("withdrawn", "Withdrawn by the submitter"),
]


class EcontractApprovalRequest(models.Model):
    """One submission of a record for approval, routed through the steps of one policy.

    The engine's state lives here and in the tasks; every decision is also written to the
    immutable trail (`econtract.approval.decision`). Decisions lock this row, so two approvers
    of one step deciding at the same moment are serialised and the second sees the result of
    the first.
    """

    _name = "econtract.approval.request"
    _description = "Approval Request"
    _order = "id desc"

    res_model = fields.Char(required=True, readonly=True, index=True)
    res_id = fields.Many2oneReference(model_field="res_model", required=True, readonly=True)
    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    policy_id = fields.Many2one(
        "econtract.approval.policy", required=True, readonly=True, ondelete="restrict"
    )
    state = fields.Selection(
        [
            ("in_progress", "In progress"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
            ("withdrawn", "Withdrawn"),
        ],
        default="in_progress",
        required=True,
        readonly=True,
        index=True,
    )
    step_id = fields.Many2one(
        "econtract.approval.step", string="Current Step", readonly=True, ondelete="restrict"
    )
    submitted_by = fields.Many2one("res.users", readonly=True)
    owner_id = fields.Many2one(
        "res.users", readonly=True, index=True, help="Who owned the record when it was submitted."
    )
    submitted_at = fields.Datetime(readonly=True)
    closed_at = fields.Datetime(readonly=True)
    content_hash = fields.Char(
        readonly=True, help="SHA-256 of the record's content when it was submitted."
    )
    document_sha256 = fields.Char(
        string="Document SHA-256", readonly=True, help="The document version under approval."
    )
    task_ids = fields.One2many("econtract.approval.task", "request_id", readonly=True)
    decision_ids = fields.One2many("econtract.approval.decision", "request_id", readonly=True)

    @api.depends("res_model", "res_id")
    def _compute_name(self):
        for request in self:
            record = request._record()
            # sudo: only the record's name, so a reader of the approval sees what it is about.
            request.name = record.sudo().display_name if record else False

    def _record(self):
        self.ensure_one()
        return self.env[self.res_model].browse(self.res_id).exists() if self.res_model else None

    # Locking and checks ----------------------------------------------------------------

    def _lock(self):
        """Lock this request for a decision; another decision in progress is a clear error."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint(flush=False):
                lock_rows(self, nowait=True)
        except psycopg2.errors.LockNotAvailable as error:
            raise UserError(
                _(
                    "Another decision on %(name)s is being recorded right now; "
                    "reload and try again.",
                    name=self.name,
                )
            ) from error
        self.task_ids.invalidate_recordset()

    def _check_open(self):
        self.ensure_one()
        if self.state != "in_progress":
            raise UserError(
                _(
                    "The approval of %(name)s is closed (%(state)s); reload the page.",
                    name=self.name,
                    state=dict(self._fields["state"].selection)[self.state],
                )
            )

    def _check_content_unchanged(self):
        self.ensure_one()
        if self._record()._approval_content_hash() != self.content_hash:
            raise UserError(
                _(
                    "%(name)s changed after it was submitted: approvals given to the earlier "
                    "content do not carry over. It must be submitted again.",
                    name=self.name,
                )
            )

    # Routing ---------------------------------------------------------------------------

    def _start(self):
        """Open the first step that applies, or approve when none does."""
        self._advance_from(self.policy_id.step_ids[:1], include=True)

    def _advance_from(self, step, include=False):
        steps = self.policy_id.step_ids
        position = list(steps).index(step) if step else len(steps)
        remaining = steps[position if include else position + 1 :]
        record = self._record()
        for candidate in remaining:
            if not candidate._applies_to(record):
                self._trail(candidate, "skipped", user=self.env.ref("base.user_root"))
                continue
            self.step_id = candidate
            self._open_step(candidate)
            return
        self.write({"state": "approved", "step_id": False, "closed_at": fields.Datetime.now()})
        record._approval_on_approved(self)

    def _open_step(self, step):
        record = self._record()
        approvers = step._resolve_approvers(record)
        if not approvers:
            raise UserError(
                _(
                    "Step %(step)s of policy %(policy)s finds nobody to approve %(name)s.",
                    step=step.name,
                    policy=self.policy_id.name,
                    name=self.name,
                )
            )
        Task = clean(self.env["econtract.approval.task"])
        tasks = Task.create(
            [
                {
                    "request_id": self.id,
                    "step_id": step.id,
                    "user_id": user.id,
                    "sequence": position,
                    "state": "waiting" if step.mode == "sequential" and position else "pending",
                }
                for position, user in enumerate(approvers)
            ]
        )
        tasks.filtered(lambda task: task.state == "pending")._activate()

    def _step_done(self, step):
        """Or-sign: one approval. Otherwise every approver's place (an approver, or the
        escalation approver standing for them) holds an approval."""
        tasks = self.task_ids.filtered(lambda task: task.step_id == step)
        if step.mode == "or_sign":
            return any(task.state == "approved" for task in tasks)
        return all(
            any(task.state == "approved" for task in tasks if task.sequence == sequence)
            for sequence in set(tasks.mapped("sequence"))
        )

    def _close_open_tasks(self):
        self.task_ids.filtered(lambda task: task.state in ("pending", "waiting"))._close()

    def _finish(self, state, decision, comment):
        """End the request without approval (rejected, expired, withdrawn); the record's
        hook takes it back to draft with the reason."""
        self._close_open_tasks()
        self.write({"state": state, "closed_at": fields.Datetime.now()})
        self._record()._approval_on_rejected(self, decision, comment)

    def _trail(self, step, decision, task=None, comment=False, on_behalf_of=None, user=None):
        """Write one line of the immutable trail."""
        user = user or self.env.user
        # sudo: nobody may create trail lines directly; the engine writes them for the user
        # whose decision (checked by the caller) they record.
        with engine():
            return (
                clean(self.env["econtract.approval.decision"])
                .sudo()
                .create(
                    {
                        "request_id": self.id,
                        "step_id": step.id if step else False,
                        "task_id": task.id if task else False,
                        "user_id": user.id,
                        "on_behalf_of_id": on_behalf_of.id if on_behalf_of else False,
                        "decision": decision,
                        "comment": comment,
                        "document_sha256": self.document_sha256,
                        "content_hash": self.content_hash,
                    }
                )
            )

    def action_withdraw(self):
        """The submitter (or a manager) takes the record back to draft, closing open tasks."""
        for request in self:
            if request.submitted_by != self.env.user and not self.env.user.has_group(
                "econtract_base.group_econtract_manager"
            ):
                raise AccessError(_("Only the submitter or a manager may withdraw it."))
            # sudo: requests and tasks are the engine's to write; the right was checked above.
            request = request.sudo()
            request._lock()
            request._check_open()
            request._trail(request.step_id, "withdrawn")
            request._finish("withdrawn", "withdrawn", False)
        return True


class EcontractApprovalTask(models.Model):
    """One approver's part in one step; its activity is the approver's to-do."""

    _name = "econtract.approval.task"
    _description = "Approval Task"
    _order = "request_id, step_id, sequence, id"

    request_id = fields.Many2one(
        "econtract.approval.request", required=True, readonly=True, ondelete="cascade", index=True
    )
    step_id = fields.Many2one("econtract.approval.step", required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Approver", required=True, readonly=True)
    delegate_id = fields.Many2one(
        "res.users", readonly=True, help="Who holds the task while the approver is away."
    )
    sequence = fields.Integer(readonly=True)
    state = fields.Selection(
        [
            ("waiting", "Waiting for earlier approvers"),
            ("pending", "To approve"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
            ("closed", "Closed"),
        ],
        required=True,
        readonly=True,
        index=True,
    )
    deadline = fields.Datetime(readonly=True, index=True)
    escalated = fields.Boolean(readonly=True)
    # Indexed: every "mark done" of any activity looks up whether it is an approval task.
    activity_id = fields.Many2one(
        "mail.activity", readonly=True, ondelete="set null", index="btree_not_null"
    )

    def action_open_record(self):
        self.ensure_one()
        record = self.request_id._record()
        record.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
        }

    def _activate(self):
        """Make these tasks pending: deadline, delegate, activity for whoever holds them."""
        now = fields.Datetime.now()
        Delegation = self.env["econtract.approval.delegation"]
        for task in self:
            delegate = Delegation._delegate_of(task.user_id, now)
            hours = task.step_id.deadline_hours
            task.write(
                {
                    "state": "pending",
                    "delegate_id": delegate.id,
                    "deadline": now + timedelta(hours=hours) if hours else False,
                }
            )
            task._schedule_activity()

    def _schedule_activity(self):
        self.ensure_one()
        record = self.request_id._record()
        holder = self.delegate_id or self.user_id
        note = Markup("<p>%s</p><p><a href='/econtract/approval/task/%s'>%s</a></p>") % (
            _(
                "Step %(step)s of %(policy)s.",
                step=self.step_id.name,
                policy=self.request_id.policy_id.name,
            )
            + (
                " " + _("On behalf of %(user)s.", user=self.user_id.name)
                if self.delegate_id
                else ""
            ),
            self.id,
            _("Approve or reject (after logging in)"),
        )
        # sudo: the approver may not be allowed to create activities on a record they only
        # review; the engine assigns the to-do on the owner's behalf.
        activity = (
            clean(record)
            .sudo()
            .activity_schedule(
                "econtract_base.mail_activity_econtract_approval",
                date_deadline=(self.deadline or fields.Datetime.now()).date(),
                note=note,
                user_id=holder.id,
            )
        )
        self.activity_id = activity

    def _close(self, state="closed"):
        for task in self:
            task.state = state
            if task.activity_id:
                task.activity_id.sudo().unlink()  # sudo: see _schedule_activity

    def _acting_for(self, user):
        """Whether ``user`` may decide this task now: the approver, or their delegate today."""
        self.ensure_one()
        if user == self.user_id:
            return True
        now = fields.Datetime.now()
        return self.env["econtract.approval.delegation"]._delegate_of(self.user_id, now) == user

    # Deciding --------------------------------------------------------------------------

    def _decide(self, decision, comment=False):
        """Record the current user's ``decision`` on this task and route the request."""
        self.ensure_one()
        if decision in ("rejected", "changes") and not (comment or "").strip():
            raise ValidationError(
                _("Say why: a rejection or a request for changes needs a comment.")
            )
        request = self.request_id
        request._lock()
        request._check_open()
        if self.state != "pending":
            raise UserError(
                _(
                    "This approval task is no longer open (%(state)s): someone decided "
                    "before you. Reload the page.",
                    state=dict(self._fields["state"].selection)[self.state],
                )
            )
        user = self.env.user
        if not self._acting_for(user):
            raise AccessError(_("You are not an approver of this step."))
        request._check_content_unchanged()
        on_behalf_of = self.user_id if user != self.user_id else None
        request._trail(self.step_id, decision, self, comment, on_behalf_of)
        if self.activity_id:
            # sudo: see _schedule_activity; inside the engine the activity does not decide
            # again (mail_activity.py).
            with engine():
                self.activity_id.sudo().action_feedback(
                    feedback=comment or dict(DECISIONS)[decision]
                )
        if decision != "approved":
            self.state = "rejected"
            request._finish("rejected", decision, comment)
            return True
        self.state = "approved"
        step = self.step_id
        tasks = request.task_ids.filtered(lambda task: task.step_id == step)
        # An approval settles this approver's place (and an escalation approver's for it);
        # in an or-sign step it settles the step.
        tasks.filtered(
            lambda task: (
                task.state == "pending"
                and (step.mode == "or_sign" or task.sequence == self.sequence)
            )
        )._close()
        if step.mode == "sequential":
            following = tasks.filtered(lambda task: task.state == "waiting").sorted("sequence")
            if following:
                following[:1]._activate()
                return True
        if request._step_done(step):
            request._advance_from(step)
        return True

    # Escalation ------------------------------------------------------------------------

    @api.model
    def _cron_escalate(self):
        """Escalate the pending tasks whose deadline has passed, once each."""
        # sudo: the scheduled job acts for the policy, on every company's tasks.
        overdue = self.sudo().search(
            [
                ("state", "=", "pending"),
                ("deadline", "<", fields.Datetime.now()),
                ("escalated", "=", False),
            ]
        )
        for task in overdue:
            request = task.request_id
            try:
                request._lock()
            except UserError:
                continue  # decided right now: the next run looks again
            if task.state != "pending" or request.state != "in_progress":
                continue
            step = task.step_id
            task.escalated = True
            if step.escalation == "reject":
                request._trail(step, "expired", task, user=self.env.ref("base.user_root"))
                task.state = "rejected"
                request._finish(
                    "rejected",
                    "expired",
                    _("The deadline of step %(step)s passed.", step=step.name),
                )
                continue
            request._trail(
                step,
                "escalated",
                task,
                user=self.env.ref("base.user_root"),
                comment=_("Deadline passed; %(user)s added.", user=step.escalation_user_id.name),
            )
            extra = clean(self).create(
                {
                    "request_id": request.id,
                    "step_id": step.id,
                    "user_id": step.escalation_user_id.id,
                    "sequence": task.sequence,
                    "state": "pending",
                    "escalated": True,
                }
            )
            extra._activate()
            # sudo: the job posts the escalation on the record for the policy, not as a user.
            request._record().sudo().message_post(
                body=_(
                    "%(user)s did not decide step %(step)s in time; %(escalation)s may decide "
                    "in their place.",
                    user=task.user_id.name,
                    step=step.name,
                    escalation=step.escalation_user_id.name,
                ),
                partner_ids=(task.user_id | step.escalation_user_id).partner_id.ids,
            )
