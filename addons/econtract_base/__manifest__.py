{
    "name": "Electronic Contracts",
    "summary": "Contracts with parties, amounts, terms and an audit trail, inside the ERP",
    "version": "18.0.1.0.0",
    "category": "Productivity/Contracts",
    "author": "econtract developers",
    "license": "LGPL-3",
    "application": True,
    "depends": ["mail", "hr"],
    "data": [
        "security/econtract_base_groups.xml",
        "security/ir.model.access.csv",
        "security/econtract_contract_security.xml",
        "data/econtract_contract_sequence.xml",
        "views/econtract_contract_views.xml",
        "views/econtract_menus.xml",
    ],
    "demo": ["demo/econtract_contract_demo.xml"],
    "assets": {
        "web.assets_tests": ["econtract_base/static/tests/tours/*.js"],
    },
}
