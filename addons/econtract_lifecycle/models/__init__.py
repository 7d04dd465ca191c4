from . import (
    econtract_contract,
    econtract_contract_clause,
    econtract_contract_revision,
    res_company,
)
