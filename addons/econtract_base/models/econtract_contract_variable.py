from decimal import Decimal

from odoo import _, api, fields, models

from econtract.templating import Amount, Partner, Percentage, Table

from .econtract_template import VARIABLE_TYPES

VALUE_FIELDS = (
    "value_text",
    "value_date",
    "value_amount",
    "value_partner_id",
    "value_percent",
    "value_table",
)


class EcontractContractVariable(models.Model):
    """The value of one template variable in one contract."""

    _name = "econtract.contract.variable"
    _inherit = ["econtract.guard.mixin"]
    _description = "Contract Variable Value"
    _order = "contract_id, sequence, id"
    # The template defines the variables (applying it creates them); the drafter fills in
    # their values while the contract is a draft.
    _guard_parent = "contract_id"
    _guard_write = {"draft": frozenset(VALUE_FIELDS) - {"value_table"}}

    contract_id = fields.Many2one(
        "econtract.contract", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, readonly=True)
    label = fields.Char(required=True, readonly=True)
    var_type = fields.Selection(VARIABLE_TYPES, string="Type", required=True, readonly=True)
    required = fields.Boolean(readonly=True)
    currency_id = fields.Many2one(related="contract_id.currency_id")
    value_text = fields.Char(string="Text")
    value_date = fields.Date(string="Date")
    value_amount = fields.Monetary(string="Amount", currency_field="currency_id")
    value_partner_id = fields.Many2one("res.partner", string="Party")
    value_percent = fields.Float(string="Percentage", digits=(16, 4))
    value_table = fields.Json(string="Table", readonly=True)
    is_set = fields.Boolean(compute="_compute_is_set")
    display_value = fields.Char(string="Value", compute="_compute_is_set")

    _sql_constraints = [
        ("name_uniq", "unique(contract_id, name)", "A variable appears once per contract."),
    ]

    @api.depends("var_type", *VALUE_FIELDS)
    def _compute_is_set(self):
        for variable in self:
            value = variable._get_value()
            variable.is_set = value is not None
            if isinstance(value, Table):
                variable.display_value = f"{len(value.rows)} × {len(value.columns)}"
            elif isinstance(value, Partner):
                variable.display_value = value.name
            elif isinstance(value, Amount | Percentage):
                variable.display_value = str(value.value)
            else:
                variable.display_value = str(value) if value is not None else ""

    def write(self, vals):
        if not set(VALUE_FIELDS) & set(vals):
            return super().write(vals)
        before = {variable: variable.display_value for variable in self}
        result = super().write(vals)
        for variable in self:
            if variable.display_value != before[variable]:
                variable.contract_id._log_content_change(
                    _(
                        "Value changed: %(label)s: %(old)s → %(new)s",
                        label=variable.label,
                        old=before[variable] or "—",
                        new=variable.display_value or "—",
                    )
                )
        return result

    def _get_value(self):
        """The value as the core library's typed value, or None when not filled in."""
        self.ensure_one()
        kind = self.var_type
        if kind == "text":
            return self.value_text or None
        if kind == "date":
            return self.value_date or None
        if kind == "amount":
            currency = self.currency_id
            figures = currency.round(self.value_amount) if currency else self.value_amount
            return Amount(
                Decimal(f"{figures:.{currency.decimal_places or 2}f}"),
                currency.name or "",
                currency.symbol or "",
            )
        if kind == "partner":
            partner = self.value_partner_id
            if not partner:
                return None
            address = ", ".join(
                filter(None, partner._display_address(without_company=True).splitlines())
            )
            return Partner(partner.name or "", address)
        if kind == "percentage":
            return Percentage(Decimal(repr(self.value_percent)))
        if kind == "table":
            table = self.value_table or {}
            if not table.get("columns"):
                return None
            return Table(
                tuple(map(str, table["columns"])),
                tuple(tuple(map(str, row)) for row in table.get("rows", [])),
            )
        return None
