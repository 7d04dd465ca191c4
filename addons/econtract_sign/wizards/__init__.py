from . import econtract_sign_cancel_wizard
