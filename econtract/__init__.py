"""econtract core: the contract logic that needs no ERP.

Cryptography, PDF, ledger and parsing code lives here, typed and tested without a database;
the Odoo addons under ``addons/`` are thin adapters around it. Nothing here imports odoo.
"""

from .errors import AmountError, EContractError, MissingValuesError, RenderError, TemplateError

__all__ = [
    "AmountError",
    "EContractError",
    "MissingValuesError",
    "RenderError",
    "TemplateError",
    "__version__",
]

__version__ = "0.1.0"
