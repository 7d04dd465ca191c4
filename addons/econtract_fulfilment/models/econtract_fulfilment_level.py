import base64
import datetime
import hashlib
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from odoo.addons.econtract_base.models.econtract_guard_mixin import clean, engine

from econtract.amounts import format_capital_amount
from econtract.errors import AmountError, RenderError

_logger = logging.getLogger(__name__)


class EcontractFulfilmentLevel(models.Model):
    """A step of the escalation of what a counterparty owes and has not done, after OCA's
    ``account_credit_control``: so many days overdue, this action — a reminder mail, a
    formal dunning letter (催款函), an activity for the legal team with the evidence."""

    _name = "econtract.fulfilment.level"
    _description = "Dunning Level"
    _order = "company_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    sequence = fields.Integer(required=True, default=10)
    delay = fields.Integer(
        string="Days Overdue", required=True, help="Reached this many days after the due date."
    )
    action = fields.Selection(
        [
            ("mail", "Reminder Mail to the Counterparty"),
            ("letter", "Dunning Letter (PDF), Stored and Sent"),
            ("activity", "Activity for the Legal Team, Evidence Attached"),
        ],
        required=True,
        default="mail",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        domain="[('model', '=', 'econtract.obligation')]",
        help="The mail sent; the letter goes with it as an attachment.",
    )
    activity_user_id = fields.Many2one(
        "res.users", string="Legal Team Member", help="Who handles it at this level."
    )

    _sql_constraints = [
        ("sequence_unique", "UNIQUE(company_id, sequence)", "One level per step and company."),
        ("delay_positive", "CHECK(delay >= 0)", "A level is reached after the due date."),
    ]

    @api.constrains("mail_template_id")
    def _check_template(self):
        for level in self:
            # sudo: the template's model, whoever may not read mail templates.
            template = level.sudo().mail_template_id
            if template and template.model != "econtract.obligation":
                raise UserError(_("A dunning level sends a mail about an obligation."))

    @api.constrains("sequence", "delay", "company_id")
    def _check_order(self):
        for company in self.company_id:
            levels = self.with_context(active_test=False).search([("company_id", "=", company.id)])
            delays = [level.delay for level in levels]
            if delays != sorted(delays):
                raise UserError(_("A later dunning level is reached later: order the delays."))

    # ------------------------------------------------------------------ escalation

    @api.model
    def _escalate(self, company, today):
        """Each overdue obligation the counterparty owes reaches the next level whose delay
        has passed, one level a day; a paid invoice stops it. A fault (the PDF, the mail)
        leaves the obligation at its last level, for the next scan to retry."""
        Obligation = self.env["econtract.obligation"]
        levels = self.search([("company_id", "=", company.id)])
        lower = self.browse()
        handled = Obligation.browse()
        for level in levels:
            candidates = (
                Obligation.search(
                    [
                        ("company_id", "=", company.id),
                        ("state", "=", "overdue"),
                        ("debtor", "=", "counterparty"),
                        ("invoice_paid", "=", False),
                        ("level_id", "in", [False, *lower.ids]),
                        ("date_due", "<=", today - datetime.timedelta(days=level.delay)),
                    ]
                )
                - handled
            )
            for obligation in candidates:
                try:
                    with self.env.cr.savepoint():
                        level._apply(obligation, today)
                    handled |= obligation
                except Exception as exc:  # one fault never stops the scan
                    _logger.warning("dunning %s at %s failed: %s", obligation.name, level.name, exc)
            lower |= level

    def _apply(self, obligation, today):
        self.ensure_one()
        letter = self.env["ir.attachment"]
        documents = []
        if self.action == "letter":
            letter = self._letter(obligation, today)
            documents.append((letter.name, hashlib.sha256(letter.raw).hexdigest()))
        if self.action in ("mail", "letter"):
            template = self.mail_template_id or self.env.ref(
                "econtract_fulfilment.mail_template_obligation_overdue"
            )
            if not obligation.partner_id.email:
                raise UserError(_("%s has no e-mail address.", obligation.partner_id.name))
            obligation._send_template(template, obligation.partner_id, letter)
        if self.action == "activity":
            evidence = self._evidence(obligation)
            documents.append((evidence.name, hashlib.sha256(evidence.raw).hexdigest()))
            user = self.activity_user_id or obligation._owner()
            clean(obligation).activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=today,
                summary=_("Legal action: %(name)s", name=obligation.name),
                note=_(
                    "%(contract)s: %(name)s is %(days)s days overdue. The evidence package "
                    "(%(file)s) is attached to the obligation.",
                    contract=obligation.contract_id.display_name,
                    name=obligation.name,
                    days=(today - obligation.date_due).days,
                    file=evidence.name,
                ),
                user_id=user.id,
            )
        obligation._engine_write({"level_id": self.id})
        self.env["econtract.obligation.notice"]._record(
            obligation,
            "dunning",
            level_id=self.id,
            date=today,
            recipient_id=obligation.partner_id.id,
            channels=self.action,
            attachment_id=letter.id,
        )
        obligation._ledger_log(
            "dunned",
            {
                "level": self.name,
                "action": self.action,
                "days_overdue": (today - obligation.date_due).days,
                **obligation._evidence_facts(),
            },
            documents,
        )

    def _evidence(self, obligation):
        contract = obligation.contract_id
        data = contract._evidence_package_now()
        with engine():
            return clean(self.env["ir.attachment"]).create(
                {
                    "name": contract._evidence_file_name(),
                    "raw": data,
                    "econtract_frozen": True,
                    "res_model": obligation._name,
                    "res_id": obligation.id,
                    "mimetype": "application/zip",
                }
            )

    # ------------------------------------------------------------------ the letter

    @api.model
    def _letter_values(self, obligation, today):
        contract = obligation.contract_id
        language = contract._text_language()
        days = (today - obligation.date_due).days
        amount = obligation.amount or 0.0
        fee = obligation.currency_id.round(amount * (obligation.late_fee_rate or 0.0) * days)
        try:
            capital = format_capital_amount(f"{amount:.2f}")
            fee_capital = format_capital_amount(f"{fee:.2f}") if fee else ""
        except AmountError:
            capital = fee_capital = ""
        env = self.with_context(lang=contract._document_lang()).env
        return {
            "obligation": obligation,
            # A payment is dunned (催款函); any other duty is called upon (履约催告函).
            "payment": obligation.kind == "payment",
            "contract": contract,
            "company": contract.company_id,
            "partner": obligation.partner_id,
            "language": language,
            "today": today,
            "days": days,
            "amount": format_amount(env, amount, obligation.currency_id),
            "amount_capital": capital if obligation.currency_id.name == "CNY" else "",
            "fee": format_amount(env, fee, obligation.currency_id) if fee else "",
            "fee_capital": fee_capital if obligation.currency_id.name == "CNY" else "",
            "rate": obligation.late_fee_rate,
            "signed_on": contract._econtract_signed_on().date(),
        }

    def _letter(self, obligation, today):
        """The dunning letter (催款函; for a duty other than a payment, a notice to perform,
        履约催告函) as a PDF attachment of the obligation."""
        # WeasyPrint takes half a second to import: load it when a letter is made.
        from econtract.pdf import PageLayout, render_pdf

        values = self._letter_values(obligation, today)
        # The letter is written in both languages (its t-if picks the contract's): rendered
        # untranslated, whoever's session runs the scan.
        qweb = self.env["ir.qweb"].with_context(lang="en_US")
        html = qweb._render("econtract_fulfilment.dunning_letter", values)
        layout = PageLayout(reference=obligation.contract_id.name, language=values["language"])
        try:
            rendered = render_pdf(str(html), layout)
        except RenderError as exc:
            raise UserError(
                _("The dunning letter could not be made: %(error)s", error=exc)
            ) from exc
        zh = values["language"] == "zh"
        if values["payment"]:
            label = "催款函" if zh else "Dunning Letter"
        else:
            label = "履约催告函" if zh else "Notice to Perform"
        with engine():
            return clean(self.env["ir.attachment"]).create(
                {
                    "name": f"{label} {obligation.contract_id.name} {today.isoformat()}.pdf",
                    "datas": base64.b64encode(rendered.data),
                    "econtract_frozen": True,
                    "res_model": obligation._name,
                    "res_id": obligation.id,
                    "mimetype": "application/pdf",
                }
            )
