from . import (
    test_econtract_api,
    test_econtract_api_openapi,
    test_econtract_api_reader,
    test_econtract_api_signing,
    test_econtract_api_webhooks,
)
