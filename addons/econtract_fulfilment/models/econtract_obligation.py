import datetime
import hashlib
import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.econtract_base.models.econtract_guard_mixin import clean, engine

from econtract.extract import Unit, count_from

_logger = logging.getLogger(__name__)

KINDS = [
    ("payment", "Payment"),
    ("delivery", "Delivery"),
    ("acceptance", "Acceptance"),
    ("service", "Service"),
    ("other", "Other"),
]
DEBTORS = [("us", "We"), ("counterparty", "Counterparty")]
EVENTS = [
    ("signing", "Signing"),
    ("effective", "Effective Date"),
    ("delivery", "Delivery"),
    ("acceptance", "Acceptance"),
    ("invoice", "Invoice"),
    ("warranty_end", "End of Warranty"),
    ("end", "End of Term"),
]
UNITS = [
    ("days", "Days"),
    ("working_days", "Working Days"),
    ("weeks", "Weeks"),
    ("months", "Months"),
]
#: Open obligations: the scan's, by the partial index made in `init`.
OPEN = ("planned", "due", "overdue")
#: What callers may set on an obligation that is still to be fulfilled.
EDITABLE = frozenset(
    {
        "name",
        "kind",
        "debtor",
        "partner_id",
        "amount",
        "date_due",
        "due_event",
        "due_offset",
        "due_unit",
        "fulfil_mode",
        "move_ids",
        "note",
        "user_id",
        "late_fee_rate",
    }
)
MANAGER = "econtract_base.group_econtract_manager"


