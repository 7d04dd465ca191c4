from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.econtract_base.models.econtract_guard_mixin import clean


class EcontractArchiveFolder(models.Model):
    """A folder of the archive's tree (by type, year, department…), per company."""

    _name = "econtract.archive.folder"
    _description = "Archive Folder"
    _parent_store = True
    _order = "complete_name"
    _rec_name = "complete_name"

    name = fields.Char(required=True, translate=True)
    complete_name = fields.Char(compute="_compute_complete_name", store=True, recursive=True)
    parent_id = fields.Many2one(
        "econtract.archive.folder", index=True, ondelete="restrict", check_company=True
    )
    parent_path = fields.Char(index=True)
    child_ids = fields.One2many("econtract.archive.folder", "parent_id", string="Subfolders")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    record_ids = fields.One2many("econtract.archive.record", "folder_id", string="Records")
    record_count = fields.Integer(compute="_compute_record_count", string="Number of Records")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "name_unique",
            "UNIQUE(company_id, parent_id, name)",
            "A folder's name is unique among its siblings.",
        )
    ]

    @api.depends("name", "parent_id.complete_name")
    def _compute_complete_name(self):
        for folder in self:
            parent = folder.parent_id.complete_name
            folder.complete_name = f"{parent} / {folder.name}" if parent else folder.name

    def _compute_record_count(self):
        counts = dict(
            self.env["econtract.archive.record"]._read_group(
                [("folder_id", "child_of", self.ids)], ["folder_id"], ["__count"]
            )
        )
        for folder in self:
            folder.record_count = sum(
                count
                for child, count in counts.items()
                if child.parent_path.startswith(folder.parent_path)
            )

    @api.constrains("parent_id")
    def _check_parent_id(self):
        if self._has_cycle():
            raise UserError(_("A folder cannot be inside itself."))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        # sudo: whether any record (of any reader) is filed here, to keep it findable.
        if (
            self.env["econtract.archive.record"]
            # sudo: whether any record (of any reader) is filed here, to keep it findable.
            .sudo()
            .search_count([("folder_id", "child_of", self.ids)], limit=1)
        ):
            raise UserError(_("A folder that holds archive records cannot be deleted."))

    @api.model
    def _path(self, names, company):
        """The folder at ``names`` (outermost first) in ``company``, made where missing."""
        folder = self.browse()
        for name in names:
            found = self.search(
                [
                    ("company_id", "=", company.id),
                    ("parent_id", "=", folder.id),
                    ("name", "=", name),
                ],
                limit=1,
            )
            # clean: folders the archive makes take no default from the caller's context.
            folder = found or clean(self).create(
                {"name": name, "parent_id": folder.id, "company_id": company.id}
            )
        return folder

    def action_open_records(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "econtract_archive.econtract_archive_record_action"
        )
        action["domain"] = [("folder_id", "child_of", self.id)]
        action["context"] = {}
        return action
