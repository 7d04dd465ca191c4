import datetime

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.econtract_base.models.econtract_guard_mixin import clean, engine

from econtract.extract import (
    AfterEvent,
    Event,
    Money,
    OnDate,
    Recurring,
    Share,
    Span,
    aliases,
    occurrences,
    side,
)

from ..models.econtract_obligation import DEBTORS, EVENTS, KINDS, UNITS

PERIODS = [("month", "Month"), ("quarter", "Quarter"), ("half_year", "Half Year"), ("year", "Year")]
#: A recurring obligation without an end of term is planned this far ahead.
HORIZON_DAYS = 366
#: Twenty years of monthly dues: more is a term entered wrong.
MAX_OCCURRENCES = 240


def _describe(when):
    if isinstance(when, OnDate):
        return when.day.isoformat()
    return when.span.text


class EcontractObligationExtract(models.TransientModel):
    """The obligations the clauses state, for the owner to check against the text they
    came from, correct, and confirm into the plan."""

    _name = "econtract.obligation.extract"
    _description = "Read the Plan from the Clauses"

    contract_id = fields.Many2one("econtract.contract", required=True, readonly=True)
    done = fields.Boolean(readonly=True)
    line_ids = fields.One2many("econtract.obligation.extract.line", "wizard_id")
    conflict_count = fields.Integer(compute="_compute_conflict_count")

    @api.depends("line_ids.conflict")
    def _compute_conflict_count(self):
        for wizard in self:
            wizard.conflict_count = len(wizard.line_ids.filtered("conflict"))

    @api.model
    def _prepare(self, contract):
        contract._fulfilment_check_plannable()
        texts = contract._fulfilment_texts()
        pairs = aliases("\n".join(texts.values()))
        planned = {(o.clause_id.id, o.span_text) for o in contract.obligation_ids}
        rate = contract._fulfilment_late_fee_rate(texts)
        lines = []
        for clause, found in contract._fulfilment_candidates(texts):
            values = self._line_values(contract, clause, found, pairs, rate)
            if (clause.id, found.span.text) in planned:
                values.update(include=False, note=_("Already in the plan."))
            lines.append(fields.Command.create(values))
        return self.create({"contract_id": contract.id, "line_ids": lines})

    @api.model
    def _line_values(self, contract, clause, found, pairs, rate):
        kinds = dict(
            self.env["econtract.obligation"]._fields["kind"]._description_selection(self.env)
        )
        values = {
            "clause_id": clause.id,
            "span_text": found.span.text,
            "kind": found.kind.value,
            "debtor": side(found.debtor, pairs) or False,
            "partner_id": contract._fulfilment_partner().id,
            "name": f"{kinds[found.kind.value]}: {found.span.text[:60]}",
            "include": True,
            "late_fee_rate": rate if found.kind.value == "payment" else 0.0,
        }
        if isinstance(found.amount, Money):
            if found.amount.currency == (contract.currency_id.name or "CNY"):
                values["amount"] = float(found.amount.amount)
            else:
                values["note"] = _(
                    "The clause states %(currency)s %(amount)s.",
                    currency=found.amount.currency,
                    amount=found.amount.amount,
                )
        elif isinstance(found.amount, Share):
            values["share_percent"] = float(found.amount.percent)
            values["amount"] = contract.currency_id.round(
                contract.amount * float(found.amount.percent) / 100
            )
        if found.amount_conflicts:
            values["note"] = _(
                "The clause states different amounts: %(amounts)s.",
                amounts=", ".join(a.span.text for a in found.amount_conflicts),
            )
        when = found.when
        if when is None and found.conflicts:
            values["conflict"] = True
            values["conflict_note"] = _(
                "The clause gives times that disagree: %(times)s. Choose the due date.",
                times="; ".join(_describe(w) for w in found.conflicts),
            )
        elif isinstance(when, OnDate):
            values["date_due"] = when.day
        elif isinstance(when, AfterEvent):
            if when.event is Event.PERIOD_START:
                values.update(
                    include=False,
                    note=_("Before each period: the rent schedule plans every period."),
                )
            else:
                values.update(
                    due_event=when.event.value, due_offset=when.count, due_unit=when.unit.value
                )
        elif isinstance(when, Recurring):
            values.update(every=when.every, every_month=when.month, every_day=when.day)
        return values

    def action_confirm(self):
        self.ensure_one()
        contract = self.contract_id
        contract._fulfilment_check_plannable()
        if self.done:
            raise UserError(_("This reading has been planned already."))
        chosen = self.line_ids.filtered("include")
        if not chosen:
            raise UserError(_("Choose the obligations to plan."))
        texts = contract._fulfilment_texts()  # the contract's own clauses only
        values = []
        for line in chosen:
            values.extend(line._obligation_values(contract, texts))
        with engine():
            obligations = clean(self.env["econtract.obligation"]).create(values)
            self.write({"done": True})
        # sudo: the request to confirm is the owner's activity; whoever confirms the plan
        # (a manager for them) has answered it.
        clean(contract).sudo().activity_feedback(
            ["econtract_fulfilment.mail_activity_confirm_plan"],
            feedback=_("Planned: %(count)s obligations.", count=len(obligations)),
        )
        return contract.action_open_obligations() if obligations else True


