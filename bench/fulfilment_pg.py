"""``make bench``: the daily fulfilment scan over 100 000 obligations.

Run by ``tools/devenv.py bench`` against its throw-away database (``fulfilment_pg.py
ODOO_CONF DATABASE``), where ``econtract_fulfilment`` is installed. 100 000 obligations of
200 contracts fall due over two years around today, in the state yesterday's scan left
them (past ones overdue or done, the next week's due); then today's scan runs — what falls
due and overdue today moves, with one evidence event each, and paid invoices close theirs
— and its time is printed beside the goal (≤ 5 s), with PostgreSQL's plan of the overdue
query, which must use the open-obligation index. Reminders and dunning send mail and make
PDFs, whose cost is the mail and the renderer's; the scan here runs without them.
"""

from __future__ import annotations

import datetime
import io
import random
import sys
import time

from ledger import odoo_registry  # bench/ledger.py, beside this script

from odoo import SUPERUSER_ID, api

OBLIGATIONS = 100_000
CONTRACTS = 200
DAYS = 730
GOAL = 5.0
RUNS = 3


def _fill(env: api.Environment, today: datetime.date) -> None:
    env["econtract.fulfilment.level"].search([]).write({"active": False})
    env["econtract.fulfilment.reminder"].search([]).write({"active": False})
    partner = env["res.partner"].create({"name": "基准测试相对方"})
    contracts = env["econtract.contract"].create(
        [{"title": f"基准合同 {n}", "partner_ids": [(6, 0, partner.ids)]} for n in range(CONTRACTS)]
    )
    env.cr.execute(  # signed, as obligations' contracts are
        "UPDATE econtract_contract SET state = 'signed' WHERE id IN %s", [tuple(contracts.ids)]
    )
    company = env.company.id
    rng = random.Random(20261202)
    buffer = io.StringIO()
    for n in range(OBLIGATIONS):
        due = today + datetime.timedelta(days=rng.randrange(-DAYS // 2, DAYS // 2))
        if due < today - datetime.timedelta(days=1):
            state = "done" if rng.random() < 0.9 else "overdue"
        elif due <= today + datetime.timedelta(days=7):
            state = "due"  # the next week's, and yesterday's (overdue from today on)
        else:
            state = "planned"
        contract = contracts[n % CONTRACTS].id
        kind = rng.choice(("payment", "payment", "delivery", "acceptance", "service"))
        buffer.write(
            f"{contract}\t{company}\t义务 {n}\t{kind}\tcounterparty\t{rng.randrange(1, 500) * 100}"
            f"\t{due.isoformat()}\t{state}\tmanual\tmanual\n"
        )
    buffer.seek(0)
    env.cr._obj.copy_expert(
        "COPY econtract_obligation (contract_id, company_id, name, kind, debtor, amount, "
        "date_due, state, source, fulfil_mode) FROM STDIN",
        buffer,
    )
    env.cr.execute("ANALYZE econtract_obligation")


def main(conf: str, database: str) -> int:
    registry = odoo_registry(conf, database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Obligation = env["econtract.obligation"]
        company = env.company
        today = datetime.date.today()
        started = time.perf_counter()
        _fill(env, today)
        cr.commit()
        print(f"fulfilment scan: {OBLIGATIONS} obligations of {CONTRACTS} contracts over "
              f"{DAYS} days, made in {time.perf_counter() - started:.0f} s")  # fmt: skip
        times, moved = [], 0
        for run in range(RUNS):
            day = today + datetime.timedelta(days=run)
            overdue_before = Obligation.search_count([("state", "=", "overdue")])
            started = time.perf_counter()
            Obligation._scan(company, day)
            cr.flush()
            times.append(time.perf_counter() - started)
            moved = Obligation.search_count([("state", "=", "overdue")]) - overdue_before
            cr.commit()
            print(f"  scan of {day.isoformat()}: {times[-1]:6.2f} s ({moved} newly overdue, "
                  "each an evidence event)")  # fmt: skip
        plan = Obligation._scan_query_plan(company, today)
        print("  overdue query plan:")
        print("    " + plan.replace("\n", "\n    "))
        worst = max(times)
        uses_index = "econtract_obligation_open_due_idx" in plan
        print(f"  goal ≤ {GOAL:.0f} s: {'ok' if worst <= GOAL else 'ABOVE the goal'}; "
              f"open-obligation index {'used' if uses_index else 'NOT used'}")  # fmt: skip
    return 0 if worst <= GOAL and uses_index else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
