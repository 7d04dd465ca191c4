from . import test_hr_econtract
