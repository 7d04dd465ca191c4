import base64
import hashlib
import io
import zipfile
from datetime import date
from decimal import Decimal

from lxml import etree
from zeep.exceptions import Fault
from zeep.wsse.username import UsernameToken

from odoo import Command
from odoo.tests import tagged
from odoo.tests.common import Opener

from odoo.addons.econtract_soap.soap.binding import NS

from econtract.client import NotFound
from econtract.client.soap import SoapClient

from .common import ENV, SOAP, SoapCommon


def problem_code(fault):
    return fault.detail.findtext(f"{{{NS}}}Problem/{{{NS}}}code")


@tagged("post_install", "-at_install")
class TestSoapService(SoapCommon):
    def setUp(self):
        super().setUp()
        self.forget_rates()

    def values(self):
        return [
            {"name": "goods", "text": "办公桌椅一批（含安装）"},
            {"name": "due", "date": date(2027, 1, 31)},
            {"name": "price", "number": Decimal("128000.50")},
            {"name": "retention", "number": Decimal("5")},
            {"name": "seller", "partnerId": self.supplier.id},
        ]

    def draft(self, client, **extra):
        arguments = {
            "templateVersionId": self.version.id,
            "title": "办公家具采购（SOAP）",
            "partnerId": [self.supplier.id],
            "amount": Decimal("128000.50"),
            "currency": self.company.currency_id.name,
            "dateStart": date(2027, 1, 1),
            "value": self.values(),
        }
        arguments.update(extra)
        return self.call(client, "CreateContract", **arguments)

    def test_the_wsdl_is_public_and_names_this_server(self):
        response = self.url_open(SOAP + "?wsdl")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers["Content-Type"].startswith("text/xml"))
        root = etree.fromstring(response.content)
        address = root.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address")
        self.assertEqual(address.get("location"), self.base_url() + SOAP)
        client = self.client()
        operations = set(client.service._binding._operations)
        self.assertEqual(
            operations,
            {"CreateContract", "GetContract", "SubmitContract", "SendForSignature",
             "GetSigningLink", "DownloadDocument", "VerifyDocument", "RecordFulfilmentEvent",
             "FulfilObligation"},
        )  # fmt: skip
        self.assertEqual(self.url_open(SOAP).status_code, 404, "only ?wsdl describes it")

    def test_draft_read_and_submit_in_chinese(self):
        client = self.client()
        before = self.env["econtract.contract"].search_count([])
        answer = self.draft(client)
        self.assert_answer_valid()
        contract = self.env["econtract.contract"].browse(answer.id)
        self.assertEqual(self.env["econtract.contract"].search_count([]), before + 1)
        self.assertEqual((answer.title, contract.title), ("办公家具采购（SOAP）",) * 2)
        self.assertEqual(answer.amount, Decimal("128000.50"))
        self.assertEqual(answer.state, "draft")
        self.assertEqual(contract.user_id, self.user, "acts as the key's user")
        by_name = {variable.name: variable for variable in answer.variable}
        self.assertEqual(by_name["goods"].value, "办公桌椅一批（含安装）")
        self.assertEqual(contract.variable_ids.filtered(lambda v: v.name == "seller")
                         .value_partner_id, self.supplier)  # fmt: skip

        same = self.call(client, "GetContract", reference=contract.name)
        self.assert_answer_valid()
        self.assertEqual((same.id, same.reference), (contract.id, contract.name))
        self.assertEqual(same.party[0].name, self.supplier.name)

        contract.action_render_document()
        submitted = self.call(client, "SubmitContract", contractId=contract.id)
        self.assert_answer_valid()
        self.assertEqual(submitted.state, contract.state)
        self.assertIn(contract.state, ("in_approval", "approved"))
        self.assertTrue(submitted.version[0].sha256)

        # Another company's key sees nothing, by id or by reference.
        for arguments in ({"contractId": contract.id}, {"reference": contract.name}):
            with self.assertRaises(Fault) as caught:
                self.call(client, "GetContract", key=self.key_b, **arguments)
            self.assertEqual(problem_code(caught.exception), "not_found")

    def test_bad_values_are_faults_with_the_rest_apis_codes_and_change_nothing(self):
        client = self.client()
        before = self.env["econtract.contract"].search_count([])
        cases = [
            ({"templateVersionId": 999999999}, "invalid_value"),
            ({"partnerId": [999999999]}, "invalid_value"),
            ({"value": [{"name": "nope", "text": "x"}]}, "invalid_value"),
            ({"value": [{"name": "due", "text": "明天"}]}, "invalid_value"),
            ({"value": [{"name": "due", "text": "x", "number": 1}]}, "invalid_request"),
            ({"value": [{"name": "goods", "text": "a"}, {"name": "goods", "text": "b"}]},
             "invalid_value"),
            ({"currency": "rmb"}, "invalid_request"),
            ({"title": ""}, "invalid_request"),
        ]  # fmt: skip
        for extra, code in cases:
            with self.subTest(extra=extra):
                # Not assertRaises: Odoo's rolls back to a savepoint, the log with the rest.
                try:
                    self.draft(client, **extra)
                except Fault as caught:
                    fault = caught
                else:
                    self.fail("no fault")
                self.assertEqual(problem_code(fault), code, fault.message)
                self.assertEqual(fault.code, "soap:Client")
                logged = self.env["econtract.api.call"].search([], limit=1)
                self.assertEqual((logged.path, logged.code), ("/econtract/CreateContract", code))
        self.assertEqual(self.env["econtract.contract"].search_count([]), before)

    def test_idempotency_key_runs_a_create_once(self):
        client = self.client()
        first = self.draft(client, idempotency_key="erp-po-4711")
        again = self.draft(client, idempotency_key="erp-po-4711")
        self.assertEqual(first.id, again.id)
        self.assertEqual(
            self.env["econtract.contract"].search_count([("title", "=", first.title)]), 1
        )
        with self.assertRaises(Fault) as caught:
            self.draft(client, idempotency_key="erp-po-4711", title="另一份合同")
        self.assertEqual(problem_code(caught.exception), "idempotency_key_reused")

    def test_ws_security_username_token_and_other_credentials(self):
        contract = self._new_contract(self.user, title="WS-Security 合同")
        token = UsernameToken(self.user.login, self.key)
        answer = self.call(self.client(wsse=token), "GetContract", key=False,
                           contractId=contract.id)  # fmt: skip
        self.assertEqual(answer.title, "WS-Security 合同")
        refused = [
            (UsernameToken(self.user_b.login, self.key), "unauthenticated"),
            (UsernameToken(self.user.login, "0" * 40), "unauthenticated"),
            (UsernameToken(self.user.login, self.key, use_digest=True), "unauthenticated"),
            (None, "unauthenticated"),
        ]
        for wsse, code in refused:
            with self.subTest(wsse=wsse), self.assertRaises(Fault) as caught:
                self.call(self.client(wsse=wsse), "GetContract", key=False,
                          contractId=contract.id)  # fmt: skip
            self.assertEqual(problem_code(caught.exception), code)
        with self.assertRaises(Fault) as caught:
            self.call(self.client(), "GetContract", key="0" * 40, contractId=contract.id)
        self.assertEqual(problem_code(caught.exception), "unauthenticated")
        # A bearer token works too, and a revoked key no longer does.
        status, code, root = self.post(
            self.envelope(f"<ec:GetContract><ec:contractId>{contract.id}</ec:contractId>"
                          "</ec:GetContract>", key=False),
            headers={"Authorization": f"Bearer {self.key}"},
        )  # fmt: skip
        self.assertEqual((status, code), (200, None))
        self.assertEqual(root.findtext(f".//{{{NS}}}title"), "WS-Security 合同")
        self.env["res.users.apikeys"].sudo().search([("user_id", "=", self.user.id)]).unlink()
        with self.assertRaises(Fault) as caught:
            self.call(self.client(), "GetContract", contractId=contract.id)
        self.assertEqual(problem_code(caught.exception), "unauthenticated")

    def test_sign_download_and_verify_with_base64_attachments(self):
        approved = self._new_contract(
            self.user,
            title="SOAP 签署",
            partner_ids=[(6, 0, self.alice.ids)],
            clause_ids=[Command.create({"title": "标的", "body": "<p>办公家具一批。</p>"})],
        )
        approved.with_user(self.user).action_submit_for_approval()
        client = self.client()
        signer = {"partnerId": self.alice.id, "role": "乙方授权代表"}
        request = self.call(client, "SendForSignature", contractId=approved.id, signer=[signer])
        self.assert_answer_valid()
        self.assertEqual((request.state, request.signer[0].role), ("sent", "乙方授权代表"))
        link = self.call(client, "GetSigningLink", signRequestId=request.id,
                         signerId=request.signer[0].id)  # fmt: skip
        self.assertIn("/econtract/sign/", link.url)

        contract = self._signed()
        signed = self.call(client, "DownloadDocument", contractId=contract.id, kind="signed")
        self.assert_answer_valid()
        pdf = signed.content
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertEqual(signed.sha256, hashlib.sha256(pdf).hexdigest())
        self.assertEqual(signed.size, len(pdf))
        report = self.call(client, "VerifyDocument", content=pdf, fileName="已签署.pdf")
        self.assert_answer_valid()
        self.assertTrue(report.valid)
        self.assertEqual(report.contractId, contract.id)
        self.assertTrue(report.signature)
        tampered = pdf.replace(b"/Type /Catalog", b"/Type  /Catalog", 1)
        self.assertFalse(self.call(client, "VerifyDocument", content=tampered).valid)
        with self.assertRaises(Fault) as caught:
            self.call(client, "DownloadDocument", contractId=contract.id, kind="evidence")
        self.assertEqual(problem_code(caught.exception), "rejected", "not sealed yet")
        self.env["econtract.ledger.head"]._seal()  # the hourly job
        package = self.call(client, "DownloadDocument", contractId=contract.id, kind="evidence")
        certificate = self.call(client, "DownloadDocument", contractId=contract.id,
                                kind="certificate")  # fmt: skip
        self.assertTrue(certificate.content.startswith(b"%PDF"))
        self.assertEqual(package.mediaType, "application/zip")
        self.assertTrue(zipfile.ZipFile(io.BytesIO(package.content)).namelist())
        first = self.call(client, "DownloadDocument", contractId=contract.id)
        self.assertEqual(first.sha256, contract.document_ids.sorted("version")[-1].sha256)
        with self.assertRaises(Fault) as caught:
            self.call(client, "DownloadDocument", key=self.key_b, contractId=contract.id,
                      kind="signed")  # fmt: skip
        self.assertEqual(problem_code(caught.exception), "not_found")

    def test_report_fulfilment(self):
        contract = self._signed()
        obligation = (
            self.env["econtract.obligation"]
            .with_user(self.user)
            .create({"contract_id": contract.id, "name": "押金", "partner_id": self.alice.id,
                     "amount": 16000, "date_due": date(2026, 2, 1)})
        )  # fmt: skip
        client = self.client()
        done = self.call(client, "FulfilObligation", obligationId=obligation.id,
                         note="押金已到账", reference="PAY-2026-0042",
                         idempotency_key="pay-42")  # fmt: skip
        self.assert_answer_valid()
        self.assertEqual(done.state, "done")
        self.assertIn("PAY-2026-0042", obligation.done_note)
        again = self.call(client, "FulfilObligation", obligationId=obligation.id,
                          note="押金已到账", reference="PAY-2026-0042",
                          idempotency_key="pay-42")  # fmt: skip
        self.assertEqual(again.state, "done", "a retry replays the answer")
        today = contract.company_id._econtract_date()
        answer = self.call(client, "RecordFulfilmentEvent", contractId=contract.id,
                           event="delivery", date=today, note="已送达仓库")  # fmt: skip
        self.assert_answer_valid()
        self.assertEqual(answer.id, contract.id)
        self.assertEqual(contract.fulfilment_event_ids.mapped("event"), ["delivery"])
        with self.assertRaises(Fault) as caught:
            self.call(client, "RecordFulfilmentEvent", contractId=contract.id,
                      event="delivery", date=date(2999, 1, 1))  # fmt: skip
        self.assertEqual(problem_code(caught.exception), "rejected")

    def test_a_partners_script_is_a_few_lines(self):
        api = SoapClient(self.base_url(), self.key, session=Opener(self.env.cr), retries=0)
        contract = api.create_contract(
            self.version.id,
            "客户脚本合同",
            [self.supplier.id],
            values={"goods": "复印纸 A4", "due": date(2027, 1, 31), "price": Decimal("88.80"),
                    "retention": 5},
            parties={"seller": self.supplier.id},
            amount=Decimal("88.80"),
            idempotency_key="script-0001",
        )  # fmt: skip
        self.assertEqual((contract.title, contract.amount), ("客户脚本合同", Decimal("88.80")))
        self.assertEqual(contract.values["goods"], "复印纸 A4")
        self.assertEqual(api.contract(reference=contract.reference).id, contract.id)
        with self.assertRaises(NotFound):
            api.contract(999999999)
        signed = self._signed()
        pdf = api.download(signed.id, "signed")
        report = api.verify(pdf)
        self.assertTrue(report.valid)
        self.assertEqual(report.contract_id, signed.id)

    def test_faults_are_worded_in_the_callers_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["econtract_api"], ["zh_CN"])
        self.user.lang = "zh_CN"
        with self.assertRaises(Fault) as caught:
            self.draft(self.client(), templateVersionId=999999999)
        self.assertEqual(problem_code(caught.exception), "invalid_value")
        self.assertEqual(caught.exception.message, "模板版本 999999999 不存在。")
        status, code, root = self.post(
            self.envelope("<ec:Nope/>", key=False), headers={"Accept-Language": "zh-CN"}
        )
        self.assertEqual((status, code), (500, "unknown_operation"))
        self.assertEqual(root.findtext(f".//{{{NS}}}title"), "服务没有这个操作。")


