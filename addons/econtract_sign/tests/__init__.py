from . import test_econtract_sign_request
