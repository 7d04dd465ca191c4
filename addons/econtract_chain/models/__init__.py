from . import econtract_ledger
from . import econtract_ledger_event
from . import econtract_ledger_head
from . import econtract_ledger_anchor
from . import econtract_ledger_mixin
from . import econtract_contract
from . import econtract_contract_document
from . import res_company