class EcontractObligationExtractLine(models.TransientModel):
    _name = "econtract.obligation.extract.line"
    _description = "Obligation Read from a Clause"

    wizard_id = fields.Many2one("econtract.obligation.extract", required=True, ondelete="cascade")
    include = fields.Boolean(string="Plan", default=True)
    clause_id = fields.Many2one("econtract.contract.clause", readonly=True)
    span_text = fields.Text(string="The Clause Says", readonly=True)
    name = fields.Char(string="Obligation", required=True)
    kind = fields.Selection(KINDS, required=True)
    debtor = fields.Selection(DEBTORS, string="Owed By")
    partner_id = fields.Many2one("res.partner", string="Counterparty")
    currency_id = fields.Many2one(related="wizard_id.contract_id.currency_id")
    amount = fields.Monetary(currency_field="currency_id")
    share_percent = fields.Float(string="Share (%)", readonly=True)
    date_due = fields.Date(string="Due Date")
    due_event = fields.Selection(EVENTS, string="Counted From")
    due_offset = fields.Integer(string="Offset")
    due_unit = fields.Selection(UNITS, default="days")
    every = fields.Selection(PERIODS, string="Every")
    every_month = fields.Integer(string="Month of the Period", default=1)
    every_day = fields.Integer(string="Day")
    conflict = fields.Boolean(readonly=True)
    conflict_note = fields.Text(readonly=True)
    late_fee_rate = fields.Float(string="Late Fee per Day", digits=(12, 6))
    note = fields.Text(readonly=True)

    def _check_span(self, contract, texts):
        """What the line says the clause says, the clause says: a caller may write a wizard
        line's every field, and the span is printed in letters as the contract's words."""
        if not self.clause_id and not self.span_text:
            return
        text = " ".join(texts.get(self.clause_id, "").split())
        span = " ".join((self.span_text or "").split())
        if not span or span not in text:
            raise UserError(
                _(
                    "“%(name)s” does not quote a clause of %(contract)s.",
                    name=self.name,
                    contract=contract.display_name,
                )
            )

    def _obligation_values(self, contract, texts):
        """The obligations this line plans (several for a recurring one)."""
        self.ensure_one()
        self._check_span(contract, texts)
        if not self.debtor:
            raise UserError(_("Say who owes “%(name)s”.", name=self.name))
        if self.conflict and not self.date_due:
            raise UserError(_("“%(name)s”: %(note)s", name=self.name, note=self.conflict_note))
        common = {
            "contract_id": contract.id,
            "name": self.name,
            "kind": self.kind,
            "debtor": self.debtor,
            "partner_id": self.partner_id.id,
            "amount": self.amount,
            "late_fee_rate": self.late_fee_rate,
            "user_id": contract.user_id.id,
            "source": "clause",
            "clause_id": self.clause_id.id,
            "span_text": self.span_text,
            "fulfil_mode": "manual",
        }
        if self.date_due:
            return [{**common, "date_due": self.date_due}]
        if self.due_event:
            return [
                {
                    **common,
                    "due_event": self.due_event,
                    "due_offset": self.due_offset,
                    "due_unit": self.due_unit,
                }
            ]
        if self.every:
            if not (1 <= self.every_day <= 31 and 1 <= self.every_month <= 12):
                raise UserError(_("“%(name)s”: a day of the month is 1 to 31.", name=self.name))
            start = contract.date_start or contract._fulfilment_signed_date()
            end = contract.date_end or start + datetime.timedelta(days=HORIZON_DAYS)
            rule = Recurring(self.every, self.every_month, self.every_day, Span(0, 0, ""))
            days = occurrences(rule, start, end)
            if len(days) > MAX_OCCURRENCES:
                raise UserError(
                    _(
                        "“%(name)s” would fall due %(count)s times: give the contract an end.",
                        name=self.name,
                        count=len(days),
                    )
                )
            if not days:
                raise UserError(_("“%(name)s” falls on no day of the term.", name=self.name))
            return [
                {**common, "name": f"{self.name} ({day.isoformat()})", "date_due": day}
                for day in days
            ]
        raise UserError(_("“%(name)s” has no due date: give one.", name=self.name))
