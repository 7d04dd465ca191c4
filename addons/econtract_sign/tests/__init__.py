from . import test_econtract_sign_request
from . import test_econtract_sign_flow
from . import test_econtract_sign_concurrency
from . import test_econtract_sign_portal
from . import test_econtract_sign_batch
from . import test_econtract_rpc_boundary
from . import test_econtract_integrity
