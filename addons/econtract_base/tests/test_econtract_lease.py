import base64
import io
import re

import pypdf

from odoo.exceptions import UserError
from odoo.tests import tagged

from econtract.amounts import format_capital_amount

from .common import EcontractCommon


@tagged("post_install", "-at_install")
class TestEcontractLease(EcontractCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(["econtract_base"], ["zh_CN"])
        cls.cny = cls.env.ref("base.CNY")
        cls.cny.active = True

    def _lease(self, **vals):
        terms = {
            "title": "仓库租赁合同",
            "contract_type": "lease",
            "currency_id": self.cny.id,
            "date_start": "2027-01-01",
            "date_end": "2029-12-31",
            "lease_premises": "上海市浦东新区张江路100号3号仓库，建筑面积1200平方米",
            "lease_rent": 30000,
            "lease_frequency": "3",
            "lease_deposit": 60000,
            "lease_escalation": 5,
        }
        return self._new_contract(self.user, **{**terms, **vals})

    def test_rent_schedule_follows_the_lease_terms(self):
        lease = self._lease()
        lease.with_user(self.user).action_compute_rent_schedule()
        lines = lease.rent_line_ids
        self.assertEqual(len(lines), 12)
        self.assertEqual(str(lines[0].date_due), "2027-01-01")
        self.assertEqual(str(lines[-1].period_end), "2029-12-31")
        self.assertEqual(lines.mapped("amount")[::4], [30000, 31500, 33075])
        self.assertIn("Rent schedule computed: 12 periods", lease.message_ids[0].body)
        lease.lease_rent = 20000
        lease.action_compute_rent_schedule()
        self.assertEqual(len(lease.rent_line_ids), 12)
        self.assertEqual(lease.rent_line_ids[0].amount, 20000)

    def test_bad_lease_terms_are_explained(self):
        lease = self._lease(lease_escalation=-1)
        with self.assertRaisesRegex(UserError, "cannot be negative"):
            lease.action_compute_rent_schedule()
        lease.date_end = False
        with self.assertRaisesRegex(UserError, "needs the start date, end date"):
            lease.action_compute_rent_schedule()

    def test_lease_template_renders_terms_and_schedule_in_chinese(self):
        lease = self._lease()
        lease.action_compute_rent_schedule()
        lease.template_version_id = self.env.ref("econtract_base.econtract_template_lease_zh_v1")
        lease.with_user(self.user).action_apply_template()
        values = {v.name: v.display_value for v in lease.variable_ids}
        self.assertEqual(values["frequency"], "季度")
        lease.with_user(self.user).action_render_document()
        data = base64.b64decode(lease.document_ids.attachment_id.datas)
        reader = pypdf.PdfReader(io.BytesIO(data))
        text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
        self.assertIn("张江路100号3号仓库", text)
        self.assertIn("按季度支付", text)
        self.assertIn(f"押金¥60,000.00（大写：{format_capital_amount(60000)}）", text)
        self.assertIn("递增5%", text)
        self.assertIn("2029-10-01", text)  # the last due date, in the schedule table
        self.assertIn("33,075.00", text)

    def test_every_shipped_template_is_published_and_complete(self):
        templates = self.env["econtract.template"].search([])
        kinds = {(t.contract_type, t.language) for t in templates}
        for kind in ("lease", "sales", "other"):
            self.assertIn((kind, "zh_CN"), kinds)
            self.assertIn((kind, "en_US"), kinds)
        for template in templates:
            self.assertEqual(template.current_version_id.state, "published", template.name)
        clauses = self.env["econtract.clause"].search([])
        self.assertGreaterEqual(len(clauses.filtered(lambda c: c.language == "zh_CN")), 20)
        self.assertGreaterEqual(len(clauses.filtered(lambda c: c.language == "en_US")), 20)
