import base64

import psycopg2

from odoo.tools import SQL, mute_logger

from odoo.addons.econtract_base.tests.common import EcontractCommon

from econtract.ledger.merkle import MemoryTree


class LedgerCommon(EcontractCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Event = cls.env["econtract.ledger.event"]
        cls.Head = cls.env["econtract.ledger.head"]
        cls.Anchor = cls.env["econtract.ledger.anchor"]
        cls.ledger = cls.env["econtract.ledger"]
        # One anchor kind at a time: the RFC 3161 one here, the EVM one in its own tests.
        cls.env["ir.config_parameter"].set_param("econtract_chain.evm_url", "off")

    def _events_of(self, contract):
        return self.Event.search([("contract_id", "=", contract.id)], order="sequence")

    def _sql(self, query, params=()):
        """Run SQL as the database owner would, with the append-only triggers off."""
        self._set_append_only(False)
        self.env.cr.execute(query, params)
        self._set_append_only(True)
        self.env.invalidate_all()

    def _set_append_only(self, enabled):
        for table in ("econtract_ledger_event", "econtract_ledger_head"):
            self.env.cr.execute(
                SQL(
                    "ALTER TABLE %s %s TRIGGER %s",
                    SQL.identifier(table),
                    SQL("ENABLE" if enabled else "DISABLE"),
                    SQL.identifier(f"{table}_append_only"),
                )
            )

    def _tree_from_events(self):
        events = self.Event.sudo().search([], order="sequence")
        return MemoryTree.of(bytes.fromhex(event.leaf_hash) for event in events)

    def assertRefusedBySql(self, query, params=()):
        with (
            self.assertRaises(psycopg2.errors.InsufficientPrivilege),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(query, params)

    @staticmethod
    def _package_bytes(result):
        return base64.b64decode(result["content"])
