from . import (
    econtract_api_call,
    econtract_api_idempotency,
    econtract_api_rate,
    econtract_api_scope,
    econtract_ledger,
    econtract_webhook,
    econtract_webhook_delivery,
    fastapi_endpoint,
)
