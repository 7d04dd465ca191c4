from odoo import models


class EcontractSignRequest(models.Model):
    _inherit = "econtract.sign.request"

    def _check_sendable(self):
        """An amendment, renewal or termination goes out for signature only while what it
        changes still stands as it was drafted from: found before anyone signs, not at the
        last signature."""
        result = super()._check_sendable()
        contract = self.contract_id
        if contract.origin_kind:
            contract._lifecycle_check_base()
        return result
