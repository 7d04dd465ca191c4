{
    "name": "Electronic Contracts by Department",
    "summary": "Contracts belong to departments; colleagues of a department share them",
    "version": "18.0.1.0.0",
    "category": "Productivity/Contracts",
    "author": "econtract developers",
    "license": "LGPL-3",
    "depends": ["econtract_base", "hr"],
    "data": [
        "security/econtract_contract_security.xml",
        "views/econtract_contract_views.xml",
    ],
    "demo": ["demo/hr_econtract_demo.xml"],
    "auto_install": True,
}
