{
    "name": "Electronic Contracts: REST API",
    "summary": "A REST API under /api/v1 with its OpenAPI 3.1 document: API keys, idempotent "
    "POSTs, problem+json errors and an operation log",
    "version": "18.0.1.0.0",
    "category": "Productivity/Contracts",
    "website": "https://github.com/econtract/econtract",
    "author": "econtract developers",
    "license": "LGPL-3",
    "depends": ["fastapi", "econtract_sign", "econtract_fulfilment"],
    "external_dependencies": {"python": ["fastapi", "pydantic"]},
    "data": [
        "security/econtract_api_security.xml",
        "security/ir.model.access.csv",
        "data/econtract_api_data.xml",
        "data/econtract_webhook_data.xml",
        "views/econtract_api_call_views.xml",
        "views/econtract_webhook_views.xml",
    ],
}
