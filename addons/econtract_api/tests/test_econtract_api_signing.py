import hashlib
import io
import zipfile
from datetime import date

from odoo import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import API, ApiCommon


@tagged("post_install", "-at_install")
class TestApiSigning(ApiCommon):
    def _approved(self):
        contract = self._new_contract(
            self.user,
            title="API 签署",
            partner_ids=[(6, 0, self.alice.ids)],
            clause_ids=[Command.create({"title": "标的", "body": "<p>办公家具一批。</p>"})],
        )
        contract.with_user(self.user).action_submit_for_approval()
        self.assertEqual(contract.state, "approved")
        return contract

    def test_send_for_signature_and_give_the_sender_a_signers_link(self):
        contract = self._approved()
        body = {"signers": [{"partner_id": self.alice.id, "role": "乙方授权代表"}]}
        status, _headers, request = self.api(
            "POST", f"/contracts/{contract.id}/sign-requests", body
        )
        self.assertEqual(status, 201, request)
        self.assertEqual(request["state"], "sent")
        [signer] = request["signers"]
        self.assertEqual((signer["state"], signer["role"]), ("pending", "乙方授权代表"))
        path = f"/sign-requests/{request['id']}/signers/{signer['id']}/link"
        status, _headers, problem = self.api("POST", path, key=self.key_b)
        self.assertEqual((status, problem["code"]), (404, "not_found"))
        status, _headers, link = self.api("POST", path)
        self.assertEqual(status, 200, link)
        record = self.env["econtract.signer"].browse(signer["id"])
        self.assertTrue(link["url"].endswith(f"/econtract/sign/{record.id}/{record.access_token}"))
        issued = self.env["econtract.ledger.event"].search(
            [("event_type", "like", "signing_link_issued"), ("contract_id", "=", contract.id)]
        )
        self.assertEqual(len(issued), 1, "giving the link is evidence")
        # A link is never replayed from the idempotency store: each one given is logged,
        # however the path spells the ids (FastAPI routes "+5" and "5.0" here too).
        spelled = f"/sign-requests/+{request['id']}/signers/{signer['id']}/link"
        for each in (path, spelled):
            status, headers, _link = self.api("POST", each, headers={"Idempotency-Key": "l1"})
            self.assertEqual(status, 200)
            self.assertNotIn("idempotent-replayed", headers)
            self.assertEqual(headers["Cache-Control"], "no-store")
        self.assertFalse(self.env["econtract.api.idempotency"].sudo().search([("key", "=", "l1")]))
        self.assertEqual(
            len(
                issued.search(
                    [
                        ("event_type", "like", "signing_link_issued"),
                        ("contract_id", "=", contract.id),
                    ]
                )
            ),
            3,
        )
        # Past its deadline, a request gives no link, even before the scan closes it.
        record.request_id.sudo()._engine_write({"expires_at": "2020-01-01 00:00:00"})
        status, _headers, problem = self.api("POST", path)
        self.assertEqual((status, problem["code"]), (422, "rejected"))
        status, _headers, same = self.api("GET", f"/sign-requests/{request['id']}")
        self.assertEqual((status, same["id"]), (200, request["id"]))

    def test_sending_a_draft_contract_is_refused_and_leaves_no_request(self):
        contract = self._new_contract(self.user, partner_ids=[(6, 0, self.alice.ids)])
        body = {"signers": [{"partner_id": self.alice.id}]}
        status, _headers, problem = self.api(
            "POST", f"/contracts/{contract.id}/sign-requests", body
        )
        self.assertEqual((status, problem["code"]), (422, "rejected"))
        self.assertFalse(contract.sign_request_ids)
        for bad in (
            {"signers": []},
            {"signers": [{"partner_id": self.alice.id, "identity_method": "fax"}]},
            {"signers": [{"partner_id": self.alice.id, "phone": "13800138000"}]},
        ):
            status, _headers, problem = self.api(
                "POST", f"/contracts/{contract.id}/sign-requests", bad
            )
            self.assertEqual((status, problem["code"]), (422, "invalid_request"), bad)

    def test_signed_files_evidence_and_verification(self):
        contract = self._signed()
        signed = contract.sign_request_ids.signed_document_id
        status, headers, pdf = self.api("GET", f"/contracts/{contract.id}/signed.pdf")
        self.assertEqual((status, headers["Content-Type"]), (200, "application/pdf"))
        self.assertEqual(hashlib.sha256(pdf).hexdigest(), signed.sha256)
        status, _headers, certificate = self.api("GET", f"/contracts/{contract.id}/certificate.pdf")
        self.assertEqual(status, 200)
        self.assertTrue(certificate.startswith(b"%PDF"))
        self.env["econtract.ledger.head"]._seal()  # the hourly job
        status, _headers, package = self.api("GET", f"/contracts/{contract.id}/evidence.zip")
        self.assertEqual(status, 200, package)
        self.assertTrue(zipfile.ZipFile(io.BytesIO(package)).namelist())
        status, _headers, problem = self.api(
            "GET", f"/contracts/{contract.id}/signed.pdf", key=self.key_b
        )
        self.assertEqual((status, problem["code"]), (404, "not_found"))

        def verify(data, key=None):
            with mute_logger("odoo.addons.econtract_api.gate"):
                response = self.opener.post(
                    self.base_url() + API + "/verify",
                    files={"file": ("合同.pdf", data, "application/pdf")},
                    headers={"Authorization": f"Bearer {key or self.key}"},
                    timeout=60,
                )
            return response.status_code, response.json()

        status, report = verify(pdf)
        self.assertEqual(status, 200, report)
        self.assertTrue(report["valid"], report)
        self.assertEqual(report["contract_id"], contract.id)
        self.assertTrue(all(s["passed"] for s in report["signatures"]))
        status, report = verify(pdf, key=self.key_b)
        self.assertEqual((status, report["contract_id"]), (200, None), "not theirs to name")
        tampered = pdf.replace(b"/Producer", b"/Produzer", 1)
        status, report = verify(tampered)
        self.assertEqual(status, 200)
        self.assertFalse(report["valid"])
        with mute_logger("odoo.addons.econtract_api.gate"):
            broken = self.opener.post(
                self.base_url() + API + "/verify",
                data=b"--x\r\nnonsense",
                headers={
                    "Authorization": f"Bearer {self.key}",
                    "Content-Type": "multipart/form-data; boundary=x",
                },
                timeout=30,
            )
        self.assertEqual(broken.json()["code"], "invalid_request")
        self.assertIn(broken.status_code, (400, 422))
        status, report = verify(b"not a pdf")
        self.assertEqual(status, 200)
        self.assertFalse(report["valid"])
        self.assertTrue(report["problem"])


