import os
import uuid

from odoo.addons.econtract_sign.tests.common import SignCommon


class ArchiveCommon(SignCommon):
    """Signed contracts to archive, made through the real signing flow (HSM, TSA)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Record = cls.env["econtract.archive.record"]
        # Demo classification rules must not compete with the ones tests make.
        cls.env["econtract.archive.rule"].search([]).write({"active": False})
        cls.manager_2 = cls._new_user("ec_manager_2", "econtract_base.group_econtract_manager")
        cls.admin = cls._new_user(
            "ec_admin",
            "econtract_base.group_econtract_admin,base.group_system",
        )
        # Each test class archives into a store of its own (a directory in the file store).
        cls.store_dir = os.path.join(
            cls.env["ir.attachment"]._filestore(), "econtract-archive-tests", uuid.uuid4().hex
        )
        cls._set("econtract.archive_store_url", f"file://{cls.store_dir}")
        cls._set("econtract.archive_replica_url", "off")

    @classmethod
    def _set(cls, name, value):
        cls.env["ir.config_parameter"].sudo().set_param(name, value)

    @classmethod
    def _archived(cls, **kwargs):
        contract = cls._signed(**kwargs)
        record = cls.Record.search([("contract_id", "=", contract.id)])
        assert record.state == "pending", record.state
        cls.Record._cron_archive()
        assert record.state == "archived", record.last_error
        return record
