from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .econtract_contract import LANGUAGES
from .econtract_template import check_placeholders


class EcontractClause(models.Model):
    """A reusable clause; every change of its text is kept as a new, immutable version."""

    _name = "econtract.clause"
    _description = "Contract Clause"
    _inherit = ["mail.thread"]
    _order = "category_id, sequence, id"

    name = fields.Char(string="Clause Title", required=True, tracking=True)
    category_id = fields.Many2one(
        "econtract.clause.category", required=True, tracking=True, ondelete="restrict"
    )
    language = fields.Selection(LANGUAGES, required=True, default="zh_CN", tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", index=True, help="Leave empty to share the clause with all companies."
    )
    body = fields.Html(
        required=True,
        help="The clause text. Variables are written {{ name }} or {{ name|format }}.",
    )
    version_ids = fields.One2many("econtract.clause.version", "clause_id", string="Versions")
    current_version_id = fields.Many2one(
        "econtract.clause.version",
        string="Latest Version",
        compute="_compute_current_version_id",
        store=True,
    )
    version = fields.Integer(related="current_version_id.version")

    @api.depends("version_ids.version")
    def _compute_current_version_id(self):
        for clause in self:
            clause.current_version_id = clause.version_ids.sorted("version")[-1:]

    @api.constrains("body")
    def _check_body(self):
        for clause in self:
            check_placeholders(self.env, clause.body, clause.name)

    @api.model_create_multi
    def create(self, vals_list):
        clauses = super().create(vals_list)
        clauses._snapshot()
        return clauses

    def write(self, vals):
        result = super().write(vals)
        if {"name", "body"} & set(vals):
            self._snapshot()
        return result

    def _snapshot(self):
        """Record the current title and text as the next version of each clause."""
        self.env["econtract.clause.version"].create(
            [
                {
                    "clause_id": clause.id,
                    "version": (clause.version or 0) + 1,
                    "name": clause.name,
                    "body": clause.body,
                }
                for clause in self
            ]
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        # Templates the deleting user may not see use the clause too: look at all of them.
        lines = self.env["econtract.template.line"].sudo().search([("clause_id", "in", self.ids)])
        if lines:
            raise UserError(
                _(
                    "Clause %(clause)s is used by template %(template)s: archive it instead.",
                    clause=lines[0].clause_id.name,
                    template=lines[0].version_id.display_name,
                )
            )


class EcontractClauseVersion(models.Model):
    """The text of a clause at one point in time; never changed once written."""

    _name = "econtract.clause.version"
    _description = "Contract Clause Version"
    _order = "clause_id, version desc"
    _rec_name = "name"

    clause_id = fields.Many2one("econtract.clause", required=True, ondelete="cascade", index=True)
    version = fields.Integer(required=True, readonly=True)
    name = fields.Char(string="Clause Title", required=True, readonly=True)
    body = fields.Html(required=True, readonly=True, sanitize=False)

    _sql_constraints = [
        ("version_uniq", "unique(clause_id, version)", "A clause version number is unique."),
    ]

    @api.depends("name", "version")
    def _compute_display_name(self):
        for version in self:
            version.display_name = f"{version.name} (v{version.version})"

    def write(self, vals):
        if vals:
            raise UserError(
                _("Clause versions cannot be changed; edit the clause to make a new one.")
            )
        return super().write(vals)