@tagged("post_install", "-at_install")
class TestApiFulfilment(ApiCommon):
    def test_report_an_event_and_a_fulfilment_with_its_reference(self):
        contract = self._signed()
        obligation = (
            self.env["econtract.obligation"]
            .with_user(self.user)
            .create(
                {
                    "contract_id": contract.id,
                    "name": "押金",
                    "partner_id": self.alice.id,
                    "amount": 16000,
                    "date_due": date(2026, 2, 1),
                }
            )
        )
        today = contract.company_id._econtract_date().isoformat()
        path = f"/obligations/{obligation.id}/fulfil"
        body = {"note": "押金已到账", "reference": "PAY-2026-0042"}
        status, _headers, problem = self.api("POST", path, body, key=self.key_b)
        self.assertEqual((status, problem["code"]), (404, "not_found"))
        status, _headers, done = self.api("POST", path, body, headers={"Idempotency-Key": "p42"})
        self.assertEqual((status, done["state"]), (200, "done"), done)
        self.assertIn("PAY-2026-0042", obligation.done_note)
        status, _headers, again = self.api("POST", path, body, headers={"Idempotency-Key": "p42"})
        self.assertEqual((status, again["state"]), (200, "done"), "a retry replays the answer")
        status, _headers, problem = self.api("POST", path, body)
        self.assertEqual((status, problem["code"]), (422, "rejected"), "done once only")

        events = f"/contracts/{contract.id}/events"
        status, _headers, document = self.api("POST", events, {"event": "delivery", "date": today})
        self.assertEqual(status, 201, document)
        self.assertEqual(contract.fulfilment_event_ids.mapped("event"), ["delivery"])
        status, _headers, problem = self.api(
            "POST", events, {"event": "delivery", "date": "2999-01-01"}
        )
        self.assertEqual((status, problem["code"]), (422, "rejected"))
        status, _headers, problem = self.api("POST", events, {"event": "payment", "date": today})
        self.assertEqual((status, problem["code"]), (422, "invalid_request"))
        draft = self._new_contract(self.user)
        status, _headers, problem = self.api(
            "POST", f"/contracts/{draft.id}/events", {"event": "delivery", "date": today}
        )
        self.assertEqual((status, problem["code"]), (422, "rejected"))
