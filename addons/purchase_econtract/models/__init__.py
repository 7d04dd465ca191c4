from . import econtract_contract
from . import purchase_order
from . import res_company
from . import res_config_settings
