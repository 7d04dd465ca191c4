{
    "name": "Electronic Contracts: SOAP service and zeep bridge",
    "summary": "A SOAP 1.1 service with its WSDL for the REST API's core operations, and "
    "outbound SOAP calls (zeep) on contract events",
    "version": "18.0.1.0.0",
    "category": "Productivity/Contracts",
    "website": "https://github.com/econtract/econtract",
    "author": "econtract developers",
    "license": "LGPL-3",
    "depends": ["econtract_api"],
    "external_dependencies": {"python": ["lxml", "zeep"]},
    "data": [
        "security/econtract_soap_security.xml",
        "security/ir.model.access.csv",
        "data/econtract_soap_data.xml",
        "views/econtract_webhook_views.xml",
    ],
}
