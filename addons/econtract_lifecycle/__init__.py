from . import controllers, models, wizards


def post_init_hook(env):
    """Contracts signed before the addon was installed take their terms in force as
    version 1, and start their term (in force, or expired if it has ended)."""
    contracts = env["econtract.contract"].search([("state", "=", "signed")])
    contracts._lifecycle_enroll()
