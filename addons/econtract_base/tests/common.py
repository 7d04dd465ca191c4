from odoo import Command
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


class ApprovalCommon(EcontractCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Policy = cls.env["econtract.approval.policy"]
        cls.finance = cls._new_user("ec_finance", "econtract_base.group_econtract_user")
        cls.director = cls._new_user("ec_director", "econtract_base.group_econtract_user")
        # Policies of other modules' demo data must not compete with the ones made here.
        cls.Policy.search([]).write({"active": False})
        cls.currency = cls.env.company.currency_id

    @classmethod
    def _policy(cls, steps, **vals):
        return cls.Policy.create(
            {
                "name": vals.pop("name", "Test policy"),
                "currency_id": cls.currency.id,
                "step_ids": [
                    Command.create({"name": f"Step {n}", **step}) for n, step in enumerate(steps)
                ],
                **vals,
            }
        )

    @classmethod
    def _users(cls, *users):
        return {"approver_type": "users", "user_ids": [Command.set([u.id for u in users])]}

    def _complete_contract(self, **vals):
        return self._new_contract(
            self.user,
            clause_ids=[Command.create({"title": "标的", "body": "<p>办公家具一批。</p>"})],
            **vals,
        )

    def _as(self, user, contract):
        return contract.with_user(user)

    def _approve(self, user, contract, comment=False):
        return self._as(user, contract).action_approval_approve(comment)

    def _pending(self, contract):
        tasks = contract.approval_request_id.task_ids
        return tasks.filtered(lambda task: task.state == "pending").mapped("user_id")


def call_kw(case, model, method, args, kwargs=None):
    """``(ok, result, error message)`` of one ``/web/dataset/call_kw`` JSON-RPC call, made by
    the HttpCase ``case`` as the user it authenticated: the boundary every caller reaches."""
    import json

    from odoo.tools import mute_logger

    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 1,
        "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
    }
    with mute_logger("odoo.http"):
        response = case.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
    answer = response.json()
    if "error" in answer:
        return False, None, answer["error"]["data"]["message"]
    return True, answer.get("result"), None
