from . import econtract_contract
