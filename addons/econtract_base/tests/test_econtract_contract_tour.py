import base64
import io
import re

import pypdf

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestEcontractContractTour(HttpCase):
    def test_user_creates_a_contract_in_the_web_client(self):
        user = new_test_user(
            self.env, login="ec_tour_user", groups="econtract_base.group_econtract_user"
        )
        supplier = self.env["res.partner"].create({"name": "Tour Supplier 深圳"})

        self.start_tour("/odoo", "econtract_contract_create_tour", login=user.login)

        contract = self.env["econtract.contract"].search([("user_id", "=", user.id)])
        self.assertEqual(len(contract), 1)
        self.assertEqual(contract.title, "办公设备采购合同 Office equipment")
        self.assertEqual(contract.contract_type, "purchase")
        self.assertEqual(contract.partner_ids, supplier)
        self.assertEqual(contract.amount, 123456.78)
        self.assertRegex(contract.name, r"^EC\d{4}-\d{5}$")

    def test_user_reorders_clauses_by_drag_and_the_pdf_follows(self):
        user = new_test_user(
            self.env, login="ec_tour_drafter", groups="econtract_base.group_econtract_user"
        )
        supplier = self.env["res.partner"].create({"name": "上海供应商有限公司"})
        contract = (
            self.env["econtract.contract"]
            .with_user(user)
            .create(
                {
                    "title": "采购合同",
                    "language": "zh_CN",
                    "partner_ids": [(6, 0, supplier.ids)],
                    "clause_ids": [
                        (0, 0, {"sequence": 1, "title": "付款方式", "body": "<p>一次付清。</p>"}),
                        (0, 0, {"sequence": 2, "title": "标的", "body": "<p>办公桌十张。</p>"}),
                    ],
                }
            )
        )
        url = f"/odoo/action-econtract_base.econtract_contract_action/{contract.id}"

        self.start_tour(url, "econtract_clause_reorder_tour", login=user.login)

        self.assertEqual(
            contract.clause_ids.sorted("sequence").mapped("title"), ["标的", "付款方式"]
        )
        document = contract.document_ids
        self.assertEqual(len(document), 1)
        reader = pypdf.PdfReader(io.BytesIO(base64.b64decode(document.attachment_id.datas)))
        text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
        self.assertLess(text.index("第一条标的"), text.index("第二条付款方式"))
