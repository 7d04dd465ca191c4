from . import econtract_contract, purchase_order, stock_picking
