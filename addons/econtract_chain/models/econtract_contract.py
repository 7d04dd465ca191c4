import base64
import hashlib
from datetime import UTC, datetime

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from econtract.errors import EContractError
from econtract.ledger.events import Event
from econtract.ledger.package import Anchor, PackageDocument, build_package


class EcontractContract(models.Model):
    _name = "econtract.contract"
    _inherit = ["econtract.contract", "econtract.ledger.mixin"]

    _ledger_event_prefix = "contract"

    ledger_event_ids = fields.One2many(
        "econtract.ledger.event", "contract_id", string="Evidence", readonly=True
    )
    ledger_event_count = fields.Integer(
        string="Evidence Events", compute="_compute_ledger_event_count"
    )

    def _compute_ledger_event_count(self):
        counts = dict(
            self.env["econtract.ledger.event"]._read_group(
                [("contract_id", "in", self.ids)], ["contract_id"], ["__count"]
            )
        )
        for contract in self:
            contract.ledger_event_count = counts.get(contract, 0)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_evidence(self):
        raise UserError(
            _(
                "%(names)s: contracts are kept with their evidence; cancel or archive them "
                "instead of deleting.",
                names=", ".join(self.mapped("display_name")),
            )
        )

    def _ledger_enroll(self):
        """Give contracts that predate the evidence log a first event: their values and
        document versions as found, so what happens next has a baseline. A contract with
        events already is left alone, so running this twice logs nothing new.
        """
        # sudo: installing the log enrolls every contract, whoever runs the installation.
        contracts = self.sudo()
        logged = {
            contract.id
            for [contract] in self.env["econtract.ledger.event"]
            .sudo()
            ._read_group([("contract_id", "in", contracts.ids)], ["contract_id"])
        }
        contracts = contracts.filtered(lambda contract: contract.id not in logged)
        snapshot = contracts._ledger_snapshot(contracts._ledger_fields())
        self.env["econtract.ledger"]._log(
            [
                (
                    contract,
                    "contract.enrolled",
                    {
                        "values": snapshot[contract.id],
                        "documents": [
                            {"version": document.version, "file_name": document.file_name}
                            for document in contract.document_ids
                        ],
                    },
                    [(document.file_name, document.sha256) for document in contract.document_ids],
                )
                for contract in contracts
            ]
        )
        return contracts

    @api.model
    def _demo_history(self):
        """Demo data: enroll the contracts loaded before the log, then give two of them a
        history through the same business methods users call."""
        self.with_context(active_test=False).search([])._ledger_enroll()
        purchase = self.env.ref("econtract_base.econtract_contract_purchase_demo", False)
        if purchase:
            purchase.write({"amount": 128000})
        sales = self.env.ref("econtract_base.econtract_contract_sales_demo", False)
        if sales and sales.state == "draft":
            sales.action_cancel(reason="客户要求调整服务范围")
            sales.action_draft(reason="服务范围已确认，重新起草")

    def export_evidence_package(self):
        """Public API (JSON-RPC / XML-RPC): the contract's evidence package.

        Returns ``{"file_name", "content" (base64 zip), "sha256"}``. The caller needs read
        access to the contract. Check the package offline with ``econtract verify``.
        """
        data = self._export_evidence_package()
        return {
            "file_name": self._evidence_file_name(),
            "content": base64.b64encode(data).decode(),
            "sha256": hashlib.sha256(data).hexdigest(),
        }

    def action_export_evidence_package(self):
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_url",
            "url": f"/econtract/evidence/{self.id}",
            "target": "self",
        }

    def _evidence_file_name(self):
        return f"{self.name}-evidence.zip"

    def _export_evidence_package(self):
        """The package as bytes, for a reader of the contract; the export is itself evidence."""
        self.ensure_one()
        self.check_access("read")
        data = self._evidence_package()
        self._ledger_log("evidence_exported", {"sha256": hashlib.sha256(data).hexdigest()})
        return data

    def _evidence_package_now(self):
        """The evidence package as of now: the log is sealed first if the contract's newest
        events are not sealed yet (as a system job, as the hourly sealing is), so that the
        package holds them (an archive snapshot, a dunning escalation)."""
        self.ensure_one()
        # sudo: sealing is the log's own job, run here as the hourly job runs it.
        Head = self.env["econtract.ledger.head"].sudo()
        latest = (
            self.env["econtract.ledger.event"]
            # sudo: the contract's newest event, whoever wrote it.
            .sudo()
            .search([("contract_id", "=", self.id)], order="sequence desc", limit=1)
        )
        sealed = Head.search([], order="tree_size desc", limit=1).tree_size or 0
        if latest and sealed <= latest.sequence:
            Head._seal()
        return self._evidence_package()

    def _evidence_package(self):
        """The zip of this contract's events, proofs, heads, anchors, keys and documents.

        It holds the events the log has sealed: its checkpoint is the first signed head
        covering the newest of them. Exporting never seals (sealing is the hourly job's, or a
        log keeper's *Seal and Anchor Now*): any reader may export, and a head costs an HSM
        signature, a time stamp and an EVM transaction. The anchored head is the first one
        covering every event, or else the newest anchored head, so the package proves as
        much as is anchored.
        """
        self.ensure_one()
        ledger = self.env["econtract.ledger"]
        # sudo: the caller may read this contract (checked by the callers); its evidence
        # belongs to it, including events of users whose records the caller cannot read.
        events = (
            self.env["econtract.ledger.event"]
            .sudo()
            .search([("contract_id", "=", self.id)], order="sequence")
        )
        Head = self.env["econtract.ledger.head"]
        sealed = Head.search([], order="tree_size desc", limit=1).tree_size or 0
        events = events.filtered(lambda event: event.sequence < sealed)
        if not events:
            raise UserError(
                _(
                    "%(name)s has no sealed evidence yet: the log is sealed every hour, or "
                    "at once by a manager (Seal and Anchor Now). Export it after that.",
                    name=self.display_name,
                )
            )
        last = events[-1].sequence
        checkpoint = Head.search([("tree_size", ">", last)], order="tree_size", limit=1)
        anchored = [("anchor_ids.state", "=", "done")]
        anchored_head = Head.search(
            [*anchored, ("tree_size", ">", last)], order="tree_size", limit=1
        ) or Head.search(anchored, order="tree_size desc", limit=1)
        anchors = anchored_head.anchor_ids.filtered(lambda a: a.state == "done")
        # The log key signs the manifest: these are all the contract's events up to the
        # checkpoint. It is in the HSM — an export waits for the HSM like a seal does.
        platform = self.env["econtract.platform"]._platform()
        published = platform.published
        parsed = [(event.sequence, Event.from_canonical(event.canonical)) for event in events]
        named = {(doc.name, doc.sha256) for _index, event in parsed for doc in event.documents}
        # sudo: as for the events — the documents of a contract the caller may read, those
        # its sealed events name.
        documents = self.document_ids.sudo().filtered(
            lambda document: (document.file_name, document.sha256) in named
        )
        try:
            return build_package(
                subject={
                    "model": self._name,
                    "id": self.id,
                    "reference": self.name,
                    "title": self.title,
                },
                events=parsed,
                source=ledger._nodes(),
                heads=[head._signed() for head in checkpoint | anchored_head],
                anchors=[Anchor(a.tree_size, a.kind, base64.b64decode(a.receipt)) for a in anchors],
                public_key_der=published.log_public_key,
                anchor_public_key_der=published.anchor_public_key
                if "evm" in anchors.mapped("kind")
                else None,
                certificates={
                    "tsa": published.tsa.dump(),
                    "issuing-ca": published.issuing.dump(),
                    "root-ca": published.root.dump(),
                },
                documents=[
                    PackageDocument(document.file_name, document._pdf_bytes())
                    for document in documents
                ],
                created=datetime.now(UTC),
                log_key=platform.key("log"),
            )
        except EContractError as error:
            raise UserError(
                _("The evidence package could not be built: %(error)s", error=error)
            ) from error
