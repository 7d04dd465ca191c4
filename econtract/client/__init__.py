"""A client of econtract's REST API, for partners' scripts: typed results, safe retries.

    >>> from econtract.client import Client
    >>> api = Client("https://erp.example.com", "1b2c…", lang="zh-CN")
    >>> for contract in api.contracts(state="signed"):
    ...     print(contract.reference, contract.amount)

Every POST carries an idempotency key (a new one per call unless given), so the client
retries a request that timed out, met a server error or was rate-limited without doing it
twice. Errors are :class:`ApiError` subclasses carrying the server's stable problem code.
"""

from .errors import (
    ApiError,
    InvalidRequest,
    NotFound,
    RateLimited,
    Refused,
    TransportError,
    Unauthenticated,
)
from .models import (
    Contract,
    ContractSummary,
    DocumentVersion,
    Obligation,
    Party,
    Signer,
    SignerSpec,
    SigningLink,
    SignRequest,
    Verification,
)
from .rest import Client

__all__ = [
    "ApiError",
    "Client",
    "Contract",
    "ContractSummary",
    "DocumentVersion",
    "InvalidRequest",
    "NotFound",
    "Obligation",
    "Party",
    "RateLimited",
    "Refused",
    "SignRequest",
    "Signer",
    "SignerSpec",
    "SigningLink",
    "TransportError",
    "Unauthenticated",
    "Verification",
]
