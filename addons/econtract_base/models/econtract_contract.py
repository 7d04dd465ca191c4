import hashlib
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from econtract.errors import MissingValuesError, RenderError, TemplateError
from econtract.lease import LeaseError, rent_schedule
from econtract.ledger.canonical import canonical
from econtract.numerals import chinese_number
from econtract.templating import render_placeholders

from .econtract_guard_mixin import engine

LANGUAGES = [("zh_CN", "Chinese (Simplified)"), ("en_US", "English")]
PARTY_LABELS_ZH = ["甲方", "乙方", "丙方", "丁方", "戊方", "己方", "庚方", "辛方", "壬方", "癸方"]
DOCUMENT_LABELS = {
    "zh": {
        "reference": "合同编号：",
        "seal": "（盖章）",
        "signature": "授权代表（签字）：______________",
        "date": "日期：______年____月____日",
    },
    "en": {
        "reference": "Contract No. ",
        "seal": "(Seal)",
        "signature": "Authorised signatory: ______________",
        "date": "Date: ______________",
    },
}
# How a rent period reads inside contract text, in the contract's language (按季度支付).
LEASE_FREQUENCY_WORDING = {
    "zh_CN": {"1": "月", "3": "季度", "6": "半年", "12": "年"},
    "en_US": {"1": "monthly", "3": "quarterly", "6": "half-yearly", "12": "yearly"},
}
#: What the parties agree to: a caller writes it while the contract is a draft, and never
#: after it was submitted (the approval covers it) or signed.
CONTENT_FIELDS = frozenset(
    {
        "title",
        "contract_type",
        "tag_ids",
        "partner_ids",
        "company_id",
        "user_id",
        "currency_id",
        "amount",
        "date_start",
        "date_end",
        "note",
        "language",
        "template_version_id",
        "clause_ids",
        "variable_ids",
        "rent_line_ids",
        "lease_premises",
        "lease_rent",
        "lease_frequency",
        "lease_deposit",
        "lease_escalation",
    }
)
CONTRACT_TYPES = [
    ("purchase", "Purchase"),
    ("labor", "Labor"),
    ("lease", "Lease"),
    ("sales", "Sales"),
    ("other", "Other"),
]


