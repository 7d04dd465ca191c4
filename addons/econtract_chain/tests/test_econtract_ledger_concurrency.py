import threading
from datetime import UTC, datetime

from odoo import api
from odoo.modules.registry import Registry
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import mute_logger

from econtract.ledger.events import Event
from econtract.ledger.merkle import MemoryTree, root_hash


@tagged("post_install", "-at_install")
class TestConcurrentWriters(BaseCase):
    """Writers in separate, committed transactions: the log stays gap-free and consistent.

    A BaseCase, not a TransactionCase: a test transaction that appended an event would hold
    the log's lock until its rollback, and the writers here would wait for it forever. The
    events written here are committed for real, as an append-only log requires; they are
    system events about no contract.
    """

    WRITERS = 4
    EVENTS_PER_WRITER = 15

    def _writer(self, registry, number, outcome):
        written = retries = 0
        while written < self.EVENTS_PER_WRITER:
            with registry.cursor() as cr:
                cr.execute("SET LOCAL lock_timeout = '20s'")
                # Bind the registry ourselves: looking it up by name takes the registries'
                # lock, which the thread running the test suite holds.
                cr.transaction = api.Transaction(registry)
                env = api.Environment(cr, 1, {})
                event = Event(
                    "system.concurrency_test",
                    datetime.now(UTC),
                    {"id": 1, "name": "test"},
                    {"model": "test", "writer": number},
                    payload={"n": written},
                )
                try:
                    env["econtract.ledger"]._append([(event, False, env.company)])
                    # A real commit is the point: concurrent committed writers.
                    cr.commit()  # pylint: disable=invalid-commit
                except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                    # What Odoo's request and cron runners do with these: start again.
                    cr.rollback()
                    retries += 1
                    continue
                written += 1
        outcome[number] = retries

    def test_parallel_writers_produce_a_gap_free_log(self):
        registry = Registry(get_db_name())
        with registry.cursor() as cr:
            env = api.Environment(cr, 1, {})
            before = env["econtract.ledger"]._size()
        outcome = {}
        threads = [
            threading.Thread(target=self._writer, args=(registry, n, outcome))
            for n in range(self.WRITERS)
        ]
        with mute_logger("odoo.sql_db"):  # the retried serialization failures
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
        self.assertEqual(len(outcome), self.WRITERS, "a writer did not finish")
        with registry.cursor() as cr:
            env = api.Environment(cr, 1, {})
            ledger = env["econtract.ledger"]
            size = ledger._size()
            self.assertEqual(size, before + self.WRITERS * self.EVENTS_PER_WRITER)
            cr.execute("SELECT sequence, leaf_hash FROM econtract_ledger_event ORDER BY sequence")
            rows = cr.fetchall()
            self.assertEqual([sequence for sequence, _hash in rows], list(range(size)))
            tree = MemoryTree.of(bytes.fromhex(value) for _sequence, value in rows)
            self.assertEqual(root_hash(ledger._nodes(), size), tree.root())
            cr.execute(
                "SELECT canonical FROM econtract_ledger_event "
                "WHERE event_type = 'system.concurrency_test' AND sequence >= %s",
                (before,),
            )
            self.assertEqual(len(cr.fetchall()), self.WRITERS * self.EVENTS_PER_WRITER)

    def test_scheduled_job_seals_and_anchors_in_one_run(self):
        """The job seals, time-stamps, signs the EVM transaction, commits, then sends it: one
        run anchors both ways, and a second run finds nothing to do."""
        registry = Registry(get_db_name())
        with registry.cursor() as cr:
            env = api.Environment(cr, 1, {})
            self.assertTrue(env["econtract.ledger"]._evm_url(), "no chain: run make test")
            event = Event(
                "system.cron_test",
                datetime.now(UTC),
                {"id": 1, "name": "test"},
                {"model": "test"},
                payload={},
            )
            env["econtract.ledger"]._append([(event, False, env.company)])
            env["econtract.ledger.head"]._cron_seal_and_anchor()
            cr.commit()  # pylint: disable=invalid-commit
        with registry.cursor() as cr:
            env = api.Environment(cr, 1, {})
            head = env["econtract.ledger.head"].search([], limit=1)
            self.assertEqual(head.tree_size, env["econtract.ledger"]._size())
            self.assertEqual(
                sorted(head.anchor_ids.mapped(lambda a: (a.kind, a.state))),
                [("evm", "done"), ("rfc3161", "done")],
            )
            sent = head.anchor_ids.filtered(lambda a: a.kind == "evm").transaction_hash
            env["econtract.ledger.head"]._cron_seal_and_anchor()
            self.assertEqual(env["econtract.ledger.head"].search([], limit=1), head)
            self.assertEqual(
                head.anchor_ids.filtered(lambda a: a.kind == "evm").transaction_hash, sent
            )
