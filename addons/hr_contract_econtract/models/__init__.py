from . import econtract_contract
from . import hr_contract
