from . import test_econtract_soap, test_econtract_soap_bridge
