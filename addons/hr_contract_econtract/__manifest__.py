{
    "name": "Labor Contracts",
    "summary": "Issue electronic labor contracts from employee contracts",
    "version": "18.0.1.0.0",
    "category": "Human Resources/Contracts",
    "author": "econtract developers",
    "license": "LGPL-3",
    "depends": ["hr_econtract", "hr_contract"],
    "data": [
        "data/econtract_template_labor_data.xml",
        "views/hr_contract_views.xml",
        "views/econtract_contract_views.xml",
    ],
    "demo": ["demo/hr_contract_econtract_demo.xml"],
    "auto_install": True,
}
