from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools import html2plaintext

from .econtract_guard_mixin import in_engine
from .econtract_template import check_placeholders


class EcontractContractClause(models.Model):
    """A clause of one contract: copied from its template, then edited freely."""

    _name = "econtract.contract.clause"
    _inherit = ["econtract.guard.mixin"]
    _description = "Contract Clause Text"
    _order = "contract_id, sequence, id"
    # Edited while the contract is a draft; where it came from is the template's.
    _guard_parent = "contract_id"
    _guard_create = frozenset({"contract_id", "sequence", "title", "body"})
    _guard_write = {"draft": frozenset({"sequence", "title", "body"})}
    _guard_unlink = frozenset({"draft"})

    contract_id = fields.Many2one(
        "econtract.contract", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    title = fields.Char(string="Clause Title", required=True)
    body = fields.Html(required=True)
    clause_version_id = fields.Many2one(
        "econtract.clause.version",
        string="From Clause",
        readonly=True,
        ondelete="set null",
        help="The library clause version this text was copied from.",
    )
    preview = fields.Text(compute="_compute_preview")

    @api.depends("body")
    def _compute_preview(self):
        for clause in self:
            clause.preview = html2plaintext(clause.body or "")[:200]

    @api.constrains("body")
    def _check_body(self):
        for clause in self:
            check_placeholders(self.env, clause.body, clause.title)

    def write(self, vals):
        edited = self.filtered(
            lambda c: any(c[f] != vals[f] for f in ("title", "body") if f in vals)
        )
        reordered = self.filtered(lambda c: "sequence" in vals and c.sequence != vals["sequence"])
        result = super().write(vals)
        for clause in edited:
            clause.contract_id._log_content_change(
                _("Clause edited: %(title)s", title=clause.title)
            )
        for contract in reordered.contract_id:
            titles = Markup("<br/>").join(contract.clause_ids.mapped("title"))
            contract._log_content_change(Markup("%s<br/>%s") % (_("Clauses reordered:"), titles))
        return result

    @api.model_create_multi
    def create(self, vals_list):
        clauses = super().create(vals_list)
        if not in_engine():  # the engine logs what it replaces as one change
            for clause in clauses:
                clause.contract_id._log_content_change(
                    _("Clause added: %(title)s", title=clause.title)
                )
        return clauses

    def unlink(self):
        if not in_engine():  # as in create
            for clause in self:
                clause.contract_id._log_content_change(
                    _("Clause removed: %(title)s", title=clause.title)
                )
        return super().unlink()
