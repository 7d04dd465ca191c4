from . import test_econtract_api, test_econtract_api_signing
