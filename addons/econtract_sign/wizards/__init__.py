from . import econtract_sign_cancel_wizard
from . import econtract_sign_batch_wizard
