from . import econtract_api_call, econtract_api_idempotency, fastapi_endpoint
