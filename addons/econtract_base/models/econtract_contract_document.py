import hashlib

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .econtract_guard_mixin import clean, engine, lock_rows


class EcontractContractDocument(models.Model):
    """One PDF of a contract (rendered, or signed). Versions are only ever added, never
    changed, and only by `_add_version`: the document-version service owns the numbering,
    the attachment, the SHA-256, and the check of that hash on every read."""

    _name = "econtract.contract.document"
    _inherit = ["econtract.guard.mixin"]
    _description = "Contract Document Version"
    _order = "contract_id, version desc"
    _rec_name = "file_name"
    # Nothing of a version is a caller's: not its creation, not a field, not its deletion.
    _guard_parent = "contract_id"
    _guard_create_states = frozenset()

    contract_id = fields.Many2one(
        "econtract.contract", required=True, ondelete="cascade", index=True, readonly=True
    )
    version = fields.Integer(required=True, readonly=True)
    kind = fields.Selection(
        [("rendered", "Rendered"), ("signed", "Signed")],
        required=True,
        default="rendered",
        readonly=True,
        help="Rendered from the contract's text, or the signed file of a signing request.",
    )
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

    @api.model
    def _add_version(
        self,
        contract,
        data,
        *,
        kind="rendered",
        content_hash=False,
        page_count=0,
        language=False,
        signature_places=None,
    ):
        """Add ``data`` (PDF bytes) as the contract's next document version and return it.

        The one writer of versions: it locks the contract so that numbers follow each other,
        creates the attachment itself (bound to the version, frozen against changes) and
        records the SHA-256 every later read is checked against. Callers are engine methods
        that checked who may add a version (rendering: a writer of a draft; signing: the
        signing engine).
        """
        contract.ensure_one()
        lock_rows(contract)
        # sudo: numbering counts every version, including those the caller cannot read.
        version = max(contract.sudo().document_ids.mapped("version"), default=0) + 1
        suffix = "-signed" if kind == "signed" else ""
        file_name = f"{contract.name}-v{version}{suffix}.pdf"
        Attachment = self.env["ir.attachment"]
        with engine():
            # sudo: versions are the engine's; portal signers complete requests without any
            # right on versions. The file is bound to its version, hence made after it.
            document = (
                clean(self)
                .sudo()
                .create(
                    {
                        "contract_id": contract.id,
                        "version": version,
                        "kind": kind,
                        "file_name": file_name,
                        "attachment_id": Attachment._econtract_freeze(file_name, data, contract).id,
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "content_hash": content_hash,
                        "page_count": page_count,
                        "language": language,
                        "signature_places": signature_places or {},
                    }
                )
            )
            # sudo: as above — the frozen file now names its version, as its owner.
            document.attachment_id.sudo().write({"res_model": self._name, "res_id": document.id})
        return document.with_env(self.env)

    def _pdf_bytes(self):
        """The file's bytes, checked against the SHA-256 this version was recorded with;
        every read that serves or signs a version goes through here."""
        self.ensure_one()
        # sudo: whoever may read this version may read its file; the attachment is the
        # engine's, bound to the version the caller passed the rules of.
        data = self.attachment_id.sudo().raw or b""
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise UserError(
                _(
                    "The file of %(name)s no longer matches its recorded SHA-256: it was "
                    "changed outside econtract and is not served or signed.",
                    name=self.file_name,
                )
            )
        return data

    def action_download(self):
        self.ensure_one()
        self.check_access("read")
        self.contract_id.check_access("read")
        return {"type": "ir.actions.act_url", "url": self.download_url, "target": "self"}
