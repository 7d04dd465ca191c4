from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

RETENTION = timedelta(hours=24)


class EcontractApiIdempotency(models.Model):
    """The first answer to a POST sent with an ``Idempotency-Key``, kept for a day so that a
    retried request gets it back instead of being done twice.

    Keys are per user: two integrations never share one. The request's SHA-256 (method,
    path, query and body) tells a retry from a different request that reuses the key.
    """

    _name = "econtract.api.idempotency"
    _description = "API Idempotency Key"
    _order = "id desc"

    user_id = fields.Many2one("res.users", required=True, readonly=True, ondelete="cascade")
    key = fields.Char(required=True, readonly=True)
    request_sha256 = fields.Char(string="Request SHA-256", required=True, readonly=True)
    status = fields.Integer(readonly=True)
    response_headers = fields.Json(readonly=True)
    response_body = fields.Text(readonly=True)

    _sql_constraints = [
        ("user_key_uniq", "unique(user_id, key)", "An idempotency key is used once per user."),
    ]

    @api.model
    def _claim(self, uid, key, request_sha256):
        """Take ``key`` for this request, or return the record of whoever took it first.

        The insert waits for a concurrent transaction that holds the same key and skips
        once it has committed; nothing is logged as a failed query.
        """
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO econtract_api_idempotency
                    (user_id, key, request_sha256, create_uid, create_date, write_uid, write_date)
                VALUES (%s, %s, %s, %s, now() at time zone 'utc', %s, now() at time zone 'utc')
                ON CONFLICT (user_id, key) DO NOTHING
                RETURNING id
                """,
                uid,
                key,
                request_sha256,
                self.env.uid,
                self.env.uid,
            )
        )
        if self.env.cr.fetchone():
            return None
        return self.search([("user_id", "=", uid), ("key", "=", key)], limit=1)

    @api.model
    def _keep(self, uid, key, status, headers, body):
        """Store the answer of the request that claimed ``key``."""
        record = self.search([("user_id", "=", uid), ("key", "=", key)], limit=1)
        record.write({"status": status, "response_headers": headers, "response_body": body})

    @api.model
    def _release(self, uid, key):
        """Give ``key`` up: the answer is not one to replay (a credential)."""
        self.env.cr.execute(
            SQL("DELETE FROM econtract_api_idempotency WHERE user_id = %s AND key = %s", uid, key)
        )

    @api.model
    def _gc_keys(self):
        self.search([("create_date", "<", fields.Datetime.now() - RETENTION)]).unlink()
