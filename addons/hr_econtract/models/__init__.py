from . import econtract_contract
from . import econtract_approval
from . import hr_employee
