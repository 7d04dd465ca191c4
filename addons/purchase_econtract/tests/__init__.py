from . import test_purchase_econtract
from . import test_purchase_econtract_tour
