import datetime
import logging

from odoo import _, api, fields, models

from odoo.addons.econtract_base.models.econtract_guard_mixin import clean

from .econtract_obligation import KINDS

_logger = logging.getLogger(__name__)


class EcontractFulfilmentReminder(models.Model):
    """A reminder N days before obligations fall due, per company and kind."""

    _name = "econtract.fulfilment.reminder"
    _description = "Fulfilment Reminder"
    _order = "company_id, days_before desc, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    kind = fields.Selection(KINDS, help="Empty: every kind of obligation.")
    days_before = fields.Integer(required=True, default=7)
    recipient = fields.Selection(
        [("owner", "The Owner"), ("counterparty", "The Counterparty")],
        required=True,
        default="owner",
        help="The counterparty is reminded only of what it owes.",
    )
    activity = fields.Boolean(string="Activity", default=True)
    email = fields.Boolean(string="E-mail", default=True)
    sms = fields.Boolean(string="SMS")
    notify = fields.Boolean(string="In-App Notification", default=True)

    _sql_constraints = [
        (
            "days_before_range",
            "CHECK(days_before BETWEEN 0 AND 366)",
            "Remind 0 to 366 days before.",
        ),
    ]

    @api.model
    def _lead_days(self, company):
        """``{kind: days}``: how long before the due date an obligation of each kind is *due*
        (the earliest reminder of the company for that kind; 0 without one)."""
        rules = self.search([("company_id", "=", company.id)])
        lead = {kind: 0 for kind, _label in KINDS}
        for rule in rules:
            for kind in [rule.kind] if rule.kind else list(lead):
                lead[kind] = max(lead[kind], rule.days_before)
        return lead

    @api.model
    def _send_due(self, company, today):
        Obligation = self.env["econtract.obligation"]
        Notice = self.env["econtract.obligation.notice"]
        Notice._retry_sms(company)  # yesterday's failures first; today's wait for tomorrow
        for rule in self.search([("company_id", "=", company.id)]):
            domain = [
                ("company_id", "=", company.id),
                ("state", "in", ("planned", "due")),
                # Up to the reminder day, not on it only: a day the scan did not run is
                # caught up (each reminder still goes out once, by its notice).
                ("date_due", "<=", today + datetime.timedelta(days=rule.days_before)),
                ("date_due", ">=", today),
            ]
            if rule.kind:
                domain.append(("kind", "=", rule.kind))
            if rule.recipient == "counterparty":
                domain.append(("debtor", "=", "counterparty"))
            sent = Notice.search(
                [("reminder_id", "=", rule.id), ("obligation_id", "in", Obligation._search(domain))]
            ).obligation_id
            for obligation in Obligation.search(domain) - sent:
                try:
                    with self.env.cr.savepoint():
                        rule._remind(obligation)
                except Exception:  # one obligation's fault never stops the scan
                    _logger.exception("reminder %s for %s failed", rule.name, obligation.name)

    def _remind(self, obligation):
        self.ensure_one()
        owner = obligation._owner()
        partner = owner.partner_id if self.recipient == "owner" else obligation.partner_id
        if not partner:
            return
        channels = []
        subject = _(
            "%(name)s is due on %(date)s (%(contract)s)",
            name=obligation.name,
            date=obligation.date_due,
            contract=obligation.contract_id.name,
        )
        if self.activity and self.recipient == "owner" and owner:
            clean(obligation).activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=obligation.date_due,
                summary=subject,
                user_id=owner.id,
            )
            channels.append("activity")
        if self.email and partner.email:
            obligation._send_template(
                "econtract_fulfilment.mail_template_obligation_reminder", partner
            )
            channels.append("email")
        if self.notify and self.recipient == "owner":
            clean(obligation).message_notify(partner_ids=partner.ids, subject=subject, body=subject)
            channels.append("notification")
        notice = self.env["econtract.obligation.notice"]._record(
            obligation,
            "reminder",
            reminder_id=self.id,
            recipient_id=partner.id,
            channels=", ".join(channels),
            sms_text=subject if self.sms else False,
        )
        if self.sms:
            notice._send_sms()
            channels.append("sms")
        obligation._ledger_log(
            "reminded",
            {
                "reminder": self.name,
                "to": partner.display_name,
                "channels": channels,
                **obligation._evidence_facts(),
            },
        )
