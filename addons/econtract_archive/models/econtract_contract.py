from odoo import api, fields, models


class EcontractContract(models.Model):
    _inherit = "econtract.contract"

    archive_record_ids = fields.One2many(
        "econtract.archive.record", "contract_id", string="Archive"
    )
    archive_number = fields.Char(compute="_compute_archive_number")

    def _compute_archive_number(self):
        # sudo: the number of the contract's record, which follows the contract's own access.
        records = (
            self.env["econtract.archive.record"].sudo().search([("contract_id", "in", self.ids)])
        )
        numbers = {record.contract_id.id: record.name for record in records}
        for contract in self:
            contract.archive_number = numbers.get(contract.id, False)

    def _sign_on_completed(self, request):
        result = super()._sign_on_completed(request)
        # Recorded now, archived by the job after this transaction: the store being down
        # must not undo a signature.
        self.env["econtract.archive.record"]._enroll(self)
        return result

    def action_open_archive(self):
        self.ensure_one()
        self.check_access("read")
        record = self.env["econtract.archive.record"].search(
            [("contract_id", "=", self.id)], limit=1
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "econtract.archive.record",
            "res_id": record.id,
            "view_mode": "form",
        }

    @api.model
    def _archive_demo(self):
        """Demo data: archive the signed demo contracts at once (their log is sealed first)."""
        self.env["econtract.archive.record"]._enroll_signed_contracts()
        archived = self.env["econtract.archive.record"]._cron_archive(batch=100)
        # Archiving sealed the log: anchor that head now, as the hourly job would — without
        # its commit between the passes, which demo data loading (in a savepoint) forbids.
        anchors = self.env["econtract.ledger.anchor"]
        anchors._anchor_pending()
        anchors._anchor_pending()
        return archived
