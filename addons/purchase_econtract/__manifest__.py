{
    "name": "Purchase Contracts",
    "summary": "Draft, render and track electronic contracts from purchase orders",
    "version": "18.0.1.0.0",
    "category": "Inventory/Purchase",
    "author": "econtract developers",
    "license": "LGPL-3",
    "depends": ["econtract_base", "purchase"],
    "data": [
        "data/econtract_template_purchase_data.xml",
        "views/purchase_order_views.xml",
        "views/econtract_contract_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "demo": ["demo/purchase_econtract_demo.xml"],
    "assets": {
        "web.assets_tests": ["purchase_econtract/static/tests/tours/*.js"],
    },
    "auto_install": True,
}
