from odoo import api, models


class EcontractContractDocument(models.Model):
    _inherit = "econtract.contract.document"

    @api.model_create_multi
    def create(self, vals_list):
        documents = super().create(vals_list)
        self.env["econtract.ledger"]._log(
            [
                (
                    document.contract_id,
                    f"{document.contract_id._ledger_prefix()}.document_added",
                    {"version": document.version, "pages": document.page_count},
                    [(document.file_name, document.sha256)],
                )
                for document in documents
            ]
        )
        return documents

    def _compute_download_url(self):
        # Downloads go through a route that records them in the evidence log.
        for document in self:
            document.download_url = f"/econtract/document/{document.id}/download"

    def _log_download(self):
        self.ensure_one()
        self.contract_id._ledger_log(
            "document_downloaded",
            {"version": self.version},
            [(self.file_name, self.sha256)],
        )
