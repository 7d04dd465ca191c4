import dataclasses
import logging
import os
from datetime import UTC, datetime

from odoo import _, api, models
from odoo.exceptions import AccessError

from odoo.addons.econtract_base.models.econtract_guard_mixin import clean, engine

from econtract.ledger.audit import audit_events
from econtract.ledger.events import ChainLink, DocumentDigest, Event
from econtract.ledger.merkle import append_leaves, frontier_keys

_logger = logging.getLogger(__name__)


class _SqlNodes:
    """The perfect-subtree hashes in ``econtract_ledger_node``, as a core `NodeSource`."""

    def __init__(self, cr):
        self.cr = cr

    def nodes(self, keys):
        if not keys:
            return {}
        levels = [level for level, _position in keys]
        positions = [position for _level, position in keys]
        self.cr.execute(
            """
            SELECT n.level, n.position, n.hash
              FROM econtract_ledger_node n
              JOIN unnest(%s::smallint[], %s::bigint[]) AS k(level, position)
                ON n.level = k.level AND n.position = k.position
            """,
            (levels, positions),
        )
        found = {(level, position): bytes(value) for level, position, value in self.cr.fetchall()}
        missing = set(keys) - set(found)
        if missing:
            raise KeyError(sorted(missing)[0])
        return found