class EcontractContract(models.Model):
    _name = "econtract.contract"
    _description = "Electronic Contract"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "econtract.approval.mixin",
        "econtract.guard.mixin",
    ]
    _order = "date_start desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "title"]
    _approval_date_field = "date_start"
    # State, reference, reason, documents and approvals are the engine's; content is the
    # drafter's until submission; internal notes stay open until signing.
    _guard_create = CONTENT_FIELDS | {"active"}
    _guard_write = {
        "draft": CONTENT_FIELDS | {"active"},
        "in_approval": frozenset({"note"}),
        "approved": frozenset({"note"}),
        "cancelled": frozenset({"active"}),
    }

    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        index="trigram",
        default=lambda self: _("New"),
        help="Unique number given from the contract sequence when the contract is saved.",
    )
    title = fields.Char(required=True, tracking=True, index="trigram")
    contract_type = fields.Selection(
        CONTRACT_TYPES, string="Type", required=True, default="other", tracking=True
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("in_approval", "Awaiting Approval"),
            ("approved", "Approved"),
            ("cancelled", "Cancelled"),
        ],
        string="Status",
        required=True,
        default="draft",
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    state_reason = fields.Char(
        string="Reason",
        readonly=True,
        copy=False,
        tracking=True,
        help="Why the contract was last cancelled or brought back to draft.",
    )
    active = fields.Boolean(default=True)
    tag_ids = fields.Many2many("econtract.contract.tag", string="Tags")
    days_to_end = fields.Integer(
        string="Days Left",
        compute="_compute_days_to_end",
        search="_search_days_to_end",
        help="Days until the end date; negative once the contract has ended.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Counterparties",
        help="The other parties to the contract: suppliers, customers, employees, tenants.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        required=True,
        index=True,
        tracking=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        tracking=True,
        default=lambda self: self.env.company.currency_id,
    )
    amount = fields.Monetary(currency_field="currency_id", tracking=True)
    date_start = fields.Date(string="Start Date", tracking=True)
    date_end = fields.Date(string="End Date", tracking=True)
    note = fields.Html(string="Notes")
    language = fields.Selection(
        LANGUAGES,
        required=True,
        tracking=True,
        default=lambda self: self._language_for(self.env.lang),
        help="The language the contract is written in.",
    )
    template_version_id = fields.Many2one(
        "econtract.template.version",
        string="Template",
        tracking=True,
        domain="[('state', '=', 'published')]",
        help="The template version the contract was drafted from; later versions of the "
        "template do not change it.",
    )
    clause_ids = fields.One2many("econtract.contract.clause", "contract_id", string="Clauses")
    variable_ids = fields.One2many("econtract.contract.variable", "contract_id", string="Variables")
    document_ids = fields.One2many("econtract.contract.document", "contract_id", string="Documents")
    document_count = fields.Integer(compute="_compute_document_count")
    lease_premises = fields.Text(
        string="Premises", tracking=True, help="What is leased: address, area, use."
    )
    lease_rent = fields.Monetary(string="Rent per Period", tracking=True)
    lease_frequency = fields.Selection(
        [("1", "Monthly"), ("3", "Quarterly"), ("6", "Half-yearly"), ("12", "Yearly")],
        string="Rent Period",
        default="1",
        tracking=True,
    )
    lease_frequency_wording = fields.Char(
        string="Rent Period in the Text", compute="_compute_lease_frequency_wording"
    )
    lease_deposit = fields.Monetary(string="Deposit", tracking=True)
    lease_escalation = fields.Float(
        string="Yearly Escalation (%)",
        digits=(16, 2),
        tracking=True,
        help="Rise of the rent on each anniversary of the start date.",
    )
    rent_line_ids = fields.One2many("econtract.rent.line", "contract_id", string="Rent Schedule")

    _sql_constraints = [
        (
            "name_company_uniq",
            "unique(name, company_id)",
            "A contract reference must be unique per company.",
        ),
    ]

    @api.depends("lease_frequency", "language")
    def _compute_lease_frequency_wording(self):
        for contract in self:
            wording = LEASE_FREQUENCY_WORDING.get(contract.language, {})
            contract.lease_frequency_wording = wording.get(contract.lease_frequency or "", "")

    @api.depends("date_end")
    @api.depends_context("tz")
    def _compute_days_to_end(self):
        today = fields.Date.context_today(self)
        for contract in self:
            end = contract.date_end
            contract.days_to_end = (end - today).days if end else 0

    def _search_days_to_end(self, operator, value):
        """Contracts ending within (``<=``) or beyond (``>``) ``value`` days from today."""
        if operator not in ("<=", "<", ">", ">=") or not isinstance(value, int):
            raise ValidationError(_("Search on days left with <, <=, > or >= and a number."))
        limit = fields.Date.context_today(self) + relativedelta(days=value)
        return [("date_end", "!=", False), ("date_end", operator, limit)]

    @api.depends("document_ids")
    def _compute_document_count(self):
        for contract in self:
            contract.document_count = len(contract.document_ids)

    @api.depends("name", "title")
    def _compute_display_name(self):
        for contract in self:
            contract.display_name = f"{contract.name} {contract.title or ''}".strip()

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for contract in self:
            if (
                contract.date_start
                and contract.date_end
                and contract.date_end < contract.date_start
            ):
                raise ValidationError(
                    _(
                        "Contract %(name)s ends (%(end)s) before it starts (%(start)s).",
                        name=contract.display_name,
                        end=contract.date_end,
                        start=contract.date_start,
                    )
                )

    @api.constrains("template_version_id", "company_id")
    def _check_template_company(self):
        for contract in self.filtered("template_version_id"):
            # sudo: the template's company, whether or not the writer may read the template.
            company = contract.template_version_id.sudo().template_id.company_id
            if company and company != contract.company_id:
                raise ValidationError(
                    _(
                        "%(name)s cannot use a template of another company.",
                        name=contract.display_name,
                    )
                )

    @api.constrains("amount")
    def _check_amount(self):
        for contract in self:
            if contract.currency_id.compare_amounts(contract.amount, 0) < 0:
                raise ValidationError(
                    _(
                        "The amount of contract %(name)s cannot be negative.",
                        name=contract.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # The form sends the placeholder; the number itself is the engine's.
            if vals.get("name") in ("New", _("New")):
                del vals["name"]
        return super().create(vals_list)

    @api.model
    def _guard_prepare_create_vals(self, vals):
        if not vals.get("name"):
            company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
            # sudo: the sequence is configuration users may not read; numbering is not.
            vals["name"] = self.env["ir.sequence"].sudo().with_company(company).next_by_code(
                "econtract.contract"
            ) or _("New")
        return super()._guard_prepare_create_vals(vals)

    def _check_state(self, state, message):
        """Raise ``message`` (with ``%(names)s``) unless every contract is in ``state``."""
        wrong = self.filtered(lambda contract: contract.state != state)
        if wrong:
            raise ValidationError(message % {"names": ", ".join(wrong.mapped("display_name"))})

    def _set_state(self, state, reason=False):
        """Move the contracts to ``state``: the one place a contract's state is written, by
        the engine methods that checked its preconditions and who calls them (an approver
        or an outside signer may move a contract they cannot write)."""
        with engine():
            self.write({"state": state, "state_reason": reason or False})

    def action_cancel(self, reason=None):
        self._check_state("draft", _("Only a draft contract can be cancelled: %(names)s."))
        self.check_access("write")
        self._set_state("cancelled", reason)
        return True

    def action_draft(self, reason=None):
        self._check_state(
            "cancelled", _("Only a cancelled contract can be reset to draft: %(names)s.")
        )
        self.check_access("write")
        self._set_state("draft", reason)
        return True

    def action_open_state_wizard(self):
        """Ask for the reason of a cancellation or of a reset to draft."""
        self.check_access("write")
        return {
            "type": "ir.actions.act_window",
            "name": _("Reason"),
            "res_model": "econtract.contract.state.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_contract_ids": self.ids,
                "default_target_state": self.env.context.get("target_state", "cancelled"),
            },
        }

    # ------------------------------------------------------------------ drafting

    def action_compute_rent_schedule(self):
        """Replace the rent schedule by the one the lease terms give."""
        self._check_state("draft", _("Only a draft contract takes a rent schedule: %(names)s."))
        for contract in self:
            if not (contract.date_start and contract.date_end and contract.lease_frequency):
                raise UserError(
                    _("A rent schedule needs the start date, end date and rent period.")
                )
            currency = contract.currency_id
            try:
                periods = rent_schedule(
                    contract.date_start,
                    contract.date_end,
                    Decimal(f"{currency.round(contract.lease_rent):.{currency.decimal_places}f}"),
                    months_per_period=int(contract.lease_frequency),
                    escalation_percent=Decimal(repr(contract.lease_escalation)),
                )
            except LeaseError as exc:
                raise UserError(_("No rent schedule: %(error)s", error=exc)) from exc
            contract.rent_line_ids.unlink()
            contract.write(
                {
                    "rent_line_ids": [
                        Command.create(
                            {
                                "period_start": period.start,
                                "period_end": period.end,
                                "date_due": period.due,
                                "amount": float(period.amount),
                            }
                        )
                        for period in periods
                    ]
                }
            )
            contract._log_content_change(
                _(
                    "Rent schedule computed: %(count)s periods, %(total)s in total.",
                    count=len(periods),
                    total=currency.format(float(sum(p.amount for p in periods))),
                )
            )
        return True

    def _is_signed(self):
        """Whether every party has signed: the signing addon's state, when it is installed."""
        self.ensure_one()
        return self.state == "signed"

    def _log_content_change(self, body):
        """Post a change of the contract's content in its chatter, as the acting user."""
        self.ensure_one()
        self.message_post(body=body, subtype_xmlid="mail.mt_note")

    def _get_source_record(self):
        """The record the contract was drafted from (a purchase order…), else the contract.

        Each glue module that adds a source (its link field, see ``econtract.source.mixin``)
        extends this with that field.
        """
        self.ensure_one()
        return self

    def action_view_source(self):
        """Open the record the contract was drafted from (purchase order, employee contract…)."""
        self.ensure_one()
        source = self._get_source_record()
        return {
            "type": "ir.actions.act_window",
            "res_model": source._name,
            "res_id": source.id,
            "view_mode": "form",
        }

    def _check_template_usable(self, version):
        try:
            version.check_access("read")
            version.template_id.check_access("read")
        except AccessError as exc:
            raise UserError(_("You may not draft contracts from this template.")) from exc
        if version.state != "published":
            raise UserError(_("%(name)s is not published.", name=version.display_name))

    def action_apply_template(self):
        """Replace the clauses and variables by the template's, values from the source."""
        for contract in self:
            version = contract.template_version_id
            if not version:
                raise UserError(_("Choose a template first."))
            if contract.state != "draft":
                raise UserError(_("Only a draft contract takes a template."))
            contract._check_template_usable(version)
            contract.check_access("write")
            # Values read in the template's language (selection labels, product names…)
            # when that language is installed.
            lang = contract._installed_lang(version.language)
            source = contract._get_source_record().with_context(lang=lang)
            # The clauses' origin and the variables' definitions are the template's: the
            # engine copies them, and logs the whole replacement as one change (below).
            with engine():
                contract.clause_ids.unlink()
                contract.variable_ids.unlink()
                # The language first: values worded per language (rent periods…) follow it.
                contract.language = version.language
                variables = [
                    var._prepare_contract_value_vals(source)
                    for var in version.variable_ids.with_context(lang=lang)
                ]
                contract.write(
                    {
                        "clause_ids": [
                            Command.create(
                                {
                                    "sequence": line.sequence,
                                    "title": line.title,
                                    "body": line.body,
                                    "clause_version_id": line.clause_version_id.id,
                                }
                            )
                            for line in version.line_ids
                        ],
                        "variable_ids": [Command.create(vals) for vals in variables],
                    }
                )
            contract._log_content_change(
                _("Drafted from template %(name)s.", name=version.display_name)
            )
        return True

    def _get_missing_variables(self):
        """Labels of the required variables that have no value."""
        self.ensure_one()
        return self.variable_ids.filtered(lambda v: v.required and not v.is_set).mapped("label")

    @api.model
    def _language_for(self, lang):
        """The contract language for an Odoo language code: Chinese for zh_*, else English."""
        return "zh_CN" if (lang or "").startswith("zh") else "en_US"

    def _text_language(self):
        """The core library's language of the contract text: ``zh`` or ``en``."""
        self.ensure_one()
        return "zh" if self.language == "zh_CN" else "en"

    def _get_content_problems(self):
        """Everything that keeps the contract text from being final, as sentences for the user.

        Collected in one pass rather than raised at the first one, so that whoever drafts the
        contract sees the whole list: required values not filled in, clauses that use values
        the contract does not have or has left empty, malformed placeholders, no counterparty.
        """
        self.ensure_one()
        language = self._text_language()
        problems = []
        if not self.partner_ids:
            problems.append(_("The contract has no counterparty."))
        missing = self._get_missing_variables()
        if missing:
            problems.append(_("Fill in these values: %(names)s.", names=", ".join(missing)))
        values = {variable.name: variable._get_value() for variable in self.variable_ids}
        labels = {variable.name: variable.label for variable in self.variable_ids}
        for clause in self.clause_ids.sorted(lambda clause: (clause.sequence, clause.id)):
            try:
                render_placeholders(clause.body or "", values, language=language)
            except MissingValuesError as exc:
                empty = [labels[name] for name in exc.names if name in labels]
                unknown = [name for name in exc.names if name not in labels]
                if extra := [label for label in empty if label not in missing]:
                    problems.append(
                        _(
                            "Clause %(title)s uses values that are empty: %(names)s.",
                            title=clause.title,
                            names=", ".join(extra),
                        )
                    )
                if unknown:
                    problems.append(
                        _(
                            "Clause %(title)s uses values the contract does not have: %(names)s.",
                            title=clause.title,
                            names=", ".join(unknown),
                        )
                    )
            except TemplateError as exc:
                problems.append(_("Clause %(title)s: %(error)s", title=clause.title, error=exc))
        return problems

    def _check_content_complete(self):
        """Refuse, with the whole list of problems, a contract whose text is not final.

        Rendering a document calls it; so does submitting for approval.
        """
        for contract in self:
            if problems := contract._get_content_problems():
                raise UserError(
                    _(
                        "Contract %(contract)s is not complete yet:\n%(problems)s",
                        contract=contract.display_name,
                        problems="\n".join(f"• {problem}" for problem in problems),
                    )
                )

    # Approval ----------------------------------------------------------------------------

    def _approval_check_submittable(self):
        self._check_state("draft", _("Only a draft contract can be submitted: %(names)s."))
        self._check_content_complete()

    def _approval_content_hash(self, html=None):
        """SHA-256 over what the parties agree to: the contract's text as rendered (``html``
        when the caller has it), and the header values it is selected and approved by."""
        self.ensure_one()
        if html is None:
            html = self.with_context(lang=self._document_lang())._prepare_document_html()
        content = {
            "html": str(html),
            "title": self.title,
            "type": self.contract_type,
            "amount": f"{self.amount:.{self.currency_id.decimal_places}f}",
            "currency": self.currency_id.name,
            "start": str(self.date_start or ""),
            "end": str(self.date_end or ""),
            "partners": sorted(self.partner_ids.ids),
            "company": self.company_id.id,
        }
        return hashlib.sha256(canonical(content)).hexdigest()

    def _approval_document_sha256(self, content_hash):
        """The document version approvers decide on: the newest one if it was rendered from
        ``content_hash``, else a version rendered now."""
        self.ensure_one()
        latest = self.document_ids.sorted("version")[-1:]
        if not latest or latest.content_hash != content_hash:
            latest = self._render_document()
        return latest.sha256

    def _approval_policy_matches(self, policy):
        if policy.contract_type and policy.contract_type != self.contract_type:
            return False
        return not policy.tag_ids or bool(policy.tag_ids & self.tag_ids)

    def _approval_describe(self):
        parts = [super()._approval_describe()]
        parts.append(
            _(
                "type %(type)s",
                type=dict(self._fields["contract_type"]._description_selection(self.env))[
                    self.contract_type
                ],
            )
        )
        if self.tag_ids:
            parts.append(_("tags %(tags)s", tags=", ".join(self.tag_ids.mapped("name"))))
        return ", ".join(parts)

    def _approval_audit_attributes(self):
        self.ensure_one()

        def label(name):
            return self._fields[name]._description_string(self.env)

        def selected(name):
            return dict(self._fields[name]._description_selection(self.env))[self[name]]

        digits = self.currency_id.decimal_places
        return [
            (label("name"), self.name),
            (label("title"), self.title),
            (label("contract_type"), selected("contract_type")),
            (label("amount"), f"{self.amount:,.{digits}f} {self.currency_id.name}"),
            (label("partner_ids"), ", ".join(self.partner_ids.mapped("name"))),
            (label("user_id"), self.user_id.name),
            (label("company_id"), self.company_id.name),
            (label("state"), selected("state")),
        ]

    def action_print_approval_report(self):
        self.check_access("read")
        return {
            "type": "ir.actions.act_url",
            "url": f"/econtract/approval/report?ids={','.join(map(str, self.ids))}",
            "target": "self",
        }

    @api.model
    def _demo_submit_for_approval(self, ids, user_id):
        """Demo data: submit contracts as the user who would."""
        self.browse(ids).with_user(user_id).action_submit_for_approval()

    def _approval_on_submitted(self, request):
        self._check_state("draft", _("Only a draft contract can be submitted: %(names)s."))
        self._set_state("in_approval")

    def _approval_on_approved(self, request):
        """Approved: only by the contract's current approval request, once approved. Its
        content is the submitted one: the guard froze it at submission, and every decision
        compared its hash (`_check_content_unchanged`), so it is not rendered again here."""
        self.ensure_one()
        self._check_state("in_approval", _("%(names)s is not awaiting approval."))
        if (
            request.state != "approved"
            or request.res_model != self._name
            or request.res_id != self.id
            or request != self.approval_request_id
        ):
            raise UserError(
                _(
                    "%(name)s can only be approved by its approval request, for the content "
                    "it was submitted with.",
                    name=self.display_name,
                )
            )
        self._set_state("approved")

    def _approval_on_rejected(self, request, decision, comment):
        reason = {
            "withdrawn": _("Withdrawn from approval."),
            "expired": _("Rejected: the approval deadline passed."),
        }.get(decision) or comment
        self._set_state("draft", reason)

    def action_check_content(self):
        """Tell the user whether the contract is complete (or raise the list of what is not)."""
        self._check_content_complete()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("The contract is complete: every value is filled in."),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _prepare_document_html(self):
        """The contract as HTML: parties, numbered clauses with values, signature blocks."""
        self.ensure_one()
        language = self._text_language()
        if problems := self._get_content_problems():
            raise UserError("\n".join(problems))
        values = {variable.name: variable._get_value() for variable in self.variable_ids}
        clauses = []
        ordered = self.clause_ids.sorted(lambda clause: (clause.sequence, clause.id))
        for index, clause in enumerate(ordered, start=1):
            body = render_placeholders(clause.body or "", values, language=language)
            number = f"第{chinese_number(index)}条" if language == "zh" else f"{index}."
            clauses.append({"number": number, "title": clause.title, "body": Markup(body)})
        return self.env["ir.qweb"]._render(
            "econtract_base.econtract_contract_document",
            self._prepare_document_values(language, clauses),
        )

    def _prepare_document_values(self, language, clauses):
        """The values the document template is rendered with; extensions add theirs (what
        they add is part of the rendered text, hence of the approved content hash)."""
        self.ensure_one()
        return {
            "contract": self,
            "clauses": clauses,
            "language": language,
            "parties": self._get_document_parties(language),
            "labels": DOCUMENT_LABELS[language],
        }

    def _get_document_parties(self, language):
        """Our company first (甲方 / Party A), then each counterparty."""
        self.ensure_one()
        partners = self.company_id.partner_id | self.partner_ids
        parties = []
        for index, partner in enumerate(partners):
            lines = (line.strip(" ,") for line in partner._display_address(True).splitlines())
            address = ", ".join(filter(None, lines))
            if language == "zh":
                label = f"{PARTY_LABELS_ZH[index]}：" if index < len(PARTY_LABELS_ZH) else "  "
            else:
                label = f"Party {chr(ord('A') + index)}:" if index < 26 else "  "
            parties.append({"label": label, "name": partner.name, "address": address})
        return parties

    def action_render_document(self):
        self.ensure_one()
        self._check_state("draft", _("Only a draft contract is rendered: %(names)s."))
        self.check_access("write")
        self._render_document()
        return True

    def _document_lang(self):
        """The contract's language when installed (country names, labels), else the user's."""
        return self._installed_lang(self.language)

    def _installed_lang(self, code):
        installed = dict(self.env["res.lang"].get_installed())
        return code if code in installed else self.env.lang

    def _render_document(self):
        """Render the contract to PDF as a new document version, and return that version."""
        # WeasyPrint takes half a second to import: load it when a document is rendered,
        # not in every server process at start-up.
        from econtract.pdf import PageLayout, render_pdf

        self.ensure_one()
        language = self._text_language()
        html = self.with_context(lang=self._document_lang())._prepare_document_html()
        try:
            rendered = render_pdf(str(html), PageLayout(reference=self.name, language=language))
        except RenderError as exc:
            raise UserError(_("The contract could not be rendered: %(error)s", error=exc)) from exc
        document = self.env["econtract.contract.document"]._add_version(
            self,
            rendered.data,
            content_hash=self._approval_content_hash(html),
            page_count=rendered.page_count,
            language=self.language,
            signature_places={
                name: [place.page, *place.box] for name, place in rendered.places.items()
            },
        )
        self._log_content_change(
            _(
                "Document version %(version)s rendered (SHA-256 %(sha)s).",
                version=document.version,
                sha=document.sha256,
            )
        )
        return document
