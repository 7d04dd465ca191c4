from datetime import timedelta

from odoo import api, fields, models

DEFAULT_RETENTION_DAYS = 180


class EcontractApiCall(models.Model):
    """One request to the REST API, as the gate answered it: who (the key's user and the
    key's public index), what, the answer's status and problem code, and how long it took.

    Written by the gate only, in the request's transaction (after a rollback when the request
    was refused), so a call is logged exactly when its effect is, or with its refusal.
    """

    _name = "econtract.api.call"
    _description = "API Call"
    _order = "id desc"
    _log_access = False

    create_date = fields.Datetime(
        string="At", readonly=True, index=True, default=fields.Datetime.now
    )
    user_id = fields.Many2one("res.users", string="User", readonly=True, index=True)
    company_id = fields.Many2one(
        "res.company", readonly=True, index=True, help="The main company of the key's user."
    )
    key_index = fields.Char(
        string="Key", readonly=True, help="The public first characters of the API key used."
    )
    method = fields.Char(readonly=True, required=True)
    path = fields.Char(readonly=True, required=True)
    status = fields.Integer(readonly=True, required=True)
    code = fields.Char(string="Problem", readonly=True, help="The problem code of an error.")
    duration_ms = fields.Float(string="Duration (ms)", readonly=True, digits=(16, 2))
    remote_addr = fields.Char(string="From", readonly=True)
    idempotency_key = fields.Char(readonly=True)
    replayed = fields.Boolean(
        readonly=True, help="The answer was the stored one of an earlier call with this key."
    )

    @api.model
    def _gc_calls(self):
        """Forget calls older than the retention (econtract_api.call_retention_days)."""
        days = int(
            self.env["ir.config_parameter"].sudo().get_param("econtract_api.call_retention_days")
            or DEFAULT_RETENTION_DAYS
        )
        limit = fields.Datetime.now() - timedelta(days=days)
        self.search([("create_date", "<", limit)]).unlink()
        self.env["econtract.api.idempotency"]._gc_keys()
