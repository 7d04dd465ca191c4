from . import (
    test_econtract_fulfilment_demo,
    test_econtract_fulfilment_dunning,
    test_econtract_fulfilment_plan,
    test_econtract_fulfilment_security,
    test_econtract_fulfilment_tour,
)
