{
    "name": "Purchase Contracts: Deliveries from Receipts",
    "summary": "The deliveries of a purchase contract's plan are fulfilled by the order's "
    "validated receipts",
    "version": "18.0.1.0.0",
    "category": "Inventory/Purchase",
    "website": "https://github.com/econtract/econtract",
    "author": "econtract developers",
    "license": "LGPL-3",
    "depends": ["purchase_econtract_fulfilment", "purchase_stock"],
    "demo": ["demo/purchase_stock_econtract_fulfilment_demo.xml"],
    "post_init_hook": "post_init_hook",
    "auto_install": True,
}
