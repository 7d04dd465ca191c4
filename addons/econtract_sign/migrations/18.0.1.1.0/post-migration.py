"""Files being signed record the SHA-256 every read checks; they and the signing
certificates become frozen (engine-owned)."""

import hashlib

from odoo import SUPERUSER_ID, api

from odoo.addons.econtract_base.models.econtract_guard_mixin import engine


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    requests = env["econtract.sign.request"].search([("working_attachment_id", "!=", False)])
    with engine():
        for request in requests:
            data = request.working_attachment_id.raw or b""
            request.working_sha256 = hashlib.sha256(data).hexdigest()
        (requests.working_attachment_id | requests.certificate_attachment_id).write(
            {"econtract_frozen": True}
        )
    # Seal keepers read requests and signers; they write none (noupdate data: set here).
    for xmlid in ("econtract_sign_request_rule_seal", "econtract_signer_rule_seal"):
        rule = env.ref(f"econtract_sign.{xmlid}", raise_if_not_found=False)
        if rule:
            rule.write({"perm_write": False, "perm_create": False, "perm_unlink": False})
