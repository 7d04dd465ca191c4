from . import test_econtract_contract
from . import test_econtract_contract_access
from . import test_econtract_contract_tour
from . import test_econtract_template
from . import test_econtract_lease
from . import test_econtract_module