class EcontractObligation(models.Model):
    """One duty of a signed contract: what is owed, by whom, when, and how it is fulfilled.

    States change only in the engine: the daily scan (`_cron_scan`) moves obligations to
    *due* and *overdue*, marks those fulfilled by paid invoices *done*, sends reminders and
    escalates overdue ones; a user with write access to the contract confirms fulfilment
    (`_fulfil`) and a manager waives (`_waive`). Every one of those is an evidence event.
    """

    _name = "econtract.obligation"
    _description = "Contract Obligation"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "econtract.guard.mixin",
        "econtract.ledger.mixin",
    ]
    _order = "date_due, id"
    _ledger_event_prefix = "obligation"
    _ledger_state_field = None  # the engine logs each transition with what caused it
    _guard_create = EDITABLE | {"contract_id"}
    _guard_write = {
        "planned": EDITABLE,
        "due": EDITABLE,
        "overdue": frozenset({"note", "user_id", "move_ids", "fulfil_mode"}),
        "done": frozenset({"note"}),
        "waived": frozenset({"note"}),
    }
    _guard_unlink = frozenset({"planned"})

    name = fields.Char(string="Obligation", required=True, tracking=True)
    contract_id = fields.Many2one(
        "econtract.contract", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="contract_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="contract_id.currency_id")
    contract_type = fields.Selection(related="contract_id.contract_type", store=True)
    department_id = fields.Many2one(related="contract_id.department_id", store=True)
    user_id = fields.Many2one(
        "res.users", string="Owner", tracking=True, help="Who is reminded and warned."
    )
    kind = fields.Selection(KINDS, required=True, default="payment", tracking=True)
    debtor = fields.Selection(
        DEBTORS, string="Owed By", required=True, default="counterparty", tracking=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Counterparty", tracking=True, help="The party of the contract."
    )
    amount = fields.Monetary(currency_field="currency_id", tracking=True)
    date_due = fields.Date(string="Due Date", tracking=True)
    due_provisional = fields.Boolean(
        readonly=True,
        help="Counted in working days over a year whose official holiday calendar is not "
        "published yet: recomputed once it is.",
    )
    due_event = fields.Selection(
        EVENTS, string="Counted From", help="The event a relative deadline counts from."
    )
    due_offset = fields.Integer(string="Offset")
    due_unit = fields.Selection(UNITS, default="days")
    event_date = fields.Date(
        readonly=True, help="When the event the deadline counts from happened."
    )
    state = fields.Selection(
        [
            ("planned", "Planned"),
            ("due", "Due"),
            ("overdue", "Overdue"),
            ("done", "Done"),
            ("waived", "Waived"),
        ],
        default="planned",
        required=True,
        readonly=True,
        tracking=True,
    )
    source = fields.Selection(
        [
            ("clause", "Clause"),
            ("lease", "Rent Schedule"),
            ("purchase", "Purchase Order"),
            ("manual", "Entered"),
        ],
        default="manual",
        required=True,
        readonly=True,
    )
    clause_id = fields.Many2one("econtract.contract.clause", readonly=True, ondelete="set null")
    span_text = fields.Text(string="Clause Text", readonly=True, help="What the clause says.")
    rent_line_id = fields.Many2one("econtract.rent.line", readonly=True, ondelete="set null")
    fulfil_mode = fields.Selection(
        [
            ("invoice", "Paid Invoices"),
            ("receipt", "Receipts"),
            ("manual", "Confirmed by a User"),
        ],
        string="Fulfilled By",
        default="manual",
        required=True,
        tracking=True,
    )
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        domain="[('company_id', '=', company_id), ('move_type', 'in', ('out_invoice', "
        "'in_invoice')), ('state', '=', 'posted')]",
        help="The invoices (or vendor bills) that pay this obligation.",
    )
    invoice_paid = fields.Boolean(compute="_compute_invoice_paid", store=True)
    note = fields.Text()
    done_date = fields.Date(readonly=True)
    done_note = fields.Text(readonly=True)
    done_attachment_ids = fields.Many2many(
        "ir.attachment", string="Proof", readonly=True, copy=False
    )
    waive_reason = fields.Text(readonly=True)
    late_fee_rate = fields.Float(
        string="Late Fee per Day",
        digits=(12, 6),
        help="A share of the overdue amount per day (0.0005 for 每日万分之五), from the "
        "contract's breach clause.",
    )
    level_id = fields.Many2one(
        "econtract.fulfilment.level", string="Dunning Level", readonly=True, tracking=True
    )
    notice_ids = fields.One2many("econtract.obligation.notice", "obligation_id", readonly=True)
    days_overdue = fields.Integer(compute="_compute_days_overdue")
    late_fee = fields.Monetary(currency_field="currency_id", compute="_compute_days_overdue")

    _sql_constraints = [
        ("amount_positive", "CHECK(amount IS NULL OR amount >= 0)", "Amounts are not negative."),
        (
            "late_fee_rate_range",
            "CHECK(late_fee_rate IS NULL OR (late_fee_rate >= 0 AND late_fee_rate < 0.1))",
            "A late fee per day is a small share of the amount (under 10%).",
        ),
    ]

    def init(self):
        # What the daily scan reads: open obligations by due date.
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS econtract_obligation_open_due_idx "
            "ON econtract_obligation (date_due, state) "
            "WHERE state IN ('planned', 'due', 'overdue')"
        )

    def _ledger_contract(self):
        self.ensure_one()
        return self.contract_id

    # ------------------------------------------------------------------ computes

    @api.depends("move_ids.payment_state", "move_ids.state")
    def _compute_invoice_paid(self):
        for obligation in self:
            moves = obligation.move_ids
            obligation.invoice_paid = bool(moves) and all(
                move.state == "posted" and move.payment_state in ("paid", "in_payment")
                for move in moves
            )

    @api.depends("state", "date_due", "amount", "late_fee_rate")
    def _compute_days_overdue(self):
        for obligation in self:
            days = 0
            if obligation.state == "overdue" and obligation.date_due:
                today = (obligation.company_id or self.env.company)._econtract_date()
                days = max((today - obligation.date_due).days, 0)
            obligation.days_overdue = days
            obligation.late_fee = (
                obligation.currency_id.round(
                    (obligation.amount or 0.0) * (obligation.late_fee_rate or 0.0) * days
                )
                if obligation.currency_id
                else 0.0
            )

    # ------------------------------------------------------------------ integrity

    @api.model
    def _guard_check_create(self, vals):
        result = super()._guard_check_create(vals)
        contract = self.env["econtract.contract"].browse(vals.get("contract_id")).exists()
        if not contract:
            raise UserError(_("An obligation belongs to a contract."))
        contract._fulfilment_check_plannable()
        return result

    def _guard_check_write(self, vals):
        result = super()._guard_check_write(vals)
        if set(vals) - self._guard_free_fields():
            for contract in self.contract_id:
                contract.check_access("write")
        return result

    def _guard_check_unlink(self):
        result = super()._guard_check_unlink()
        for contract in self.contract_id:
            contract.check_access("write")
        return result

    @api.constrains("partner_id", "contract_id")
    def _check_partner(self):
        for obligation in self:
            partner = obligation.partner_id
            if not partner:
                continue
            parties = obligation.contract_id.partner_ids.commercial_partner_id
            if partner.commercial_partner_id not in parties:
                raise ValidationError(
                    _(
                        "%(partner)s is not a party of %(contract)s.",
                        partner=partner.display_name,
                        contract=obligation.contract_id.display_name,
                    )
                )

    @api.constrains("move_ids", "debtor", "partner_id")
    def _check_moves(self):
        """Invoices the caller may read, of this company, of the kind and to the party the
        obligation says; the messages name nothing the caller could not read."""
        for obligation in self:
            moves = obligation.move_ids
            if not moves:
                continue
            if not obligation.partner_id:
                raise ValidationError(_("Say who the counterparty is before linking invoices."))
            if not self.env.su and not all(move.has_access("read") for move in moves):
                raise ValidationError(_("Link invoices you may read."))
            wanted = "out_invoice" if obligation.debtor == "counterparty" else "in_invoice"
            # sudo: the links are checked on the invoices the caller may read (above).
            for move in moves.sudo():
                if move.company_id != obligation.company_id:
                    raise ValidationError(_("An invoice of another company cannot be linked."))
                if move.move_type != wanted:
                    raise ValidationError(
                        _(
                            "%(move)s is not a %(kind)s: what the counterparty owes is paid "
                            "by customer invoices, what we owe by vendor bills.",
                            move=move.display_name,
                            kind=_("customer invoice")
                            if wanted == "out_invoice"
                            else _("vendor bill"),
                        )
                    )
                if move.commercial_partner_id != obligation.partner_id.commercial_partner_id:
                    raise ValidationError(
                        _(
                            "%(move)s is not addressed to the counterparty of this obligation.",
                            move=move.display_name,
                        )
                    )

    @api.constrains("due_event", "due_offset", "due_unit")
    def _check_rule(self):
        limits = {"days": 3660, "working_days": 2600, "weeks": 520, "months": 120}
        for obligation in self:
            limit = limits.get(obligation.due_unit or "days", 3660)
            if obligation.due_event and abs(obligation.due_offset) > limit:
                raise ValidationError(_("A deadline of more than ten years is a misreading."))

    @api.ondelete(at_uninstall=False)
    def _unlink_open_only(self):
        for obligation in self:
            if obligation.state != "planned" or obligation.notice_ids:
                raise UserError(
                    _(
                        "%(name)s has been acted on; waive it instead of deleting it.",
                        name=obligation.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        obligations = super().create(vals_list)
        with engine():
            for obligation in obligations:
                if obligation.due_event and not obligation.date_due:
                    obligation._resolve_from_events()
        return obligations

    def write(self, vals):
        result = super().write(vals)
        if {"due_event", "due_offset", "due_unit"} & set(vals):
            with engine():
                self.filtered(lambda o: o.due_event and o.state in OPEN)._resolve_from_events()
        return result

    # ------------------------------------------------------------------ due dates

    def _resolve_from_events(self):
        """Due dates of relative deadlines whose event is known (signing, the contract's
        start and end, recorded deliveries and acceptances, the linked invoice's date)."""
        for obligation in self:
            contract = obligation.contract_id
            happened = obligation.event_date or contract._fulfilment_event_date(
                obligation.due_event, obligation
            )
            if not happened:
                continue
            due = obligation._due_from(happened)
            obligation._engine_write(
                {"event_date": happened, "date_due": due.day, "due_provisional": due.provisional}
            )

    def _due_from(self, happened):
        """The `Due` of this relative deadline once its event ``happened`` (a date)."""
        self.ensure_one()
        return count_from(happened, self.due_offset, Unit(self.due_unit or "days"))

    # ------------------------------------------------------------------ actions

    def _check_may_act(self):
        for obligation in self:
            obligation.contract_id.check_access("write")
            obligation.check_access("write")

    def _fulfil(self, day, note, attachments=None):
        """Done, as a user confirms: with a note and proof (a delivery note, a receipt)."""
        self._check_may_act()
        if not note or not note.strip():
            raise UserError(_("Say how the obligation was fulfilled."))
        if day and any(day > o.company_id._econtract_date() for o in self):
            raise UserError(_("An obligation is fulfilled on a day that has come."))
        attachments = attachments or self.env["ir.attachment"]
        closed = self.filtered(lambda o: o.state not in OPEN)
        if closed:
            raise UserError(
                _("%(names)s is no longer open.", names=", ".join(closed.mapped("display_name")))
            )
        if attachments.filtered(
            lambda a: a.res_model != "econtract.obligation.close" or a.create_uid != self.env.user
        ):
            raise UserError(_("Proof is a file you upload when you close the obligation."))
        if attachments:
            # The proof now belongs to the (first) obligation, readable and frozen with it.
            with engine():
                attachments.write(
                    {"res_model": self._name, "res_id": self[:1].id, "econtract_frozen": True}
                )
        for obligation in self:
            obligation._close(
                "done",
                {
                    "done_date": day or obligation.company_id._econtract_date(),
                    "done_note": note.strip(),
                    "done_attachment_ids": [(6, 0, attachments.ids)],
                },
                "fulfilled",
                {"via": "user", "note": note.strip()},
                attachments,
            )
        return True

    def _waive(self, reason):
        if not self.env.user.has_group(MANAGER):
            raise AccessError(_("Only a contract manager waives an obligation."))
        self._check_may_act()
        if not reason or not reason.strip():
            raise UserError(_("Give the reason for the waiver."))
        closed = self.filtered(lambda o: o.state not in OPEN)
        if closed:
            raise UserError(
                _("%(names)s is no longer open.", names=", ".join(closed.mapped("display_name")))
            )
        for obligation in self:
            obligation._close(
                "waived", {"waive_reason": reason.strip()}, "waived", {"reason": reason.strip()}
            )
        return True

    def _close(self, state, values, event, payload, attachments=None):
        self.ensure_one()
        documents = [
            (attachment.name, hashlib.sha256(attachment.raw or b"").hexdigest())
            for attachment in (attachments or ())
        ]
        previous = self.state
        self._engine_write({"state": state, **values})
        self._ledger_log(
            event,
            {**payload, "from": previous, **self._evidence_facts()},
            documents,
        )
        self.activity_unlink(["mail.mail_activity_data_todo"])

    def _evidence_facts(self):
        self.ensure_one()
        return {
            "obligation": self.name,
            "kind": self.kind,
            "debtor": self.debtor,
            "amount": self._ledger_value("amount"),
            "date_due": self.date_due.isoformat() if self.date_due else None,
        }

    def action_fulfil(self):
        return self._wizard("done")

    def action_waive(self):
        return self._wizard("waived")

    def _wizard(self, outcome):
        self._check_may_act()
        return {
            "type": "ir.actions.act_window",
            "res_model": "econtract.obligation.close",
            "view_mode": "form",
            "target": "new",
            "context": {"default_obligation_ids": self.ids, "default_outcome": outcome},
        }

    # ------------------------------------------------------------------ the daily scan

    @api.model
    def _cron_scan(self):
        """Every company's open obligations, as of its own today."""
        # sudo: the job reads every company's obligations; what it writes is the engine's.
        for company in self.env["res.company"].sudo().search([]):
            self.sudo().with_company(company)._scan(company, company._econtract_date())
            # One company's scan is kept before the next one's: a fault there does not undo
            # the mails and text messages already sent here (they left with this commit).
            self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _scan(self, company, today):
        """Fulfilled by invoices → done; within the reminder lead → due; past → overdue;
        reminders sent; overdue ones escalated, one level a day. Each step is one query on
        the open-obligation index."""
        base = [("company_id", "=", company.id), ("state", "in", OPEN)]
        paid = self.search([*base, ("fulfil_mode", "=", "invoice"), ("invoice_paid", "=", True)])
        for obligation in paid:
            obligation._close(
                "done",
                {
                    "done_date": today,
                    "done_note": _("Paid: %s", ", ".join(obligation.move_ids.mapped("name"))),
                },
                "fulfilled",
                {"via": "invoice", "invoices": obligation.move_ids.mapped("name")},
            )
        self._scan_invoice_events(company)
        lead = self.env["econtract.fulfilment.reminder"]._lead_days(company)
        for kind, days in lead.items():
            coming = self.search(
                [
                    *base,
                    ("state", "=", "planned"),
                    ("kind", "=", kind),
                    ("date_due", "<=", today + datetime.timedelta(days=days)),
                    ("date_due", ">=", today),
                ]
            )
            coming._move("due")
        late = self.search([*base, ("state", "in", ("planned", "due")), ("date_due", "<", today)])
        late._move("overdue", today)
        self.env["econtract.fulfilment.reminder"]._send_due(company, today)
        self.env["econtract.fulfilment.level"]._escalate(company, today)

    @api.model
    def _scan_invoice_events(self, company):
        waiting = self.search(
            [
                ("company_id", "=", company.id),
                ("state", "in", OPEN),
                ("due_event", "=", "invoice"),
                ("date_due", "=", False),
                ("move_ids", "!=", False),
            ]
        )
        waiting._resolve_from_events()

    def _move(self, state, today=None):
        """Open obligations to ``state`` (due, overdue), one evidence event each, one append."""
        if not self:
            return
        previous = {obligation.id: obligation.state for obligation in self}
        self._engine_write({"state": state})
        entries = []
        for obligation in self:
            payload = {"from": previous[obligation.id], **obligation._evidence_facts()}
            if today:
                payload["days_overdue"] = (today - obligation.date_due).days
            entries.append((obligation, f"obligation.{state}", payload, ()))
        self.env["econtract.ledger"]._log(entries)
        if state == "overdue":
            for obligation in self.filtered(lambda o: o.debtor == "us"):
                obligation._warn_owner()

    def _send_template(self, xmlid_or_template, partner, attachments=None):
        """Mail ``partner`` about this obligation from a template, in their language when
        it is installed (else the contract's)."""
        self.ensure_one()
        template = (
            self.env.ref(xmlid_or_template)
            if isinstance(xmlid_or_template, str)
            else xmlid_or_template
        )
        installed = dict(self.env["res.lang"].get_installed())
        lang = partner.lang if partner.lang in installed else self.contract_id._document_lang()
        values = {"recipient_ids": [(6, 0, partner.ids)]}
        if attachments:
            values["attachment_ids"] = [(6, 0, attachments.ids)]
        return template.with_context(lang=lang).send_mail(self.id, email_values=values)

    def _owner(self):
        self.ensure_one()
        return self.user_id or self.contract_id.user_id

    def _warn_owner(self):
        """We are late: the owner gets an activity, once."""
        owner = self._owner()
        if not owner:
            return
        clean(self).activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=fields.Date.context_today(self),
            summary=_("Overdue: %(name)s", name=self.name),
            note=_(
                "%(contract)s: %(name)s was due on %(date)s.",
                contract=self.contract_id.display_name,
                name=self.name,
                date=self.date_due,
            ),
            user_id=owner.id,
        )
        clean(self.env["econtract.obligation.notice"])._record(self, "overdue")

    # ------------------------------------------------------------------ reading

    @api.model
    def _scan_query_plan(self, company, today):
        """EXPLAIN of the scan's overdue query (for the benchmark): the open-due index."""
        query = self._search(
            [
                ("company_id", "=", company.id),
                ("state", "in", ("planned", "due")),
                ("date_due", "<", today),
            ]
        )
        self.env.cr.execute(SQL("EXPLAIN %s", query.select()))
        return "\n".join(row[0] for row in self.env.cr.fetchall())
