import hashlib
from contextlib import contextmanager

from odoo import api, fields, models


class EcontractSignAttempt(models.Model):
    """The outcome of one signature made in the token, kept apart from the request's
    transaction.

    Making a signature calls the HSM and the TSA, which a rolled-back transaction cannot undo.
    When the transaction that made it fails afterwards (a serialisation conflict that Odoo
    retries, a lost connection the browser retries), the retry finds the signed bytes here,
    under the caller's idempotency key and the exact document it signed, and uses them
    instead of signing again. Rows are written and read on their own cursor so that they
    survive the failed transaction and are visible to the retry; they carry plain ids, not
    foreign keys, because that cursor may not see the uncommitted rows they name.
    """

    _name = "econtract.sign.attempt"
    _description = "Signature Made in the Token"
    _log_access = False

    key = fields.Char(required=True, readonly=True)
    signer_ref = fields.Integer(readonly=True, help="The signer's id, or 0 for the company seal.")
    request_ref = fields.Integer(readonly=True, index=True)
    base_sha256 = fields.Char(required=True, readonly=True, help="SHA-256 of the PDF it signed.")
    pdf = fields.Binary(attachment=False, readonly=True, help="The PDF with the signature added.")
    certificate_serial = fields.Char(readonly=True)
    made_at = fields.Datetime(required=True, readonly=True)

    _sql_constraints = [
        ("key_base_uniq", "unique(key, base_sha256)", "A signature is made once per key."),
    ]

    @contextmanager
    def _own_cursor(self):
        """A cursor of its own, committed on exit; while modules are being installed (demo
        data), the installing transaction's, which alone sees this table before it commits
        and is never retried."""
        if not self.env.registry.ready:
            yield self.env.cr
            return
        with self.env.registry.cursor() as cr:
            yield cr

    @api.model
    def _recall(self, key, base):
        """``(pdf, serial)`` of the signature made under ``key`` over ``base``, or None."""
        with self._own_cursor() as cr:
            cr.execute(
                "SELECT pdf, certificate_serial FROM econtract_sign_attempt "
                "WHERE key = %s AND base_sha256 = %s",
                (key, hashlib.sha256(base).hexdigest()),
            )
            row = cr.fetchone()
        return (bytes(row[0]), row[1]) if row else None

    @api.model
    def _remember(self, key, base, pdf, serial, signer_ref, request_ref):
        """Keep a signature just made, committed at once and whatever happens next."""
        with self._own_cursor() as cr:
            cr.execute(
                "INSERT INTO econtract_sign_attempt "
                "(key, base_sha256, pdf, certificate_serial, signer_ref, request_ref, made_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, now() at time zone 'UTC') "
                "ON CONFLICT (key, base_sha256) DO NOTHING",
                (
                    key,
                    hashlib.sha256(base).hexdigest(),
                    pdf,
                    serial,
                    signer_ref,
                    request_ref,
                ),
            )

    @api.autovacuum
    def _gc_attempts(self):
        """A retry comes within seconds; a day later the signed bytes live in the request."""
        self.env.cr.execute(
            "DELETE FROM econtract_sign_attempt "
            "WHERE made_at < (now() at time zone 'UTC') - interval '1 day'"
        )
