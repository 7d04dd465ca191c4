from . import econtract_webhook, fastapi_endpoint
