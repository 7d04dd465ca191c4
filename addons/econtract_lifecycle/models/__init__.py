from . import (
    econtract_contract,
    econtract_contract_clause,
    econtract_contract_report,
    econtract_contract_revision,
    econtract_negotiation,
    econtract_sign_request,
    econtract_termination_notice,
    res_company,
)
