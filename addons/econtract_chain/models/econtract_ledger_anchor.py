import base64
import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.econtract_base.models.econtract_guard_mixin import engine, in_engine

from econtract.errors import EContractError
from econtract.evm.anchor import (
    EvmChain,
    EvmError,
    EvmRejected,
    SignedTransaction,
    anchor_payload,
)
from econtract.ledger.canonical import canonical
from econtract.tsa.client import TimeStampError, request_token, verify_token

_logger = logging.getLogger(__name__)

#: Waits between attempts when the anchoring service fails: minutes, capped at a day.
_BACKOFF_MINUTES = (1, 5, 15, 60, 240, 1440)


class EcontractLedgerAnchor(models.Model):
    """External evidence that a signed head existed: an RFC 3161 time stamp over it, or an
    EVM transaction carrying it (`econtract.evm.anchor`).

    One anchor per head and kind. Pending anchors are retried by the scheduled job with
    back-off; the receipt is stored once, and a done anchor never changes.

    An EVM anchor goes through ``sent``: its transaction is signed and stored in one database
    transaction and broadcast only by a later run, so the bytes on the chain are always bytes
    the database kept. A retry re-sends those same bytes — one transaction per head, however
    often the node fails or a worker dies.
    """

    _name = "econtract.ledger.anchor"
    _description = "Evidence Log Anchor"
    _order = "id desc"

    head_id = fields.Many2one(
        "econtract.ledger.head", required=True, readonly=True, ondelete="restrict", index=True
    )
    tree_size = fields.Integer(related="head_id.tree_size")
    kind = fields.Selection(
        [("rfc3161", "RFC 3161 time stamp"), ("evm", "EVM chain transaction")],
        required=True,
        readonly=True,
    )
    state = fields.Selection(
        [("pending", "Pending"), ("sent", "Awaiting the chain"), ("done", "Anchored")],
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
    authority = fields.Char(readonly=True, help="The TSA, or the chain and block.")
    transaction = fields.Binary(
        string="Signed Transaction", readonly=True, attachment=False, copy=False
    )
    transaction_hash = fields.Char(readonly=True, copy=False, index="btree_not_null")

    _sql_constraints = [
        ("head_kind_uniq", "unique(head_id, kind)", "A head is anchored once per kind."),
    ]

    def write(self, vals):
        if any(anchor.state == "done" for anchor in self) and not in_engine():
            raise UserError(_("A completed anchor never changes."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_evidence(self):
        raise UserError(_("Anchors are evidence: they are never deleted."))

    def _engine_done(self, vals):
        """Store the outcome of an anchor: the one write a completed anchor takes."""
        with engine():
            return self.write(vals)

    @api.model
    def _anchor_pending(self, limit=20):
        """Work on the anchors that are due. Returns the anchors completed.

        Outside services are called with no lock held; what they answer is stored only if
        the anchor is still in the state it was read in, under a row lock (SKIP LOCKED), so
        two workers never store two receipts for one head. EVM transactions signed by this
        call are sent by the next one: commit in between (the scheduled job does).
        """
        # sudo: nobody has write rights on anchors; the log completes them itself, whoever
        # triggered the run (the cron, a manager's button, an export).
        due = self.sudo().search(
            [("state", "in", ("pending", "sent")), ("next_attempt", "<=", fields.Datetime.now())],
            limit=limit,
            order="id",
        )
        return (
            due.filtered(lambda a: a.kind == "rfc3161")._anchor_rfc3161()
            | due.filtered(lambda a: a.kind == "evm")._anchor_evm()
        )

    def _lock(self, state):
        """Whether this anchor is still ``state``, now locked by this transaction."""
        self.env.cr.execute(
            "SELECT id FROM econtract_ledger_anchor WHERE id = %s AND state = %s "
            "FOR UPDATE SKIP LOCKED",
            (self.id, state),
        )
        return bool(self.env.cr.fetchone())

    def _anchor_rfc3161(self):
        url = self.env["econtract.platform"]._tsa_url()
        done = self.browse()
        if not self or not url:
            return done
        published = self.env["econtract.platform"]._published()
        for anchor in self:
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
            if not anchor._lock("pending"):
                continue  # another worker stored a receipt meanwhile
            anchor._engine_done(
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

    def _anchor_evm(self):
        ledger = self.env["econtract.ledger"]
        url = ledger._evm_url()
        done = self.browse()
        if not self or not url:
            return done
        chain = EvmChain.connect(url)
        confirmations = ledger._evm_confirmations()
        for anchor in self:
            payload = anchor_payload(anchor.head_id._signed().head)
            if anchor.state == "pending":
                anchor._sign_evm(chain, payload)
                continue
            transaction = SignedTransaction.from_raw(base64.b64decode(anchor.transaction))
            try:
                chain.broadcast(transaction)
                receipt = chain.receipt(transaction, payload, confirmations=confirmations)
            except EvmRejected as error:
                # These bytes will never be mined: sign a new transaction next time.
                if anchor._lock("sent"):
                    anchor._postpone(
                        str(error), state="pending", transaction=False, transaction_hash=False
                    )
                continue
            except EvmError as error:
                anchor._postpone(str(error))
                continue
            if receipt is None:
                anchor.write({"next_attempt": fields.Datetime.now() + timedelta(minutes=1)})
                continue
            if not anchor._lock("sent"):
                continue
            anchor._engine_done(
                {
                    "state": "done",
                    "receipt": base64.b64encode(canonical(receipt.as_json())),
                    "anchored_at": receipt.time.replace(tzinfo=None),
                    "authority": _(
                        "chain %(chain)s, block %(block)s",
                        chain=receipt.chain_id,
                        block=receipt.block_number,
                    ),
                    "last_error": False,
                    "attempts": anchor.attempts + 1,
                }
            )
            done |= anchor
        return done

    def _sign_evm(self, chain, payload):
        """Sign this head's transaction in the token and keep it, unsent."""
        self.ensure_one()
        unsent = self.search([("kind", "=", "evm"), ("state", "=", "sent")])
        nonces = [SignedTransaction.from_raw(base64.b64decode(a.transaction)).nonce for a in unsent]
        try:
            key = self.env["econtract.platform"]._platform().key("anchor")
            transaction = chain.prepare(
                payload,
                sign_digest=lambda digest: key.token.sign_digest(key.label, digest, key.kind),
                public_key=self.env["econtract.platform"]._published().anchor_public_key,
                after=max(nonces, default=None),
            )
        except (EContractError, UserError) as error:
            self._postpone(str(error))
            return
        if self._lock("pending"):
            self.write(
                {
                    "state": "sent",
                    "transaction": base64.b64encode(transaction.raw),
                    "transaction_hash": "0x" + transaction.hash.hex(),
                    "next_attempt": fields.Datetime.now(),
                    "last_error": False,
                }
            )

    def _postpone(self, error, **values):
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
                **values,
            }
        )
