from . import econtract_api_call, econtract_api_idempotency, econtract_api_rate, fastapi_endpoint
