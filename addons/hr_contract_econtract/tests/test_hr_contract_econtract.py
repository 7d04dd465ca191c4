import base64
import io
import re

import pypdf

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.base.tests.common import BaseCommon

from econtract.amounts import format_capital_amount

ARTICLE_17 = [
    "劳动合同期限",
    "工作内容和工作地点",
    "工作时间和休息休假",
    "劳动报酬",
    "社会保险",
    "劳动保护、劳动条件和职业危害防护",
]


@tagged("post_install", "-at_install")
class TestHrContractEcontract(BaseCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cny = cls.env.ref("base.CNY")
        cny.active = True
        cls.company_cn = cls.env["res.company"].create(
            {"name": "北京星辰科技有限公司", "currency_id": cny.id}
        )
        cls.officer = new_test_user(
            cls.env,
            login="hr_officer_cn",
            groups="hr_contract.group_hr_contract_manager,econtract_base.group_econtract_user",
            company_id=cls.company_cn.id,
            company_ids=[(6, 0, cls.company_cn.ids)],
            lang="zh_CN",
        )
        cls.department = cls.env["hr.department"].create(
            {"name": "研发部", "company_id": cls.company_cn.id}
        )
        cls.job = cls.env["hr.job"].create({"name": "软件工程师", "company_id": cls.company_cn.id})
        cls.employee = cls.env["hr.employee"].create(
            {
                "name": "李小龙",
                "company_id": cls.company_cn.id,
                "department_id": cls.department.id,
                "job_id": cls.job.id,
                "identification_id": "110101199001011234",
            }
        )
        cls.hr_contract = cls.env["hr.contract"].create(
            {
                "name": "李小龙 2027",
                "employee_id": cls.employee.id,
                "company_id": cls.company_cn.id,
                "department_id": cls.department.id,
                "job_id": cls.job.id,
                "wage": 12345.67,
                "date_start": "2027-01-01",
                "date_end": "2029-12-31",
            }
        )

    def _issue(self, user):
        env_contract = self.hr_contract.with_user(user).with_company(self.company_cn)
        action = env_contract.action_create_econtract()
        return self.env["econtract.contract"].browse(action["res_id"])

    def test_labor_contract_carries_the_employment_terms(self):
        contract = self._issue(self.officer)
        self.assertEqual(contract.contract_type, "labor")
        self.assertEqual(contract.partner_ids, self.employee.work_contact_id)
        self.assertEqual(contract.hr_contract_id, self.hr_contract)
        self.assertEqual(contract.department_id, self.department)
        self.assertEqual(contract.title, "劳动合同 李小龙")
        self.assertEqual(self.hr_contract.with_user(self.officer).econtract_count, 1)
        source = contract.action_view_source()
        self.assertEqual(
            (source["res_model"], source["res_id"]), ("hr.contract", self.hr_contract.id)
        )

        contract.with_user(self.officer).with_company(self.company_cn).action_render_document()
        data = base64.b64decode(contract.document_ids.attachment_id.datas)
        reader = pypdf.PdfReader(io.BytesIO(data))
        text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
        for title in ARTICLE_17:
            self.assertIn(title, text)
        self.assertIn("乙方：李小龙，居民身份证号码：110101199001011234", text)
        self.assertIn("在研发部担任软件工程师岗位工作", text)
        self.assertIn("自2027年1月1日起至2029年12月31日止", text)
        self.assertIn(f"（大写：{format_capital_amount('12345.67')}）", text)
        self.assertIn("甲方：北京星辰科技有限公司", text)

    def test_only_hr_officers_may_use_the_labor_template(self):
        clerk = new_test_user(
            self.env,
            login="ec_clerk_cn",
            groups="hr.group_hr_user,econtract_base.group_econtract_user",
            company_id=self.company_cn.id,
            company_ids=[(6, 0, self.company_cn.ids)],
        )
        templates = self.env["econtract.template"].with_company(self.company_cn)
        labor = [("contract_type", "=", "labor")]
        self.assertEqual(len(templates.with_user(self.officer).search(labor)), 2)
        self.assertFalse(templates.with_user(clerk).search(labor))

    def test_an_employee_without_contact_cannot_sign(self):
        self.employee.work_contact_id = False
        with self.assertRaisesRegex(UserError, "has no contact to sign with"):
            self.hr_contract.with_context(lang="en_US").action_create_econtract()
