from . import (
    econtract_obligation,
    econtract_obligation_notice,
    econtract_fulfilment_reminder,
    econtract_fulfilment_level,
    econtract_fulfilment_event,
    econtract_contract,
    econtract_contract_clause,
)
