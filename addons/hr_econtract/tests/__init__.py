from . import test_hr_econtract
from . import test_hr_econtract_approval
