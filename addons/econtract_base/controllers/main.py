from odoo import fields, http
from odoo.exceptions import UserError
from odoo.http import request


class ApprovalReportController(http.Controller):
    @http.route("/econtract/approval/report", type="http", auth="user")
    def approval_report(self, model="econtract.contract", ids="", date_from="", date_to=""):
        """The approval audit report (PDF) of records the user may read; access errors
        become Odoo's 403 page."""
        approvable = request.env.registry["econtract.approval.mixin"]._inherit_children
        if model not in approvable:
            raise request.not_found()
        try:
            record_ids = [int(value) for value in ids.split(",") if value]
            start = fields.Date.to_date(date_from) if date_from else None
            end = fields.Date.to_date(date_to) if date_to else None
        except ValueError:
            raise request.not_found() from None
        records = request.env[model].browse(record_ids).exists()
        if not records:
            raise request.not_found()
        data = records._approval_audit_pdf(start, end)
        name = f"{records.display_name if len(records) == 1 else 'approvals'}-audit.pdf"
        return request.make_response(
            data,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Disposition", http.content_disposition(name)),
            ],
        )


class ApprovalTaskController(http.Controller):
    @http.route(
        "/econtract/approval/task/<int:task_id>",
        type="http",
        auth="user",
        methods=["GET", "POST"],
    )
    def approval_task(self, task_id, decision=None, comment="", **_kwargs):
        """The page the approval e-mail links to: after logging in, the approver reads what
        is asked and decides with a posted form (CSRF-protected), never by a bare link."""
        task = request.env["econtract.approval.task"].browse(task_id).exists()
        if not task:
            raise request.not_found()
        task.check_access("read")
        record = task.request_id._record()
        record.check_access("read")
        values = {"task": task, "record": record, "error": False, "done": False}
        if request.httprequest.method == "POST":
            if decision not in ("approved", "rejected", "changes"):
                raise request.not_found()
            if record.approval_task_id != task:
                values["error"] = request.env._(
                    "This approval is no longer open for you: someone decided, or it moved on."
                )
            else:
                try:
                    with request.env.cr.savepoint():
                        record._approval_decide(decision, comment)
                    values["done"] = decision
                except UserError as error:
                    values["error"] = str(error)
        values["open"] = record.approval_task_id == task
        return request.render("econtract_base.approval_task_page", values)
