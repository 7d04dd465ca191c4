from . import econtract_archive_reason
