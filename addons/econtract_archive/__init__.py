from . import controllers
from . import models
from . import wizards


def post_init_hook(env):
    """Files frozen before the archive was installed are encrypted now, and contracts
    signed before it are archived by its job."""
    while env["ir.attachment"]._econtract_seal_existing():
        pass
    env["econtract.signer"]._seal_plain_identities()
    env["econtract.archive.record"]._enroll_signed_contracts()
