{
    "name": "Electronic Contracts: Life Cycle",
    "summary": "After signing: amendments, renewals, terminations, expiry, and the terms in "
    "force as versions compared word by word (变更、续签、终止、到期)",
    "version": "18.0.1.0.0",
    "category": "Productivity/Contracts",
    "website": "https://github.com/econtract/econtract",
    "author": "econtract developers",
    "license": "LGPL-3",
    "depends": ["econtract_fulfilment"],
    "data": [
        "security/econtract_lifecycle_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "reports/econtract_contract_document.xml",
        "wizards/econtract_lifecycle_terminate_views.xml",
        "wizards/econtract_contract_compare_views.xml",
        "views/econtract_contract_revision_views.xml",
        "views/econtract_contract_views.xml",
        "views/res_company_views.xml",
    ],
    "demo": ["demo/econtract_lifecycle_demo.xml"],
    "post_init_hook": "post_init_hook",
}
