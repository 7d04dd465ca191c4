from . import test_econtract_ledger
from . import test_econtract_ledger_concurrency
from . import test_econtract_ledger_http
from . import test_econtract_ledger_evm
