from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.econtract_base.models.econtract_contract import CONTRACT_TYPES
from odoo.addons.econtract_base.models.econtract_guard_mixin import clean

#: What a rule's subfolders may name.
SUBFOLDER_FIELDS = ("year", "type", "department")


class EcontractArchiveRule(models.Model):
    """Where a signed contract is filed: the first rule (by sequence) whose conditions all
    hold; empty conditions hold for every contract. The folder may name a sub-path
    with ``{year}``, ``{type}`` and ``{department}``, made on first use."""

    _name = "econtract.archive.rule"
    _description = "Archive Classification Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    contract_type = fields.Selection(CONTRACT_TYPES, string="Type")
    year_from = fields.Integer(help="Signed in this year or later.")
    year_to = fields.Integer(help="Signed in this year or earlier.")
    department_id = fields.Many2one("hr.department", check_company=True)
    partner_id = fields.Many2one("res.partner", string="Counterparty")
    tag_ids = fields.Many2many("econtract.contract.tag", string="Any of These Tags")
    folder_id = fields.Many2one(
        "econtract.archive.folder", required=True, check_company=True, ondelete="restrict"
    )
    subfolders = fields.Char(
        help="Folders made below the folder, separated by '/': {year}, {type} and "
        "{department} are replaced, e.g. {year}/{department}."
    )

    @api.constrains("subfolders")
    def _check_subfolders(self):
        for rule in self.filtered("subfolders"):
            try:
                rule.subfolders.format_map(dict.fromkeys(SUBFOLDER_FIELDS, "x"))
            except (KeyError, ValueError, IndexError, AttributeError) as exc:
                raise ValidationError(
                    _(
                        "The subfolders %(value)s are not valid (%(error)s): use only "
                        "{year}, {type} and {department}.",
                        value=rule.subfolders,
                        error=exc,
                    )
                ) from exc

    def _matches(self, contract, signed):
        self.ensure_one()
        return (
            (not self.contract_type or contract.contract_type == self.contract_type)
            and (not self.year_from or signed.year >= self.year_from)
            and (not self.year_to or signed.year <= self.year_to)
            and (not self.department_id or contract.department_id == self.department_id)
            and (
                not self.partner_id
                or self.partner_id
                in contract.partner_ids.commercial_partner_id | contract.partner_ids
            )
            and (not self.tag_ids or bool(self.tag_ids & contract.tag_ids))
        )

    @api.model
    def _folder_for(self, contract, signed):
        """The folder of ``contract`` (signed on ``signed``): by the first matching rule,
        else the company's default path ``<type> / <year>``."""
        rules = self.search([("company_id", "=", contract.company_id.id)])
        rule = next((rule for rule in rules if rule._matches(contract, signed)), None)
        type_label = dict(contract._fields["contract_type"]._description_selection(self.env))[
            contract.contract_type
        ]
        values = {
            "year": str(signed.year),
            "type": type_label,
            "department": contract.department_id.name or "-",
        }
        Folder = self.env["econtract.archive.folder"]
        if rule is None:
            return Folder._path([type_label, values["year"]], contract.company_id)
        names = [part.strip() for part in (rule.subfolders or "").split("/") if part.strip()]
        below = [name.format_map(values) for name in names]
        folder = rule.folder_id
        for name in below:
            folder = Folder.search(
                [("parent_id", "=", folder.id), ("name", "=", name)], limit=1
            ) or clean(Folder).create(
                {"name": name, "parent_id": folder.id, "company_id": contract.company_id.id}
            )
        return folder
