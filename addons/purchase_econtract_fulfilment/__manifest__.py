{
    "name": "Purchase Contracts: Fulfilment",
    "summary": "The fulfilment plan of a purchase contract from its order: payment terms, "
    "planned receipt dates, bills",
    "version": "18.0.1.0.0",
    "category": "Inventory/Purchase",
    "website": "https://github.com/econtract/econtract",
    "author": "econtract developers",
    "license": "LGPL-3",
    "depends": ["purchase_econtract", "econtract_fulfilment"],
    "data": ["views/econtract_obligation_views.xml"],
    "demo": ["demo/purchase_econtract_fulfilment_demo.xml"],
    "post_init_hook": "post_init_hook",
    "auto_install": True,
}
