import hashlib

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class EcontractContractDocument(models.Model):
    """One rendered PDF of a contract. Versions are only ever added, never changed."""

    _name = "econtract.contract.document"
    _description = "Contract Document Version"
    _order = "contract_id, version desc"
    _rec_name = "file_name"

    contract_id = fields.Many2one(
        "econtract.contract", required=True, ondelete="cascade", index=True, readonly=True
    )
    version = fields.Integer(required=True, readonly=True)
    file_name = fields.Char(required=True, readonly=True)
    attachment_id = fields.Many2one(
        "ir.attachment", required=True, readonly=True, ondelete="restrict"
    )
    sha256 = fields.Char(string="SHA-256", required=True, readonly=True, index=True)
    content_hash = fields.Char(
        readonly=True, help="SHA-256 of the contract content this version was rendered from."
    )
    page_count = fields.Integer(readonly=True)
    language = fields.Char(readonly=True)
    signature_places = fields.Json(
        readonly=True,
        help="Where each party's signature block landed: {id: [page, x1, y1, x2, y2]} in PDF "
        "points, so signature fields cover the blocks.",
    )
    download_url = fields.Char(string="Download Link", compute="_compute_download_url")

    _sql_constraints = [
        (
            "version_uniq",
            "unique(contract_id, version)",
            "A contract document version number is unique.",
        ),
    ]

    @api.depends("attachment_id")
    def _compute_download_url(self):
        for document in self:
            document.download_url = f"/web/content/{document.attachment_id.id}?download=true"

    def write(self, vals):
        if vals:
            raise UserError(_("A rendered contract document never changes; render a new version."))
        return super().write(vals)

    def _pdf_bytes(self):
        """The file's bytes, checked against the SHA-256 this version was recorded with."""
        self.ensure_one()
        # sudo: whoever may read this version may read its file; attachments of contracts
        # follow the contract's own rules, which the caller passed by reading the version.
        data = self.attachment_id.sudo().raw
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise UserError(
                _(
                    "The file of %(name)s no longer matches its recorded SHA-256.",
                    name=self.file_name,
                )
            )
        return data

    def action_download(self):
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": self.download_url, "target": "self"}
