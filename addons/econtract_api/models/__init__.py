from . import (
    econtract_api_call,
    econtract_api_idempotency,
    econtract_api_rate,
    econtract_ledger,
    econtract_webhook,
    econtract_webhook_delivery,
    fastapi_endpoint,
)
