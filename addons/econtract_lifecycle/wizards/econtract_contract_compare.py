from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from econtract.compare import ChangeKind, compare_clauses


class EcontractContractCompare(models.TransientModel):
    """Two versions of a contract's terms in force side by side, word by word."""

    _name = "econtract.contract.compare"
    _description = "Compare Contract Versions"

    contract_id = fields.Many2one("econtract.contract", required=True, readonly=True)
    old_revision_id = fields.Many2one(
        "econtract.contract.revision",
        string="Compare",
        required=True,
        domain="[('contract_id', '=', contract_id)]",
    )
    new_revision_id = fields.Many2one(
        "econtract.contract.revision",
        string="With",
        required=True,
        domain="[('contract_id', '=', contract_id)]",
    )
    only_changes = fields.Boolean(string="Changes Only", default=True)
    comparison_html = fields.Html(
        string="Comparison", compute="_compute_comparison_html", sanitize=False
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        return self._with_latest_versions(values)

    @api.model
    def _with_latest_versions(self, values):
        """By default, the newest version and the one before it."""
        contract = self.env["econtract.contract"].browse(values.get("contract_id")).exists()
        if contract:
            revisions = contract.revision_ids.sorted("version")
            values.setdefault("old_revision_id", revisions[-2:-1].id or revisions[:1].id)
            values.setdefault("new_revision_id", revisions[-1:].id)
        return values

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create([self._with_latest_versions(dict(v)) for v in vals_list])
        for wizard in wizards:
            # Whoever compares must read the contract: its versions are its text.
            wizard.contract_id.check_access("read")
            if (wizard.old_revision_id | wizard.new_revision_id).contract_id - wizard.contract_id:
                raise UserError(_("Compare versions of the same contract."))
        return wizards

    def write(self, vals):
        if "contract_id" in vals:
            raise UserError(_("Open the comparison from the contract to compare."))
        return super().write(vals)

    @api.depends("old_revision_id", "new_revision_id", "only_changes")
    def _compute_comparison_html(self):
        for wizard in self:
            old, new = wizard.old_revision_id, wizard.new_revision_id
            if not (old and new):
                wizard.comparison_html = False
                continue
            wizard.contract_id.check_access("read")
            if old.contract_id != wizard.contract_id or new.contract_id != wizard.contract_id:
                raise UserError(_("Compare versions of the same contract."))
            changes = compare_clauses(old._clause_texts(), new._clause_texts())
            if wizard.only_changes:
                changes = [c for c in changes if c.kind is not ChangeKind.EQUAL]
            wizard.comparison_html = self.env["ir.qweb"]._render(
                "econtract_lifecycle.econtract_contract_comparison",
                {
                    "old": old,
                    "new": new,
                    "clauses": changes,
                    "kinds": self.env["econtract.contract"]._lifecycle_change_labels(),
                    "Markup": Markup,
                },
            )