class EcontractLedger(models.AbstractModel):
    """The evidence log's service: append events, seal heads, prove, audit.

    Features never write ledger rows themselves: they call `_log` (or inherit
    `econtract.ledger.mixin`), which appends in the caller's transaction — the event exists
    exactly when the change it describes is committed.
    """

    _name = "econtract.ledger"
    _description = "Evidence Log"

    # Platform access -------------------------------------------------------------------

    @api.model
    def _evm_url(self):
        """JSON-RPC URL of the EVM node heads are anchored through; ``off`` in the parameter
        or nothing configured: no EVM anchors."""
        # sudo: system parameters are readable by administrators only; this names the node
        # heads are anchored through, whoever triggers the log.
        value = self.env["ir.config_parameter"].sudo().get_param("econtract_chain.evm_url")
        if value:
            return "" if value == "off" else value
        return os.environ.get("ECONTRACT_EVM_URL") or ""

    @api.model
    def _evm_confirmations(self):
        """Blocks on top of an anchor's before it counts: more on chains that reorganise."""
        # sudo: as in _evm_url.
        value = (
            self.env["ir.config_parameter"].sudo().get_param("econtract_chain.evm_confirmations")
        )
        try:
            return max(1, int(value or 1))
        except ValueError:
            return 1

    @api.model
    def _check_log_keeper(self):
        """Sealing, auditing and batch exports use the HSM or read the whole log: they are
        for managers and auditors."""
        user = self.env.user
        if not (
            user.has_group("econtract_base.group_econtract_manager")
            or user.has_group("econtract_base.group_econtract_auditor")
        ):
            raise AccessError(
                _("Only contract managers and auditors may do this with the evidence log.")
            )

    # Appending -------------------------------------------------------------------------

    @api.model
    def _actor(self):
        user = self.env.user
        return {"id": user.id, "name": user.name, "login": user.login}

    @api.model
    def _subject(self, record):
        subject = {"model": record._name, "id": record.id}
        if "name" in record._fields and record.name:
            subject["reference"] = record.name
        return subject

    @api.model
    def _log(self, entries):
        """Append one event per ``(record, event type, payload, documents)`` in one go.

        A record is a contract, or anything with `_ledger_contract`; ``documents`` are
        ``(file name, sha256 hex)`` pairs. Returns the event records.
        """
        now = datetime.now(UTC)
        actor = self._actor()
        prepared = []
        for record, event_type, payload, documents in entries:
            contract = record._ledger_contract() if hasattr(record, "_ledger_contract") else record
            event = Event(
                type=event_type,
                time=now,
                actor=actor,
                subject=self._subject(record),
                payload=payload or {},
                documents=tuple(DocumentDigest(name, digest) for name, digest in documents),
            )
            company = contract.company_id if "company_id" in contract._fields else self.env.company
            contract_id = contract.id if contract._name == "econtract.contract" else False
            prepared.append((event, contract_id, company))
        return self._append(prepared)

    @api.model
    def _append(self, entries):
        """Append ``(Event, contract id or False, company)`` entries; return the event records.

        The log's size lives in one row locked FOR UPDATE until the transaction ends, so
        concurrent writers queue and the indexes have no gaps; a writer whose snapshot is
        older than the last append gets a serialization failure and is retried by Odoo.
        """
        cr = self.env.cr
        cr.execute("SELECT size FROM econtract_ledger_state WHERE id = 1 FOR UPDATE")
        size = cr.fetchone()[0]
        entries, numbers = self._link(entries)
        keys = frontier_keys(size)
        known = _SqlNodes(cr).nodes(keys)
        leaves = [event.leaf_hash() for event, _contract, _company in entries]
        added, _frontier, new_size = append_leaves([known[k] for k in keys], size, leaves)
        cr.execute(
            """
            INSERT INTO econtract_ledger_node (level, position, hash)
            SELECT * FROM unnest(%s::smallint[], %s::bigint[], %s::bytea[])
            """,
            (
                [level for (level, _p), _h in added],
                [position for (_l, position), _h in added],
                [value for _key, value in added],
            ),
        )
        cr.execute("UPDATE econtract_ledger_state SET size = %s WHERE id = 1", (new_size,))
        vals_list = []
        for offset, (event, contract_id, company) in enumerate(entries):
            vals_list.append(
                {
                    "sequence": size + offset,
                    "event_type": event.type,
                    "event_time": event.time.replace(tzinfo=None),
                    "actor_id": event.actor.get("id") or False,
                    "actor_name": event.actor.get("name"),
                    "contract_id": contract_id,
                    "contract_seq": numbers[offset],
                    "company_id": company.id,
                    "canonical": event.canonical_text(),
                    "leaf_hash": leaves[offset].hex(),
                }
            )
        # sudo: nobody has create rights on events; this method is the one writer, and the
        # caller's own rights were checked by the change being logged.
        with engine():
            return clean(self.env["econtract.ledger.event"]).sudo().create(vals_list)

    @api.model
    def _link(self, entries):
        """The entries with each contract event linked to the contract's previous one
        (`econtract.ledger.events.ChainLink`), and their numbers in the contract's history.

        Called with the log's lock held, so the contract's last event is the last one.
        Events logged before links existed count in the numbering; the first linked event
        names the last of them as its predecessor.
        """
        contract_ids = sorted({contract for _event, contract, _company in entries if contract})
        tips = {}
        if contract_ids:
            cr = self.env.cr
            # The last event of each contract, by the (contract, sequence) index.
            cr.execute(
                """
                SELECT DISTINCT ON (contract_id) contract_id, contract_seq, leaf_hash
                  FROM econtract_ledger_event
                 WHERE contract_id = ANY(%s)
              ORDER BY contract_id, sequence DESC
                """,
                (contract_ids,),
            )
            for contract_id, number, leaf in cr.fetchall():
                if number is None:  # logged before links: count its history once
                    cr.execute(
                        "SELECT count(*) - 1 FROM econtract_ledger_event WHERE contract_id = %s",
                        (contract_id,),
                    )
                    number = cr.fetchone()[0]
                tips[contract_id] = (number + 1, leaf)
        linked, numbers = [], []
        for event, contract_id, company in entries:
            if not contract_id:
                linked.append((event, contract_id, company))
                numbers.append(False)
                continue
            count, previous = tips.get(contract_id, (0, None))
            link = ChainLink(f"econtract.contract/{contract_id}", count, previous)
            event = dataclasses.replace(event, chain=link)
            tips[contract_id] = (count + 1, event.leaf_hash().hex())
            linked.append((event, contract_id, company))
            numbers.append(count)
        return linked, numbers

    # Reading ---------------------------------------------------------------------------

    @api.model
    def _size(self):
        self.env.cr.execute("SELECT size FROM econtract_ledger_state WHERE id = 1")
        return self.env.cr.fetchone()[0]

    @api.model
    def _nodes(self):
        return _SqlNodes(self.env.cr)

    # Auditing --------------------------------------------------------------------------

    @api.model
    def _audit(self):
        """Findings of a full check of the live log against the signed heads (empty: intact),
        as ``(message, first bad index or None)``."""
        findings = audit_events(
            self._stream_events(),
            stored=self._nodes(),
            heads=[head._signed() for head in self.env["econtract.ledger.head"].search([])],
            public_key_der=self.env["econtract.platform"]._published().log_public_key,
        )
        return [(finding.message, finding.first_bad_index) for finding in findings]

    @api.model
    def _stream_events(self, batch=2000):
        """``(index, canonical text)`` of every event in order, a page at a time (keyset
        pagination in this transaction): a log of millions of events is audited without
        holding their texts in memory."""
        cr = self.env.cr
        start = -1
        while True:
            cr.execute(
                "SELECT sequence, canonical FROM econtract_ledger_event "
                "WHERE sequence > %s ORDER BY sequence LIMIT %s",
                (start, batch),
            )
            rows = cr.fetchall()
            if not rows:
                return
            yield from rows
            start = rows[-1][0]
