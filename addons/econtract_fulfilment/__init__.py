from . import models, wizards


def post_init_hook(env):
    """Contracts signed before the addon was installed get their rent planned, and their
    owners are asked to confirm what the clauses state."""
    env["econtract.contract"].search([("state", "=", "signed")])._fulfilment_plan_on_signing()
