from . import econtract_contract_state_wizard
from . import econtract_approval_wizard
