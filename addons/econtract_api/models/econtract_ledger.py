from odoo import api, models


class EcontractLedger(models.AbstractModel):
    _inherit = "econtract.ledger"

    @api.model
    def _append(self, entries):
        """Every evidence event a webhook listens to is queued for it, in the same
        transaction: the ledger is the one place every step of a contract passes."""
        events = super()._append(entries)
        self.env["econtract.webhook"]._queue_ledger_events(events)
        return events
