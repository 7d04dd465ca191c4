from . import econtract_contract
from . import econtract_template
from . import econtract_clause_category
from . import econtract_clause
from . import econtract_contract_clause
from . import econtract_contract_variable
from . import econtract_contract_document
from . import econtract_rent_line
