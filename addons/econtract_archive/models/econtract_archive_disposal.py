from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.econtract_base.models.econtract_guard_mixin import clean, engine, lock_rows

MANAGER = "econtract_base.group_econtract_manager"


class EcontractArchiveDisposal(models.Model):
    """A request to dispose of an archive record, and — once a second manager approved and
    the files were destroyed — the destruction record (销毁记录) that stays."""

    _name = "econtract.archive.disposal"
    _description = "Archive Disposal"
    _inherit = ["mail.thread", "econtract.guard.mixin"]
    _order = "id desc"

    record_id = fields.Many2one(
        "econtract.archive.record", required=True, readonly=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one(related="record_id.company_id", store=True, index=True)
    name = fields.Char(related="record_id.name", string="Archive Number")
    state = fields.Selection(
        [("requested", "Requested"), ("done", "Disposed Of"), ("refused", "Refused")],
        default="requested",
        required=True,
        readonly=True,
        tracking=True,
    )
    reason = fields.Text(required=True, readonly=True)
    requested_by = fields.Many2one("res.users", readonly=True)
    requested_on = fields.Datetime(readonly=True)
    decided_by = fields.Many2one("res.users", readonly=True)
    decided_on = fields.Datetime(readonly=True)
    decision_note = fields.Text(readonly=True)
    destroyed_files = fields.Json(readonly=True, help="Names and SHA-256 of the destroyed files.")

    @api.model
    def _request(self, record, reason):
        with engine():
            disposal = (
                clean(self)
                # sudo: the disposal row is the archive's; who asks was checked by the caller.
                .sudo()
                .create(
                    {
                        "record_id": record.id,
                        "reason": reason,
                        "requested_by": self.env.uid,
                        "requested_on": fields.Datetime.now(),
                    }
                )
            )
            # sudo: the record's state is engine-owned; the caller's right was checked.
            record.sudo().write({"state": "disposal"})
        record.contract_id.sudo()._ledger_log(
            "archive_disposal_requested", {"archive_number": record.name, "reason": reason}
        )
        return disposal.with_env(self.env)

    def _check_decider(self):
        if not self.env.user.has_group(MANAGER):
            raise AccessError(_("Only a contract manager decides on a disposal."))
        self.check_access("read")
        for disposal in self:
            if disposal.state != "requested":
                raise UserError(_("This disposal was decided already."))
            if disposal.requested_by == self.env.user:
                raise AccessError(
                    _("A disposal is approved by another manager than the one who asked.")
                )

    def action_approve(self, note=None):
        """Dispose of the record: refused under legal hold and before retention ends."""
        self._check_decider()
        for disposal in self:
            lock_rows(disposal)
            if disposal.state != "requested":
                raise UserError(_("This disposal was decided already."))
            # sudo: the record's files are the archive's; the decider was checked above.
            destroyed = disposal.record_id.sudo()._dispose(disposal)
            with engine():
                disposal.sudo().write(
                    {
                        "state": "done",
                        "decided_by": self.env.uid,
                        "decided_on": fields.Datetime.now(),
                        "decision_note": note or False,
                        "destroyed_files": destroyed,
                    }
                )
        return True

    def action_refuse(self, note=None):
        self._check_decider()
        for disposal in self:
            lock_rows(disposal)
            if disposal.state != "requested":
                raise UserError(_("This disposal was decided already."))
            with engine():
                # sudo: the decision is written by the archive; the decider was checked above.
                disposal.sudo().write(
                    {
                        "state": "refused",
                        "decided_by": self.env.uid,
                        "decided_on": fields.Datetime.now(),
                        "decision_note": note or False,
                    }
                )
                # sudo: as above: the record returns to archived with the refusal.
                disposal.record_id.sudo().write({"state": "archived"})
            disposal.record_id.contract_id.sudo()._ledger_log(
                "archive_disposal_refused",
                {"archive_number": disposal.record_id.name, "note": note or ""},
            )
        return True

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise AccessError(_("Disposal records are kept as evidence."))
