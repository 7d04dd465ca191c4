import json

from odoo import sql_db
from odoo.tests import HttpCase
from odoo.tools import mute_logger

from odoo.addons.econtract_sign.tests.common import SignCommon

API = "/api/v1"


class ApiCommon(HttpCase, SignCommon):
    """API keys for a user of each company, a published template with one variable of each
    kind, and a helper that calls the API over HTTP as a key's user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_b = cls._new_user(
            "ec_user_b", "econtract_base.group_econtract_user", company=cls.company_b
        )
        cls.portal = cls._new_user("ec_portal", "base.group_portal")
        cls.key = cls._key(cls.user)
        cls.key_b = cls._key(cls.user_b)
        cls.template = cls.env["econtract.template"].create(
            {"name": "采购合同（API）", "contract_type": "purchase", "language": "zh_CN"}
        )
        action = cls.template.action_new_version()
        cls.version = cls.env["econtract.template.version"].browse(action["res_id"])
        cls.version.write(
            {
                "line_ids": [
                    (0, 0, {"sequence": 1, "title": "标的",
                            "body": "<p>乙方供应{{ goods }}，价款{{ price }}，"
                            "于{{ due }}前交付，质保金{{ retention }}。卖方：{{ seller }}</p>"}),
                ],
                "variable_ids": [
                    (0, 0, {"name": "goods", "label": "货物", "var_type": "text"}),
                    (0, 0, {"name": "due", "label": "交付日期", "var_type": "date"}),
                    (0, 0, {"name": "price", "label": "价款", "var_type": "amount"}),
                    (0, 0, {"name": "retention", "label": "质保金比例",
                            "var_type": "percentage"}),
                    (0, 0, {"name": "seller", "label": "卖方", "var_type": "partner"}),
                ],
            }
        )  # fmt: skip
        cls.version.action_publish()

    @classmethod
    def _key(cls, user):
        # sudo: only an administrator may make a key without an expiry date.
        return cls.env["res.users.apikeys"].with_user(user).sudo()._generate("rpc", "test", None)

    def forget_rates(self):
        """The rates live outside the test's transaction (the gate commits them at once)."""
        with sql_db.db_connect(self.env.cr.dbname).cursor() as cr:
            cr.execute("DELETE FROM econtract_api_rate")

    def api(self, method, path, body=None, key=None, headers=None, raw=None):
        """``(status, headers, document)`` of one call; ``key=False`` sends no key."""
        sent = {"Accept-Language": "en-US"}
        if key is not False:
            sent["Authorization"] = f"Bearer {key or self.key}"
        if body is not None or raw is not None:
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        with mute_logger("odoo.addons.econtract_api.gate"):
            response = self.opener.request(
                method, self.base_url() + API + path, data=data, headers=sent, timeout=30
            )
        kind = response.headers.get("Content-Type", "")
        document = response.json() if "json" in kind else response.content
        return response.status_code, response.headers, document

    def create_body(self, **overrides):
        body = {
            "template_version_id": self.version.id,
            "title": "办公家具采购",
            "partner_ids": [self.supplier.id],
            "amount": "128000.50",
            "currency": self.company.currency_id.name,
            "date_start": "2027-01-01",
            "values": {
                "goods": "办公桌椅一批",
                "due": "2027-01-31",
                "price": "128000.50",
                "retention": 5,
                "seller": self.supplier.id,
            },
        }
        body.update(overrides)
        return body
