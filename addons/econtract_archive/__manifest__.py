{
    "name": "Electronic Contracts: Archive",
    "summary": "Encrypted long-term archive of signed contracts",
    "version": "18.0.1.0.0",
    "category": "Productivity/Contracts",
    "author": "econtract developers",
    "license": "LGPL-3",
    "depends": ["econtract_sign", "econtract_chain"],
}
