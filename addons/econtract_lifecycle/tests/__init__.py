from . import (
    test_econtract_lifecycle_amendment,
    test_econtract_lifecycle_boundary,
    test_econtract_lifecycle_demo,
    test_econtract_lifecycle_term,
)
