{
    "name": "Electronic Contracts: Signing",
    "summary": "Legally reliable electronic signatures for contracts",
    "version": "18.0.1.0.0",
    "category": "Productivity/Contracts",
    "author": "econtract developers",
    "license": "LGPL-3",
    "depends": ["econtract_base", "econtract_chain", "auth_totp"],
    "external_dependencies": {"python": ["econtract"]},
    "data": [
        "security/ir.model.access.csv",
        "security/econtract_sign_security.xml",
        "data/econtract_sign_data.xml",
        "wizards/econtract_sign_cancel_wizard_views.xml",
        "views/econtract_sign_request_views.xml",
    ],
}
