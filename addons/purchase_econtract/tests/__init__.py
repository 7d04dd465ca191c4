from . import test_purchase_econtract
from . import test_purchase_econtract_tour
from . import test_odoo_reports
