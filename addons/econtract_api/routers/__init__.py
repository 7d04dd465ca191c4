from .contracts import router as contracts_router
from .docs import router as docs_router
from .fulfilment import router as fulfilment_router
from .signing import router as signing_router
from .webhooks import router as webhooks_router

API_VERSION = "1.0.0"
OPENAPI_TAGS = [
    {"name": "contracts", "description": "Contracts: drafting, approval and their documents."},
    {"name": "signing", "description": "Signing requests, signers and their links; checks."},
    {"name": "fulfilment", "description": "Events and obligations of signed contracts."},
    {"name": "webhooks", "description": "Subscriptions to contract events, and deliveries."},
    {"name": "account", "description": "The API key's user."},
]
ROUTERS = [contracts_router, signing_router, fulfilment_router, webhooks_router, docs_router]

__all__ = ["API_VERSION", "OPENAPI_TAGS", "ROUTERS"]