@tagged("post_install", "-at_install")
class TestSoapHostileInput(SoapCommon):
    """What zeep would never send: each refused with a specific fault, nothing changed."""

    def setUp(self):
        super().setUp()
        self.forget_rates()

    def get_contract(self, inner):
        return self.envelope(f"<ec:GetContract>{inner}</ec:GetContract>")

    def test_hostile_xml_is_refused_before_it_is_read(self):
        contract = self._new_contract(self.user, title="目标")
        ok = self.get_contract(f"<ec:contractId>{contract.id}</ec:contractId>")
        self.assertEqual(self.post(ok)[:2], (200, None))
        xxe = (
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            + self.get_contract("<ec:reference>&x;</ec:reference>")
        )
        laughs = (
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;">]>'
            + self.get_contract("<ec:reference>&d;</ec:reference>")
        )
        external_dtd = '<!DOCTYPE r SYSTEM "file:///etc/passwd">' + ok
        deep = self.get_contract("<ec:x>" * 40 + "</ec:x>" * 40)
        cases = [
            (xxe, "xml_forbidden"),
            (laughs, "xml_forbidden"),
            (external_dtd, "xml_forbidden"),
            ("<?xml-stylesheet href='http://evil/x.xsl'?>" + ok, "xml_forbidden"),
            (ok.replace("<soap:Body>", "<soap:Body><?php x?>"), "xml_forbidden"),
            (deep, "payload_too_large"),
            (ok[:-20], "malformed_xml"),
            ("", "malformed_xml"),
            (ok.replace("http://schemas.xmlsoap.org/soap/envelope/",
                        "http://www.w3.org/2003/05/soap-envelope"), "version_mismatch"),
            (self.envelope("<ec:DropDatabase/>"), "unknown_operation"),
            (self.envelope("<ec:GetContract/><ec:GetContract/>"), "invalid_request"),
            (self.get_contract("<ec:contractId>abc</ec:contractId>"), "invalid_request"),
            (self.get_contract("<ec:contractId>1</ec:contractId><ec:admin>1</ec:admin>"),
             "invalid_request"),
            (self.get_contract(f"<ec:contractId>{contract.id}</ec:contractId>"
                               f"<ec:contractId>{contract.id}</ec:contractId>"),
             "invalid_request"),
            (self.envelope(f"<ec:GetContract><ec:contractId>{contract.id}</ec:contractId>"
                           "</ec:GetContract>", extra_headers=(
                               '<x:Audit xmlns:x="urn:x" soap:mustUnderstand="1">1</x:Audit>')),
             "must_understand"),
        ]  # fmt: skip
        for body, code in cases:
            with self.subTest(code=code, body=body[:90]):
                status, got, root = self.post(body)
                self.assertEqual((status, got), (500, code))
                self.assertNotIn(b"root:", etree.tostring(root), "no file content leaks")
        status, code, root = self.post(cases[-1][0])
        self.assertEqual(root.findtext(f".//{{{ENV}}}Fault/faultcode"), "soap:MustUnderstand")
        status, code, _root = self.post(ok, headers={"SOAPAction": f'"{NS}#DownloadDocument"'})
        self.assertEqual(code, "invalid_request", "the SOAPAction names another operation")
        status, code, _root = self.post(ok, headers={"SOAPAction": f'"{NS}#GetContract"'})
        self.assertEqual((status, code), (200, None))
        for kind, code in (("application/json", "unsupported_media_type"),
                           ("application/soap+xml", "version_mismatch")):  # fmt: skip
            status, got, _root = self.post(ok, headers={"Content-Type": kind})
            self.assertEqual((status, got), (500, code))
        self.assertEqual(contract.title, "目标")

    def test_what_xml_cannot_carry_is_replaced_and_signatures_are_not_taken_as_checked(self):
        contract = self._new_contract(self.user, title="标题\x0b含控制字符")
        status, code, root = self.post(
            self.get_contract(f"<ec:contractId>{contract.id}</ec:contractId>")
        )
        self.assertEqual((status, code), (200, None))
        self.assertEqual(root.findtext(f".//{{{NS}}}title"), "标题\ufffd含控制字符")
        wsse = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
        security = (
            f'<wsse:Security xmlns:wsse="{wsse}"><wsse:UsernameToken>'
            f"<wsse:Username>{self.user.login}</wsse:Username>"
            f"<wsse:Password>{self.key}</wsse:Password></wsse:UsernameToken>"
            '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/></wsse:Security>'
        )
        body = self.envelope(
            f"<ec:GetContract><ec:contractId>{contract.id}</ec:contractId></ec:GetContract>",
            key=False,
            extra_headers=security,
        )
        status, code, root = self.post(body)
        self.assertEqual(code, "unauthenticated")
        self.assertIn("Signature", root.findtext(f".//{{{NS}}}detail"))

    def test_oversized_bodies_are_refused(self):
        self.env["ir.config_parameter"].sudo().set_param("econtract_soap.max_body_bytes", 4096)
        body = self.envelope(
            "<ec:VerifyDocument><ec:content>"
            + base64.b64encode(b"%PDF" + b"0" * 8000).decode()
            + "</ec:content></ec:VerifyDocument>"
        )
        status, code, _root = self.post(body)
        self.assertEqual((status, code), (500, "payload_too_large"))
        wide = self.get_contract("<ec:reference>x</ec:reference>" * 3000)
        self.env["ir.config_parameter"].sudo().set_param("econtract_soap.max_body_bytes", 10**7)
        status, code, _root = self.post(wide)
        self.assertEqual(code, "invalid_request", "a repeated single element")
        many = self.get_contract("<ec:x/>" * 25000)
        status, code, _root = self.post(many)
        self.assertEqual(code, "payload_too_large", "too many elements")
