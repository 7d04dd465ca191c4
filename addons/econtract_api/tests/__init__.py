from . import test_econtract_api
