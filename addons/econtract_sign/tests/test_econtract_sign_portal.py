import re
from unittest.mock import patch

from odoo import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.econtract_base.tests.common import ApprovalCommon
from odoo.addons.mail.tests.common import MockEmail

from .common import own_pkcs12, seal_company


@tagged("post_install", "-at_install")
class TestSigningPortal(ApprovalCommon, MockEmail, HttpCase):
    """The signing page as an outside signer's phone sees it."""

    browser_size = "375x667"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._policy([], name="Approved at once")
        cls.env["ir.config_parameter"].set_param("econtract_chain.evm_url", "off")
        Partner = cls.env["res.partner"]
        cls.alice = Partner.create(
            {"name": "李娜", "email": "lina@huaqiang.example.com", "parent_id": cls.supplier.id}
        )
        cls.carol = Partner.create({"name": "陈静", "email": "chenjing@xinghe.example.com"})
        seal_company(cls.company, "上海星河测试有限公司", "91310115MA1K4XQJ3P")
        seal_company(cls.company_b, "深圳测试电子有限公司", "91440300MA5DCXK8XE")

    def _sent(self, *signers):
        contract = self._complete_contract()
        self._as(self.user, contract).action_submit_for_approval()
        request = self.env["econtract.sign.request"].create(
            {
                "contract_id": contract.id,
                "signer_ids": [
                    Command.create({"partner_id": partner.id, "order": order})
                    for partner, order in signers
                ],
            }
        )
        with self.mock_mail_gateway():
            request.action_send()
        return request

    def _code_for(self, signer):
        with self.mock_mail_gateway():
            signer._send_code()
        mail = [m for m in self._mails if signer.partner_id.email in str(m["email_to"])][-1]
        return re.search(r"\b(\d{6})\b", mail["body"]).group(1)

    def _url(self, signer, suffix=""):
        return signer._signing_url() + suffix

    def _csrf(self, signer):
        page = self.url_open(self._url(signer)).text
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def test_phone_signer_enters_code_draws_and_signs_then_the_seal_completes(self):
        request = self._sent((self.alice, 1))
        alice = request.signer_ids
        invitation = self.env["mail.mail"].search(
            [("email_to", "ilike", "lina@huaqiang"), ("subject", "ilike", request.name)]
        )
        self.assertEqual(len(invitation), 1)
        self.assertIn(alice._signing_url(), invitation.body_html)
        code = self._code_for(alice)
        self.start_tour(f"{alice._signing_url()}#code={code}", "econtract_portal_signing_tour")
        self.env.invalidate_all()
        self.assertEqual((alice.state, alice.signature_kind), ("signed", "drawn"))
        self.assertTrue(alice.signed_ip)
        self.assertIn("Chrome", alice.signed_user_agent)
        self.assertEqual(request.state, "completed")
        self.assertEqual(request.contract_id.state, "signed")
        self.assertTrue(request.sealed_at)
        self.assertTrue(request.certificate_attachment_id)
        completed = self.env["mail.mail"].search([("subject", "=", f"{request.name} is signed")])
        self.assertEqual(
            completed.attachment_ids,
            request.signed_document_id.attachment_id | request.certificate_attachment_id,
        )
        self.assertIn(self.alice, completed.recipient_ids)
        events = self.env["econtract.ledger.event"].search(
            [("contract_id", "=", request.contract_id.id)]
        )
        for event_type in ("signing_viewed", "identity_verified", "signed", "signing_sealed"):
            self.assertIn(f"contract.{event_type}", events.mapped("event_type"))

    def test_a_token_opens_its_own_signer_only(self):
        first = self._sent((self.alice, 1))
        second = self._sent((self.carol, 1))
        alice, carol = first.signer_ids, second.signer_ids
        self.assertEqual(self.url_open(self._url(alice)).status_code, 200)
        # Carol's token on Alice's signer, and a made-up token: nothing, not even the PDF.
        forged = f"/econtract/sign/{alice.id}/{carol.sudo().access_token}"
        for url in (forged, forged + "/document.pdf", f"/econtract/sign/{alice.id}/x" * 1):
            self.assertEqual(self.url_open(url).status_code, 404, url)
        pdf = self.url_open(self._url(alice, "/document.pdf"))
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")
        self.assertTrue(pdf.content.startswith(b"%PDF"))

    def test_the_page_wears_the_contract_company(self):
        contract = self.env["econtract.contract"].create(
            {
                "title": "另一公司的合同",
                "company_id": self.company_b.id,
                "partner_ids": [Command.set(self.carol.ids)],
                "clause_ids": [Command.create({"title": "标的", "body": "<p>服务。</p>"})],
            }
        )
        contract.action_submit_for_approval()
        request = self.env["econtract.sign.request"].create(
            {
                "contract_id": contract.id,
                "signer_ids": [Command.create({"partner_id": self.carol.id})],
            }
        )
        with self.mock_mail_gateway():
            request.action_send()
        page = self.url_open(self._url(request.signer_ids)).text
        self.assertIn(f"/logo.png?company={self.company_b.id}", page)
        self.assertIn(self.company_b.name, page)

    def test_a_later_signer_cannot_sign_early_by_a_forged_post(self):
        request = self._sent((self.alice, 1), (self.carol, 2))
        carol = request.signer_ids.filtered(lambda s: s.partner_id == self.carol)
        carol._invite()  # even with a valid link of her own
        carol._engine_write({"state": "waiting"})
        csrf = self._csrf(request.signer_ids - carol)  # the session's token, from any page
        response = self.url_open(
            self._url(carol, "/sign"),
            data={
                "csrf_token": csrf,
                "key": "forged-request-0123456789",
                "typed_name": "陈静",
                "consent": "1",
            },
        )
        self.assertIn("not open", response.text)
        self.env.invalidate_all()
        self.assertEqual((carol.state, request.state), ("waiting", "sent"))

    def test_wrong_code_is_counted_and_shown(self):
        request = self._sent((self.alice, 1))
        alice = request.signer_ids
        self._code_for(alice)
        response = self.url_open(
            self._url(alice, "/verify"), data={"csrf_token": self._csrf(alice), "code": "000000"}
        )
        self.assertIn("not right", response.text)
        self.env.invalidate_all()
        self.assertEqual(alice.code_attempts, 1)
        self.assertFalse(alice.identity_verified_at)

    def test_decline_from_the_page(self):
        request = self._sent((self.alice, 1))
        alice = request.signer_ids
        self.url_open(
            self._url(alice, "/verify"),
            data={"csrf_token": self._csrf(alice), "code": self._code_for(alice)},
        )
        response = self.url_open(
            self._url(alice, "/decline"),
            data={"csrf_token": self._csrf(alice), "reason": "付款条件不接受"},
        )
        self.assertIn("declined", response.text)
        self.env.invalidate_all()
        self.assertEqual((request.state, request.reason), ("declined", "付款条件不接受"))

    def test_own_certificate_uploaded_on_the_page(self):
        contract = self._complete_contract()
        self._as(self.user, contract).action_submit_for_approval()
        request = self.env["econtract.sign.request"].create(
            {
                "contract_id": contract.id,
                "seal_mode": "none",
                "signer_ids": [
                    Command.create({"partner_id": self.carol.id, "identity_method": "certificate"})
                ],
            }
        )
        with self.mock_mail_gateway():
            request.action_send()
        carol = request.signer_ids
        page = self.url_open(self._url(carol)).text
        self.assertIn('name="certificate"', page)
        self.assertNotIn("Send me a code", page)
        platform = self.env["econtract.platform"]._platform()

        def sign_with_certificate_of(name):
            return self.url_open(
                self._url(carol, "/sign"),
                data={
                    "csrf_token": self._csrf(carol),
                    "key": f"own-certificate-{len(name)}-{name.encode().hex()}",
                    "typed_name": "陈静",
                    "consent": "1",
                    "passphrase": "s3cret",
                },
                files={"certificate": ("mine.p12", own_pkcs12(platform, name, b"s3cret"))},
            )

        refused = sign_with_certificate_of("李娜")
        self.assertIn("cannot be used", refused.text)
        self.env.invalidate_all()
        failed = self.env["econtract.ledger.event"].search(
            [("contract_id", "=", contract.id), ("event_type", "=", "contract.identity_failed")]
        )
        self.assertEqual(len(failed), 1, "the refused certificate is evidence")
        self.assertIn("certificate_refused", failed.canonical)
        self.assertEqual(carol.state, "pending")
        response = sign_with_certificate_of("陈静")
        self.assertIn("You have signed", response.text)
        self.env.invalidate_all()
        self.assertEqual((carol.state, request.state), ("signed", "completed"))
        self.assertFalse(request.sealed_at, "no seal was asked for")

    def test_public_verification_page_in_plain_words_and_rate_limited(self):
        request = self._sent((self.alice, 1))
        alice = request.signer_ids
        proof = alice._verify_code(self._code_for(alice)).proof
        alice._sign("verify-page-0123456789", typed_name="李娜", consent=True, proof=proof)
        signed = request.signed_document_id._pdf_bytes()
        self.assertEqual(self.url_open("/econtract/verify").status_code, 200)
        csrf = re.search(
            r'name="csrf_token" value="([^"]+)"', self.url_open("/econtract/verify").text
        ).group(1)

        def check(data):
            return self.url_open(
                "/econtract/verify",
                data={"csrf_token": csrf},
                files={"document": ("contract.pdf", data, "application/pdf")},
            )

        page = check(signed).text
        self.assertIn("Valid: every signature checks out", page)
        self.assertIn(request.contract_id.name, page)
        self.assertIn("Signed by 李娜", page)
        tampered = signed.replace(b"/Type /Catalog", b"/Type  /Catalog", 1)
        self.assertNotIn("Valid: every", check(tampered + b"%garbage").text)
        self.assertIn("cannot be checked", check(b"not a pdf at all").text)
        # Whatever breaks inside the validator, the visitor gets an answer and the check
        # counts (it is counted before validation, on a cursor of its own).
        Verification = type(self.env["econtract.sign.verification"])
        with (
            patch.object(Verification, "_verify", side_effect=RuntimeError("parser crash")),
            mute_logger("odoo.addons.econtract_sign.controllers.portal"),
        ):
            self.assertIn("could not be examined", check(signed).text)
        # Ten checks per visitor in ten minutes; the eleventh waits.
        for _n in range(10 - 4):
            check(b"%PDF-1.7 nothing")
        refused = check(signed)
        self.assertEqual(refused.status_code, 429)
        self.assertIn("Too many checks", refused.text)

    def test_verification_problems_read_in_the_visitors_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        verification = self.env["econtract.sign.verification"].with_context(lang="zh_CN")
        self.assertEqual(
            verification._problem_text("the signature has no time stamp"), "签名没有时间戳。"
        )
        self.assertEqual(
            verification._problem_text("the signer's certificate is not trusted: no trusted path"),
            "签署人的证书不是由受信任的机构签发的。 (no trusted path)",
        )
        self.assertEqual(verification._problem_text("something new"), "something new")
