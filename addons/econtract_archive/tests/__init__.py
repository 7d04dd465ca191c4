from . import test_econtract_archive
from . import test_econtract_archive_search
from . import test_econtract_archive_keys_and_stores
from . import test_econtract_archive_retention
from . import test_econtract_archive_identity
from . import test_econtract_archive_tour
from . import test_econtract_archive_demo
