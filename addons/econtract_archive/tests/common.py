import os
import uuid

from odoo import Command

from odoo.addons.econtract_sign.tests.common import SignCommon

LEASE_BODY = (
    "<p>承租方应于签约之日向出租方支付押金人民币壹万陆仟元整（¥16,000.00）。"
    "The tenant pays a security deposit before moving in.</p>"
)


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
    def _signed(
        cls,
        title="办公室租赁合同",
        body=LEASE_BODY,
        contract_type="lease",
        partner=None,
        clause_title="押金条款 Deposit",
        **vals,
    ):
        """A contract with ``partner`` (by default 李娜) as counterparty and its signer."""
        partner = partner or cls.alice
        contract = cls._new_contract(
            cls.user,
            title=title,
            contract_type=contract_type,
            partner_ids=[(6, 0, partner.ids)],
            clause_ids=[Command.create({"title": clause_title, "body": body})],
            **vals,
        )
        contract.with_user(cls.user).action_submit_for_approval()
        assert contract.state == "approved", contract.state
        request = cls.env["econtract.sign.request"].create(
            {
                "contract_id": contract.id,
                "signer_ids": [Command.create({"partner_id": partner.id, "order": 1})],
            }
        )
        request.action_send()
        signer = request.signer_ids
        signer._sign(
            "test-signature-0000000001",
            typed_name=signer.partner_id.name,
            consent=True,
            ip="203.0.113.7",
            agent="tests",
            proof=signer._grant_identity({"test": True}),
        )
        assert contract.state == "signed", contract.state
        return contract

    @classmethod
    def _archived(cls, **kwargs):
        contract = cls._signed(**kwargs)
        record = cls.Record.search([("contract_id", "=", contract.id)])
        assert record.state == "pending", record.state
        cls.Record._cron_archive()
        assert record.state == "archived", record.last_error
        return record
