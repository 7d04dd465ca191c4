from . import models


def post_init_hook(env):
    """Purchase contracts signed before the addon was installed get the plan their order
    states (unless their payments were planned from the clauses already)."""
    contracts = env["econtract.contract"].search(
        [("state", "=", "signed"), ("purchase_order_id", "!=", False)]
    )
    for contract in contracts:
        contract._fulfilment_plan_purchase()
