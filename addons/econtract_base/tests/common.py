from odoo.tests import new_test_user

from odoo.addons.base.tests.common import BaseCommon


class EcontractCommon(BaseCommon):
    """Two companies and a user of each econtract role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Other Company Ltd."})
        cls.supplier = cls.env["res.partner"].create({"name": "上海供应商有限公司"})

        cls.user = cls._new_user("ec_user", "econtract_base.group_econtract_user")
        cls.colleague = cls._new_user("ec_colleague", "econtract_base.group_econtract_user")
        cls.lawyer = cls._new_user("ec_lawyer", "econtract_base.group_econtract_user")
        cls.manager = cls._new_user("ec_manager", "econtract_base.group_econtract_manager")
        cls.auditor = cls._new_user("ec_auditor", "econtract_base.group_econtract_auditor")
        cls.outsider = cls._new_user("ec_outsider", "base.group_user")

    @classmethod
    def _new_user(cls, login, groups, company=None):
        company = company or cls.company
        return new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=company.id,
            company_ids=[(6, 0, company.ids)],
        )

    @classmethod
    def _new_contract(cls, user, **vals):
        contract = (
            cls.env["econtract.contract"]
            .with_user(user)
            .create({"title": "Contract", "partner_ids": [(6, 0, cls.supplier.ids)], **vals})
        )
        return contract.with_env(cls.env)
