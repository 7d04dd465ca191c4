import hashlib
import logging
import time

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from econtract.errors import EContractError
from econtract.ledger.canonical import canonical_text, loads
from econtract.ledger.heads import SignedTreeHead, TreeHead, sign_tree_head
from econtract.ledger.merkle import root_hash

from .econtract_ledger_event import install_append_only

_logger = logging.getLogger(__name__)


class EcontractLedgerHead(models.Model):
    """A signed tree head: the log key's signature over the log's size and root at a time."""

    _name = "econtract.ledger.head"
    _description = "Signed Tree Head"
    _order = "tree_size desc"
    _rec_name = "tree_size"

    tree_size = fields.Integer(required=True, readonly=True, index=True)
    root_hash = fields.Char(required=True, readonly=True)
    head_time = fields.Datetime(string="Signed At", required=True, readonly=True)
    key_id = fields.Char(string="Log Key", required=True, readonly=True)
    signed_json = fields.Text(
        string="Signed Head", required=True, readonly=True, help="RFC 8785 JSON of the head."
    )
    anchor_ids = fields.One2many("econtract.ledger.anchor", "head_id", string="Anchors")
    anchor_state = fields.Selection(
        [("none", "Not anchored"), ("pending", "Pending"), ("done", "Anchored")],
        compute="_compute_anchor_state",
    )

    _sql_constraints = [
        ("tree_size_uniq", "unique(tree_size)", "One signed head per log size."),
    ]

    def init(self):
        install_append_only(self.env.cr, self._table)

    @api.depends("anchor_ids.state")
    def _compute_anchor_state(self):
        for head in self:
            states = set(head.anchor_ids.mapped("state"))
            head.anchor_state = "done" if "done" in states else "pending" if states else "none"
            # "sent" counts as pending: the chain has not confirmed it yet.

    def _signed(self):
        self.ensure_one()
        return SignedTreeHead.from_json(loads(self.signed_json))

    def _digest(self):
        """SHA-256 of the RFC 6962 TreeHeadSignature bytes: what anchors commit to."""
        return hashlib.sha256(self._signed().head.signing_input()).digest()

    def write(self, vals):
        if vals:
            raise UserError(_("Signed tree heads never change."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_evidence(self):
        raise UserError(_("Signed tree heads are never deleted."))

    @api.model
    def _seal(self):
        """Sign a head for the log as it is now, unless the newest head already covers it.

        The HSM signs inside this transaction: if the token fails, nothing is stored and
        the caller may retry; a retried transaction signs again, which has no side effect.
        """
        ledger = self.env["econtract.ledger"]
        size = ledger._size()
        latest = self.search([], limit=1)
        if size == 0 or (latest and latest.tree_size >= size):
            return latest
        platform = self.env["econtract.platform"]._platform()
        head = TreeHead(size, root_hash(ledger._nodes(), size), int(time.time() * 1000))
        try:
            signed = sign_tree_head(head, platform.key("log"))
        except EContractError as error:
            raise UserError(
                _("The evidence log could not be sealed: %(error)s", error=error)
            ) from error
        # sudo: nobody has create rights on heads and anchors; the log writes them itself,
        # whoever triggered the sealing.
        record = self.sudo().create(
            {
                "tree_size": size,
                "root_hash": head.root.hex(),
                "head_time": head.time.replace(tzinfo=None),
                "key_id": signed.key_id.hex(),
                "signed_json": canonical_text(signed.as_json()),
            }
        )
        self.env["econtract.ledger.anchor"].sudo().create(
            [{"head_id": record.id, "kind": kind} for kind in self._anchor_kinds()]
        )
        return record

    @api.model
    def _anchor_kinds(self):
        ledger = self.env["econtract.ledger"]
        return [
            kind
            for kind, url in (
                ("rfc3161", self.env["econtract.platform"]._tsa_url()),
                ("evm", ledger._evm_url()),
            )
            if url
        ]

    @api.model
    def _cron_seal_and_anchor(self):
        self._seal()
        anchors = self.env["econtract.ledger.anchor"]
        anchors._anchor_pending()
        # EVM transactions signed above are kept by this commit before the second pass
        # sends them: bytes on the chain must be bytes the database has.
        self.env.cr.commit()  # pylint: disable=invalid-commit
        anchors._anchor_pending()

    def action_seal_now(self):
        # A head costs an HSM signature, a time stamp and an EVM transaction: managers seal
        # on demand; auditors read, audit and export.
        if not self.env.user.has_group("econtract_base.group_econtract_manager"):
            raise AccessError(_("Only contract managers seal the evidence log on demand."))
        head = self._seal()
        self.env["econtract.ledger.anchor"]._anchor_pending()
        # EVM transactions are sent by the scheduled job once this transaction committed;
        # sudo: scheduling a cron run is an administrator's right, asking for one is not.
        self.env.ref("econtract_chain.econtract_ledger_head_cron_seal").sudo()._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("The log of %(size)s events is sealed.", size=head.tree_size)
                if head
                else _("The log is empty."),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def action_audit_log(self):
        self.env["econtract.ledger"]._check_log_keeper()
        findings = self.env["econtract.ledger"]._audit()
        if findings:
            message = "\n".join(message for message, _index in findings)
            kind = "danger"
        else:
            message = _("Every event matches the signed heads and the stored hashes.")
            kind = "success"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": kind, "message": message, "sticky": bool(findings)},
        }

    @api.model
    def _demo_seal_and_anchor(self):
        """Demo data: seal the log and anchor the head, when the PKI is configured."""
        if not self.env["econtract.platform"]._pki_dir():
            _logger.warning("no PKI configured (ECONTRACT_PKI_DIR): the demo log stays unsealed")
            return
        try:
            self._seal()
            self.env["econtract.ledger.anchor"]._anchor_pending()
        except UserError as error:
            _logger.warning("the demo evidence log could not be sealed: %s", error)
