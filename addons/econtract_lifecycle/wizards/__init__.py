from . import (
    econtract_contract_compare,
    econtract_lifecycle_terminate,
    econtract_negotiation_share,
)
