from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """The addon was an empty placeholder before 18.0.1.1.0: contracts signed since then
    are archived by its job, as on a fresh install."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    while env["ir.attachment"]._econtract_seal_existing():
        pass
    env["econtract.signer"]._seal_plain_identities()
    env["econtract.archive.record"]._enroll_signed_contracts()
