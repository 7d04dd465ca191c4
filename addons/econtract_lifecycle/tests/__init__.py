from . import (
    test_econtract_lifecycle_amendment,
    test_econtract_lifecycle_boundary,
    test_econtract_lifecycle_demo,
    test_econtract_lifecycle_negotiation,
    test_econtract_lifecycle_notice,
    test_econtract_lifecycle_statistics,
    test_econtract_lifecycle_term,
    test_econtract_lifecycle_tour,
)
