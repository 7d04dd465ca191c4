"""``make bench``: the approval engine through Odoo and PostgreSQL.

Run by ``tools/devenv.py bench`` against the throw-away database of ``ledger_pg.py``
(``approval_pg.py ODOO_CONF DATABASE``), where ``econtract_sign`` (so ``econtract_chain``
too) is installed: every decision is also appended to the evidence log as in production.
With 50 policies and 200 contracts pending approval, prints p50 / p95 of

- submit → first approvers notified: selecting the policy among 50, checking the content
  hash, opening the first step, creating tasks and activities, in one committed transaction;
- decision → next step: an approval that closes a step and opens the next one (tasks,
  activities, trail line, evidence event), committed.

Each contract's document version is rendered beforehand: rendering a PDF is the renderer's
benchmark, and submission reuses a version whose content is unchanged.
"""

from __future__ import annotations

import sys
import time

from ledger import odoo_registry, report_against  # bench/ledger.py, beside this script

from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry

POLICIES = 50
CONTRACTS = 200
TARGET = 1.0  # seconds, p95


def _setup(registry: Registry) -> tuple[int, int, list[int]]:
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        group = env.ref("econtract_base.group_econtract_user")
        owner, legal, finance = env["res.users"].create(
            [
                {
                    "name": login,
                    "login": login,
                    "email": f"{login}@bench.example.com",
                    "groups_id": [Command.set(group.ids)],
                }
                for login in ("bench_owner", "bench_legal", "bench_finance")
            ]
        )
        env["econtract.approval.policy"].search([]).write({"active": False})
        Policy = env["econtract.approval.policy"]
        for number in range(POLICIES):
            # 49 policies for amount bands the contracts here never fall in, one that applies.
            band = {
                "amount_min": 10_000_000 + number * 1000,
                "amount_max": 10_000_999 + number * 1000,
            }
            if number == POLICIES - 1:
                band = {"amount_min": 0, "amount_max": 1_000_000}
            Policy.create(
                {
                    "name": f"Bench policy {number}",
                    "priority": number,
                    **band,
                    "step_ids": [
                        Command.create(
                            {
                                "name": "Legal",
                                "mode": "or_sign",
                                "approver_type": "users",
                                "user_ids": [Command.set(legal.ids)],
                            }
                        ),
                        Command.create(
                            {
                                "name": "Finance",
                                "mode": "countersign",
                                "approver_type": "users",
                                "user_ids": [Command.set((finance | owner).ids)],
                            }
                        ),
                    ],
                }
            )
        partner = env["res.partner"].create({"name": "基准测试供应商"})
        contracts = (
            env["econtract.contract"]
            .with_user(owner)
            .create(
                [
                    {
                        "title": f"基准合同 {number}",
                        "amount": 1000 + number,
                        "partner_ids": [Command.set(partner.ids)],
                        "clause_ids": [
                            Command.create(
                                {"title": "标的", "body": f"<p>货物第 {number} 批。</p>"}
                            )
                        ],
                    }
                    for number in range(CONTRACTS)
                ]
            )
        )
        for contract in contracts:
            contract._render_document()
        return owner.id, legal.id, contracts.ids


def _timed_each(registry: Registry, uid: int, ids: list[int], action: str) -> list[float]:
    samples = []
    for contract_id in ids:
        started = time.perf_counter()
        with registry.cursor() as cr:
            env = api.Environment(cr, uid, {})
            getattr(env["econtract.contract"].browse(contract_id), action)()
        samples.append(time.perf_counter() - started)  # committed on exit
    return samples


def main(conf: str, database: str) -> int:
    registry = odoo_registry(conf, database)
    print(f"approval engine through PostgreSQL ({POLICIES} policies, {CONTRACTS} contracts)")
    started = time.perf_counter()
    owner, legal, ids = _setup(registry)
    print(f"  set up (documents rendered) in {time.perf_counter() - started:.1f} s")
    ok = report_against(
        "submit → first approvers notified",
        _timed_each(registry, owner, ids, "action_submit_for_approval"),
        TARGET,
    )
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        pending = env["econtract.approval.task"].search_count([("state", "=", "pending")])
        print(f"  pending approval tasks now: {pending:,}")
    ok &= report_against(
        "decision → next step opened",
        _timed_each(registry, legal, ids, "action_approval_approve"),
        TARGET,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
