from . import models


def post_init_hook(env):
    """Deliveries planned before Inventory was there are now fulfilled by receipts, and
    those already received are done."""
    deliveries = env["econtract.obligation"].search(
        [
            ("source", "=", "purchase"),
            ("kind", "=", "delivery"),
            ("state", "in", ("planned", "due", "overdue")),
            ("fulfil_mode", "=", "manual"),
            ("contract_id.state", "=", "signed"),
        ]
    )
    deliveries._engine_write({"fulfil_mode": "receipt"})
    for contract in deliveries.contract_id:
        contract._fulfilment_receive()
