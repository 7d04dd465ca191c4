from . import econtract_sign_attempt
from . import econtract_sign_request
from . import econtract_signer
from . import econtract_contract
from . import econtract_sign_verification
from . import res_company
