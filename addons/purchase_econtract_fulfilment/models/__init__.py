from . import account_move, econtract_contract, econtract_obligation
