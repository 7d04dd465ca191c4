"""``make bench``: the evidence log through Odoo and PostgreSQL.

Run by ``tools/devenv.py bench`` against a throw-away database with ``econtract_chain``
installed (``ledger_pg.py ODOO_CONF DATABASE``). Prints p50 / p95 for:

- appending one event per committed transaction, and 100 per committed transaction, through
  ``econtract.ledger._append`` (lock on the log's size row, frontier read, Merkle nodes and
  event rows written, commit) — the cost a business change pays for its evidence;
- inclusion and consistency proofs in a log of 1 000 000 leaves whose perfect-subtree hashes
  are in ``econtract_ledger_node``, read with one query per proof, and verified.

The million-leaf node store is filled directly (COPY of the nodes `append_leaves` computes for
synthetic leaf hashes): creating a million event rows through the ORM would measure the ORM,
and proofs read nodes only.
"""

from __future__ import annotations

import hashlib
import io
import random
import statistics
import sys
import time
from datetime import UTC, datetime

from ledger import odoo_registry, percentiles, timed  # bench/ledger.py, beside this script

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry

from econtract.ledger.events import Event
from econtract.ledger.merkle import (
    append_leaves,
    consistency_proof,
    frontier_keys,
    inclusion_proof,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

LEAVES = 1_000_000
SINGLE = 300
BATCHES = 30
BATCH = 100
PROOFS = 1000


def _event(n: int) -> Event:
    return Event(
        "contract.updated",
        datetime.now(UTC),
        {"id": 2, "name": "管理员"},
        {"model": "econtract.contract", "id": n % 5000, "reference": f"HT-2026-{n % 5000:04d}"},
        payload={"changes": {"amount": ["1000.00", f"{n}.00"]}},
    )


def _appends(registry: Registry, transactions: int, per_transaction: int) -> list[float]:
    samples = []
    for number in range(transactions):
        started = time.perf_counter()
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["econtract.ledger"]._append(
                [
                    (_event(number * per_transaction + i), False, env.company)
                    for i in range(per_transaction)
                ]
            )
        samples.append(time.perf_counter() - started)  # the cursor committed on exit
    return samples


def _fill(registry: Registry, leaves: int) -> None:
    """Nodes of ``leaves`` synthetic leaves after the events already in the log."""
    with registry.cursor() as cr:
        cr.execute("SELECT size FROM econtract_ledger_state WHERE id = 1 FOR UPDATE")
        size = cr.fetchone()[0]
        env = api.Environment(cr, SUPERUSER_ID, {})
        nodes = env["econtract.ledger"]._nodes()
        keys = frontier_keys(size)
        known = nodes.nodes(keys)
        frontier = [known[k] for k in keys]
        step = 100_000
        while size < leaves:
            count = min(step, leaves - size)
            hashes = [hashlib.sha256(b"leaf %d" % (size + i)).digest() for i in range(count)]
            added, frontier, size = append_leaves(frontier, size, hashes)
            rows = io.StringIO()
            for (level, position), value in added:
                rows.write(f"{level}\t{position}\t\\\\x{value.hex()}\n")
            rows.seek(0)
            cr.copy_expert("COPY econtract_ledger_node (level, position, hash) FROM STDIN", rows)
        cr.execute("UPDATE econtract_ledger_state SET size = %s WHERE id = 1", (size,))
        cr.execute("ANALYZE econtract_ledger_node")


def main(conf: str, database: str) -> None:
    registry = odoo_registry(conf, database)
    print("evidence log through PostgreSQL (Odoo ORM, committed transactions)")

    single = _appends(registry, SINGLE, 1)
    p50, p95 = percentiles(single)
    print(
        f"  append 1 event per transaction   p50 {p50 * 1000:6.2f} ms  p95 {p95 * 1000:6.2f} ms"
        f"  ({1 / statistics.mean(single):,.0f} events/s)"
    )
    batched = _appends(registry, BATCHES, BATCH)
    p50, p95 = percentiles(batched)
    print(
        f"  append {BATCH} per transaction    p50 {p50 * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms"
        f"  ({BATCH / statistics.mean(batched):,.0f} events/s)"
    )

    started = time.perf_counter()
    _fill(registry, LEAVES)
    print(f"  node store filled to {LEAVES:,} leaves in {time.perf_counter() - started:.1f} s")
    rng = random.Random(2026)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        nodes = env["econtract.ledger"]._nodes()
        size = env["econtract.ledger"]._size()
        root = root_hash(nodes, size)

        indexes = [rng.randrange(size) for _ in range(PROOFS)]
        leaves = nodes.nodes([(0, index) for index in indexes])
        chosen = iter(indexes)

        def prove() -> None:
            index = next(chosen)
            path = inclusion_proof(nodes, index, size)
            verify_inclusion(index, size, leaves[(0, index)], path, root)

        p50, p95 = timed(prove, PROOFS)
        print(
            f"  inclusion proof at {size:,}   p50 {p50 * 1e6:6.0f} µs  p95 {p95 * 1e6:6.0f} µs"
            "  (one query, verified)"
        )
        old_roots = {old: root_hash(nodes, old) for old in rng.sample(range(1, size), 200)}
        olds = iter(list(old_roots) * (PROOFS // 200))

        def consistent() -> None:
            old = next(olds)
            proof = consistency_proof(nodes, old, size)
            verify_consistency(old, size, old_roots[old], root, proof)

        p50, p95 = timed(consistent, PROOFS)
        print(
            f"  consistency proof at {size:,} p50 {p50 * 1e6:6.0f} µs  p95 {p95 * 1e6:6.0f} µs"
            "  (one query, verified)"
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
