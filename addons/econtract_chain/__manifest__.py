{
    "name": "Electronic Contracts: Evidence Log",
    "summary": "Tamper-evident evidence of every contract event",
    "version": "18.0.1.0.0",
    "category": "Productivity/Contracts",
    "author": "econtract developers",
    "license": "LGPL-3",
    "depends": ["econtract_base"],
}
