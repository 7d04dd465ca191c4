from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

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
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "title"]

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
        [("draft", "Draft"), ("cancelled", "Cancelled")],
        string="Status",
        required=True,
        default="draft",
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    active = fields.Boolean(default=True)
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
    department_id = fields.Many2one(
        "hr.department",
        check_company=True,
        index=True,
        tracking=True,
        default=lambda self: self._default_department_id(),
        help="The department the contract belongs to; its members can see it.",
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
    in_my_department = fields.Boolean(
        compute="_compute_in_my_department", search="_search_in_my_department"
    )

    _sql_constraints = [
        (
            "name_company_uniq",
            "unique(name, company_id)",
            "A contract reference must be unique per company.",
        ),
    ]

    def _default_department_id(self):
        employee = self.env.user.employee_ids.filtered(lambda e: e.company_id == self.env.company)[
            :1
        ]
        return employee.department_id

    @api.depends("department_id")
    @api.depends_context("uid")
    def _compute_in_my_department(self):
        departments = self.env.user.employee_ids.department_id
        for contract in self:
            contract.in_my_department = contract.department_id in departments

    def _search_in_my_department(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(_("Unsupported search on department membership."))
        departments = self.env.user.employee_ids.department_id.ids
        positive = (operator == "=") == value
        return [("department_id", "in" if positive else "not in", departments)]

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
            if vals.get("name", _("New")) == _("New"):
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                # The sequence is configuration users may not read; numbering is not.
                vals["name"] = self.env["ir.sequence"].sudo().with_company(company).next_by_code(
                    "econtract.contract"
                ) or _("New")
        return super().create(vals_list)

    def _check_state(self, state, message):
        """Raise ``message`` (with ``%(names)s``) unless every contract is in ``state``."""
        wrong = self.filtered(lambda contract: contract.state != state)
        if wrong:
            raise ValidationError(message % {"names": ", ".join(wrong.mapped("display_name"))})

    def action_cancel(self):
        self._check_state("draft", _("Only a draft contract can be cancelled: %(names)s."))
        self.write({"state": "cancelled"})
        return True

    def action_draft(self):
        self._check_state(
            "cancelled", _("Only a cancelled contract can be reset to draft: %(names)s.")
        )
        self.write({"state": "draft"})
        return True
