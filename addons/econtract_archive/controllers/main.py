from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request


class EcontractArchiveController(http.Controller):
    """Downloads of archived files: decrypted for a reader of the record, logged as evidence."""

    def _record(self, record_id):
        record = request.env["econtract.archive.record"].browse(record_id).exists()
        if not record:
            raise request.not_found()
        return record

    def _send(self, file_name, data, mimetype):
        return request.make_response(
            data,
            headers=[
                ("Content-Type", mimetype),
                ("Content-Disposition", http.content_disposition(file_name)),
                ("Cache-Control", "no-store"),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )

    @http.route(
        "/econtract/archive/<int:record_id>/<any(signed,certificate,evidence):kind>",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def download(self, record_id, kind):
        try:
            file_name, data, mimetype = self._record(record_id)._file(kind)
        except (AccessError, MissingError):
            raise request.not_found() from None
        except UserError as exc:
            return request.make_response(
                str(exc), status=409, headers=[("Content-Type", "text/plain; charset=utf-8")]
            )
        return self._send(file_name, data, mimetype)

    @http.route(
        "/econtract/archive/<int:record_id>/court", type="http", auth="user", methods=["GET"]
    )
    def court(self, record_id):
        try:
            file_name, data = self._record(record_id)._court_bundle()
        except (AccessError, MissingError):
            raise request.not_found() from None
        except UserError as exc:
            return request.make_response(
                str(exc), status=409, headers=[("Content-Type", "text/plain; charset=utf-8")]
            )
        return self._send(file_name, data, "application/zip")
