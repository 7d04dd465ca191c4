import base64
import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from econtract.tsa.client import TimeStampError, request_token, verify_token

_logger = logging.getLogger(__name__)

#: Waits between attempts when the anchoring service fails: minutes, capped at a day.
_BACKOFF_MINUTES = (1, 5, 15, 60, 240, 1440)


class EcontractLedgerAnchor(models.Model):
    """External evidence that a signed head existed: an RFC 3161 time stamp over it.

    One anchor per head and kind. Pending anchors are retried by the scheduled job with
    back-off; the receipt is stored once, and a done anchor never changes.
    """

    _name = "econtract.ledger.anchor"
    _description = "Evidence Log Anchor"
    _order = "id desc"

    head_id = fields.Many2one(
        "econtract.ledger.head", required=True, readonly=True, ondelete="restrict", index=True
    )
    tree_size = fields.Integer(related="head_id.tree_size")
    kind = fields.Selection([("rfc3161", "RFC 3161 time stamp")], required=True, readonly=True)
    state = fields.Selection(
        [("pending", "Pending"), ("done", "Anchored")],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    attempts = fields.Integer(readonly=True)
    next_attempt = fields.Datetime(readonly=True, default=fields.Datetime.now, index=True)
    last_error = fields.Text(readonly=True)
    receipt = fields.Binary(readonly=True, attachment=False)
    anchored_at = fields.Datetime(readonly=True)
    authority = fields.Char(readonly=True)

    _sql_constraints = [
        ("head_kind_uniq", "unique(head_id, kind)", "A head is anchored once per kind."),
    ]

    def write(self, vals):
        if any(anchor.state == "done" for anchor in self) and not self.env.context.get(
            "econtract_anchor_update"
        ):
            raise UserError(_("A completed anchor never changes."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_evidence(self):
        raise UserError(_("Anchors are evidence: they are never deleted."))

    @api.model
    def _anchor_pending(self, limit=20):
        """Time-stamp the pending heads that are due. Returns the anchors completed.

        The TSA is called with no lock held; the answer is stored only if the anchor is
        still pending under a row lock (SKIP LOCKED), so two workers never store two
        receipts for one head and a retried transaction just asks again.
        """
        ledger = self.env["econtract.ledger"]
        url = ledger._tsa_url()
        # sudo: nobody has write rights on anchors; the log completes them itself, whoever
        # triggered the run (the cron, a manager's button, an export).
        due = self.sudo().search(
            [("state", "=", "pending"), ("next_attempt", "<=", fields.Datetime.now())],
            limit=limit,
            order="id",
        )
        done = self.browse()
        if not due or not url:
            return done
        published = ledger._published()
        for anchor in due:
            digest = anchor.head_id._digest()
            try:
                token = request_token(url, digest)
                info = verify_token(
                    token,
                    digest,
                    certificates=list(published.chain),
                    trusted_roots=[published.root],
                )
            except TimeStampError as error:
                anchor._postpone(str(error))
                continue
            self.env.cr.execute(
                "SELECT id FROM econtract_ledger_anchor WHERE id = %s AND state = 'pending' "
                "FOR UPDATE SKIP LOCKED",
                (anchor.id,),
            )
            if not self.env.cr.fetchone():
                continue  # another worker stored a receipt meanwhile
            anchor.with_context(econtract_anchor_update=True).write(
                {
                    "state": "done",
                    "receipt": base64.b64encode(token),
                    "anchored_at": info.time.replace(tzinfo=None),
                    "authority": info.tsa,
                    "last_error": False,
                    "attempts": anchor.attempts + 1,
                }
            )
            done |= anchor
        return done

    def _postpone(self, error):
        self.ensure_one()
        wait = _BACKOFF_MINUTES[min(self.attempts, len(_BACKOFF_MINUTES) - 1)]
        _logger.warning(
            "anchoring head %s failed (attempt %s): %s", self.tree_size, self.attempts + 1, error
        )
        self.write(
            {
                "attempts": self.attempts + 1,
                "last_error": error,
                "next_attempt": fields.Datetime.now() + timedelta(minutes=wait),
            }
        )
