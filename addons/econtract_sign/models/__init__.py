from . import econtract_sign_request
from . import econtract_signer
from . import econtract_contract
