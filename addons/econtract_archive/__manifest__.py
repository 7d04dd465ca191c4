{
    "name": "Electronic Contracts: Archive",
    "summary": "Signed contracts archived encrypted (AES-256-GCM, HSM/KMIP keys) on a local, "
    "S3 or HDFS store; classified, numbered, retained, searchable in Chinese and English",
    "version": "18.0.1.2.0",
    "category": "Productivity/Contracts",
    "website": "https://github.com/econtract/econtract",
    "author": "econtract developers",
    "license": "LGPL-3",
    "depends": ["econtract_sign", "econtract_chain", "hr_econtract"],
    "external_dependencies": {"python": ["fsspec", "jieba", "pykmip", "s3fs"]},
    "data": [
        "security/econtract_archive_security.xml",
        "security/ir.model.access.csv",
        "data/econtract_archive_data.xml",
        "data/ir_cron_data.xml",
        "views/econtract_archive_reason_views.xml",
        "views/econtract_archive_record_views.xml",
        "views/econtract_archive_folder_views.xml",
        "views/econtract_archive_config_views.xml",
        "views/econtract_contract_views.xml",
        "views/econtract_archive_menus.xml",
    ],
    "demo": ["demo/econtract_archive_demo.xml"],
    "assets": {
        "web.assets_tests": ["econtract_archive/static/tests/tours/*.js"],
    },
    "post_init_hook": "post_init_hook",
}
