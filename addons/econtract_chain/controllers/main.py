import io
import zipfile

from odoo import http
from odoo.http import request


class EvidenceController(http.Controller):
    @http.route("/econtract/evidence/<int:contract_id>", type="http", auth="user")
    def evidence_package(self, contract_id):
        contract = request.env["econtract.contract"].browse(contract_id).exists()
        if not contract:
            raise request.not_found()
        return request.make_response(
            contract._export_evidence_package(),
            headers=[
                ("Content-Type", "application/zip"),
                ("Content-Disposition", http.content_disposition(contract._evidence_file_name())),
            ],
        )

    @http.route("/econtract/evidence/batch", type="http", auth="user")
    def evidence_batch(self, ids=""):
        request.env["econtract.ledger"]._check_log_keeper()
        try:
            contract_ids = [int(value) for value in ids.split(",") if value]
        except ValueError:
            raise request.not_found() from None
        contracts = request.env["econtract.contract"].browse(contract_ids).exists()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for contract in contracts:
                archive.writestr(
                    contract._evidence_file_name(), contract._export_evidence_package()
                )
        return request.make_response(
            buffer.getvalue(),
            headers=[
                ("Content-Type", "application/zip"),
                ("Content-Disposition", http.content_disposition("evidence-packages.zip")),
            ],
        )

    @http.route("/econtract/document/<int:document_id>/download", type="http", auth="user")
    def document_download(self, document_id):
        document = request.env["econtract.contract.document"].browse(document_id).exists()
        if not document:
            raise request.not_found()
        document.check_access("read")
        document.contract_id.check_access("read")
        data = document._pdf_bytes()  # refuses a file that no longer matches its SHA-256
        document._log_download()
        return request.make_response(
            data,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Disposition", http.content_disposition(document.file_name)),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )
