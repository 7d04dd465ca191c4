from odoo import models
from odoo.tools import html2plaintext

from econtract.errors import EContractError
from econtract.templating import render_placeholders


class EcontractContractClause(models.Model):
    _inherit = "econtract.contract.clause"

    def _fulfilment_text(self):
        """The clause as its parties read it: values filled in, as plain text."""
        self.ensure_one()
        contract = self.contract_id
        values = {variable.name: variable._get_value() for variable in contract.variable_ids}
        try:
            body = render_placeholders(self.body or "", values, language=contract._text_language())
        except EContractError:  # a value left empty: the clause as written
            body = self.body or ""
        return html2plaintext(body)
