from . import test_hr_contract_econtract
