from . import econtract_contract_state_wizard
