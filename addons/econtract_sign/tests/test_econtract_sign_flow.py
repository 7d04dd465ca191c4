import hashlib
import io
import json
import re
import shutil
import sqlite3
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path

import pypdf
from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.econtract_base.models.econtract_guard_mixin import engine

from econtract.identity.codes import Outcome
from econtract.pdf.validate import validate_pdf

from .common import SignCommon, own_pkcs12

KEY = "k" * 24


@tagged("post_install", "-at_install")
class TestSigningFlow(SignCommon):
    """Signatures made in the token, in order, onto one file that ends up B-LTA."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 李娜 signs for the supplier: her signature lands on the supplier's signature block.
        cls.alice.parent_id = cls.supplier
        cls.env["ir.config_parameter"].set_param("econtract_chain.evm_url", "off")
        cls.platform = cls.env["econtract.platform"]._platform()

    def _prove(self, signer):
        """Pass the signer's identity check; the proof of it, as the page's session keeps."""
        return signer._verify_code(self._code(signer)).proof

    def _sign(self, signer, key=KEY, proof=None, **extra):
        proof = proof or self._prove(signer)
        values = {"typed_name": signer.partner_id.name, "consent": True, **extra}
        return signer._sign(
            key, ip="203.0.113.7", agent="Mozilla/5.0 (iPhone)", proof=proof, **values
        )

    def _issued(self, signer):
        """Certificates the issuing CA has made for ``signer``: one per signature made in
        the token. (Only theirs: a server beside the tests may sign with the same CA.)"""
        with sqlite3.connect(self.platform.store.path) as db:
            query = "SELECT count(*) FROM certificate WHERE subject LIKE ?"
            return db.execute(query, (f"%{signer._identity_reference()}%",)).fetchone()[0]

    def _signer(self, request, partner):
        return request.signer_ids.filtered(lambda s: s.partner_id == partner)

    def test_parallel_then_sequential_signing_ends_in_one_valid_b_lta_file(self):
        contract = self._approved()
        request = self._request(
            contract, (self.alice, 1, {}), (self.bob, 1, {}), (self.carol, 2, {})
        )
        request.action_send()
        approved = request.document_id._pdf_bytes()
        self._sign(self._signer(request, self.bob))
        with self.assertRaisesRegex(UserError, "not open"):
            self._signer(request, self.carol)._sign(KEY, typed_name="陈静", consent=True)
        self._sign(self._signer(request, self.alice))
        self.assertEqual(self._signer(request, self.carol).state, "pending")
        self.assertEqual(contract.state, "approved")
        self._sign(self._signer(request, self.carol))

        self.assertEqual(request.state, "completed")
        self.assertEqual(contract.state, "signed")
        self.assertTrue(request.sealed_at)
        final = request.signed_document_id._pdf_bytes()
        self.assertEqual(request.signed_document_id.contract_id, contract)
        self.assertTrue(final.startswith(approved), "the approved version is the first revision")
        report = validate_pdf(final, [self.platform.root.certificate], require_timestamp=True)
        self.assertTrue(report.passed, report.summary())
        kinds = [s.kind for s in report.signatures]
        self.assertEqual(kinds.count("document time stamp"), 1, report.summary())
        self.assertEqual(len(report.signatures), 5, report.summary())
        self.assertEqual(report.signatures[0].kind, "certification")
        embedded = validate_pdf(
            final, [self.platform.root.certificate], allow_fetching=False, embedded=True
        )
        self.assertTrue(embedded.passed, embedded.summary())
        signers = " ".join(s.signer for s in report.signatures)
        for name in ("李娜", "王强", "陈静"):
            self.assertIn(name, signers)
        events = self._events(contract)
        self.assertEqual(events.count("contract.signed"), 3)
        self.assertIn("contract.signing_sealed", events)
        self.assertIn("contract.signing_completed", events)
        # The signing certificate: every signer by name, with the facts of their signature.
        certificate = pypdf.PdfReader(io.BytesIO(request.certificate_attachment_id.raw))
        text = re.sub(r"\s+", "", "".join(page.extract_text() for page in certificate.pages))
        self.assertIn(request.signed_document_id.sha256, text)
        self.assertIn(request.document_id.sha256, text)
        for signer in request.signer_ids:
            self.assertIn(signer.partner_id.name, text)
            self.assertIn(signer.certificate_serial, text)
            self.assertIn(signer.sign_event_id.leaf_hash, text)
        self.assertIn("203.0.113.7", text)
        bob = self._signer(request, self.bob)
        self.assertEqual((bob.signed_ip, bob.signature_kind), ("203.0.113.7", "typed"))
        self.assertEqual(bob.sign_event_id.event_type, "contract.signed")
        self.assertIn(bob.certificate_serial, bob.sign_event_id.canonical)

    def test_signatures_land_on_the_signature_blocks(self):
        contract = self._approved()
        request = self._request(contract, (self.alice, 1, {}), (self.carol, 1, {}))
        request.action_send()
        places = {field.name: (field.page, field.box) for field in request._field_places()}
        blocks = request.document_id.signature_places
        self.assertEqual(set(blocks), {"sign-party-0", "sign-party-1"})
        page, x1, y1, x2, y2 = blocks["sign-party-1"]
        alice_page, (ax1, ay1, ax2, ay2) = places[self._signer(request, self.alice)._field_name()]
        self.assertEqual(alice_page, page)
        self.assertTrue(x1 <= ax1 < ax2 <= x2 + 1 and y1 <= ay1 < ay2 <= y2, places)
        seal_page, (sx1, sy1, sx2, sy2) = places["company-seal"]
        page0, bx1, by1, bx2, by2 = blocks["sign-party-0"]
        self.assertEqual(seal_page, page0)
        self.assertTrue(bx1 <= sx1 < sx2 <= bx2 and by1 - 1 <= sy1 < sy2 <= by2, places)
        # 陈静 belongs to no party of the document: the foot of the last page.
        self.assertEqual(places[self._signer(request, self.carol)._field_name()][0], -1)

    def test_a_retried_request_reuses_the_signature_made_in_the_token(self):
        contract = self._approved()
        request = self._request(contract, (self.alice, 1, {}), (self.bob, 1, {}))
        request.action_send()
        alice = self._signer(request, self.alice)
        proof = self._prove(alice)
        before = self._issued(alice)
        # The first attempt signs in the token, then its transaction fails and is undone.
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            alice._sign(KEY, typed_name="李娜", consent=True, proof=proof)
            first_serial = alice.certificate_serial
            raise RuntimeError("serialisation failure after the signature was made")
        self.env.invalidate_all()
        self.assertEqual(alice.state, "pending")
        self.assertEqual(self._issued(alice), before + 1)
        alice._sign(KEY, typed_name="李娜", consent=True, proof=proof)
        self.assertEqual(self._issued(alice), before + 1, "the retry did not sign again")
        self.assertEqual((alice.state, alice.certificate_serial), ("signed", first_serial))
        # Another attempt (a new key) by a signer who has signed changes nothing.
        with self.assertRaisesRegex(UserError, "not open"):
            alice._sign("another-key-0123456789", typed_name="李娜", consent=True)
        self.assertEqual(self._issued(alice), before + 1)

    def test_tsa_down_leaves_everything_as_it_was_and_a_retry_signs(self):
        contract = self._approved()
        request = self._request(contract, (self.alice, 1, {}))
        request.action_send()
        working = request.working_attachment_id
        alice = request.signer_ids
        self.env["ir.config_parameter"].set_param(
            "econtract_chain.tsa_url", "http://127.0.0.1:9/tsa"
        )
        proof = self._prove(alice)
        # The signer is told that nothing happened and when to come back (not the TSA's error).
        with self.assertRaisesRegex(UserError, "unavailable right now; nothing was signed"):
            self._sign(alice, proof=proof)
        self.assertEqual((alice.state, request.working_attachment_id), ("pending", working))
        self.env["res.lang"]._activate_lang("zh_CN")
        with self.assertRaisesRegex(UserError, "签署服务暂时不可用"):
            alice.with_context(lang="zh_CN")._sign(
                KEY, consent=True, typed_name="李娜", proof=proof
            )
        self.env["ir.config_parameter"].set_param("econtract_chain.tsa_url", "")
        self._sign(alice, proof=proof)
        self.assertEqual((request.state, contract.state), ("completed", "signed"))

    def test_signing_takes_its_keys_from_the_platform_not_the_evidence_log(self):
        contract = self._approved()
        request = self._request(contract, (self.alice, 1, {}))
        request.action_send()
        alice = request.signer_ids
        proof = self._prove(alice)
        self.env["ir.config_parameter"].set_param("econtract.pki_dir", "off")
        with self.assertRaisesRegex(UserError, "No signing platform is configured"):
            self._sign(alice, proof=proof)
        self.assertEqual(alice.state, "pending")
        self.env["ir.config_parameter"].set_param("econtract.pki_dir", "")
        self._sign(alice, proof=proof)
        self.assertEqual(request.state, "completed")

    def test_hsm_unavailable_leaves_everything_as_it_was_and_a_retry_signs(self):
        contract = self._approved()
        request = self._request(contract, (self.alice, 1, {}), (self.bob, 2, {}))
        request.action_send()
        self._sign(self._signer(request, self.alice))
        working = request.working_attachment_id
        # The same platform, but its token is gone: what an unplugged HSM looks like.
        directory = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, directory)
        shutil.copytree(self.env["econtract.platform"]._pki_dir(), directory / "pki")
        config = json.loads((directory / "pki" / "platform.json").read_text())
        config["token"]["token_label"] = "econtract-unplugged"
        (directory / "pki" / "platform.json").write_text(json.dumps(config))
        parameters = self.env["ir.config_parameter"]
        parameters.set_param("econtract_chain.pki_dir", str(directory / "pki"))
        bob = self._signer(request, self.bob)
        proof = self._prove(bob)
        with self.assertRaisesRegex(UserError, "unavailable"):
            self._sign(bob, proof=proof)
        self.assertEqual((bob.state, request.state), ("pending", "sent"))
        self.assertEqual(request.working_attachment_id, working)
        parameters.set_param("econtract_chain.pki_dir", "")
        self._sign(bob, proof=proof)
        self.assertEqual(request.state, "completed")

    def test_any_member_of_a_signing_group_signs_for_it(self):
        contract = self._approved()
        member = self.env["res.partner"].create(
            {"name": "周杰", "email": "zhoujie@huaqiang.example.com", "parent_id": self.supplier.id}
        )
        request = self._request(
            contract, (self.alice, 1, {"member_ids": [Command.set(member.ids)]})
        )
        request.action_send()
        invitations = self.env["mail.mail"].search([("subject", "ilike", contract.name)])
        self.assertEqual(
            set(invitations.mapped("email_to")),
            {self.alice.email_formatted, member.email_formatted},
            "the signer and each member of the group get the link",
        )
        signer = request.signer_ids
        with self.assertRaisesRegex(UserError, "member of the signing group"):
            signer._send_code(member=self.carol)
        hers = self._prove(signer)  # 李娜 proves who she is …
        # … then 周杰 takes over (after the resend pause): her proof is not his.
        with freeze_time(fields.Datetime.now() + timedelta(minutes=2)):
            with self.mock_mail_gateway():
                signer._send_code(member=member)
            self.assertFalse(signer.identity_verified_at)
            code = re.search(r"\b(\d{6})\b", self._mails[-1]["body"]).group(1)
            self.assertIn("zhoujie@", str(self._mails[-1]["email_to"]))
            check = signer._verify_code(code)
            self.assertEqual(check.outcome, Outcome.VERIFIED)
        self.assertFalse(signer._identity_fresh(hers), "her proof does not cover him")
        signer._sign(KEY, consent=True, typed_name="周杰", proof=check.proof)
        self.assertEqual((signer.state, signer.signed_by_id), ("signed", member))
        report = validate_pdf(
            request.signed_document_id._pdf_bytes(), [self.platform.root.certificate]
        )
        names = [s.signer for s in report.signatures if s.field_name == signer._field_name()]
        self.assertEqual(names, ["周杰"])

    def test_the_seal_keeper_seals_by_hand(self):
        contract = self._approved()
        request = self._request(contract, (self.alice, 1, {}))
        request.seal_mode = "manual"
        request.action_send()
        self._sign(request.signer_ids)
        self.assertEqual((request.state, contract.state), ("sent", "approved"))
        self.assertIn("contract.signing_awaiting_seal", self._events(contract))
        with self.assertRaisesRegex(UserError, "seal keepers"):
            request.with_user(self.user).action_apply_seal()
        keeper = self._new_user("ec_seal", "econtract_sign.group_econtract_seal")
        with self.assertRaisesRegex(AccessError, "You do not keep the seal of"):
            request.with_user(keeper).action_apply_seal()  # another company's keeper
        self.company.econtract_seal_keeper_ids = [Command.link(keeper.id)]
        request.with_user(keeper).action_apply_seal()
        self.assertEqual((request.state, contract.state), ("completed", "signed"))
        self.assertEqual(request.sealed_by_id, keeper)
        signed = request.with_user(keeper).action_download_signed()
        self.assertIn(f"/document/{request.signed_document_id.id}/", signed["url"])
        certificate = request.with_user(keeper).action_download_certificate()
        self.assertIn(f"/web/content/{request.certificate_attachment_id.id}", certificate["url"])

    def test_each_company_seals_with_its_own_seal_and_none_without(self):
        contract = self._approved()
        request = self._request(contract, (self.alice, 1, {}))
        request.action_send()
        self._sign(request.signer_ids)
        report = validate_pdf(
            request.signed_document_id._pdf_bytes(), [self.platform.root.certificate]
        )
        (seal,) = [s for s in report.signatures if s.field_name == "company-seal"]
        self.assertEqual(seal.signer, "上海星河测试有限公司")
        self.assertNotEqual(
            seal.signer, self.platform.seal_certificate.subject.native["common_name"]
        )
        text = "".join(
            page.extract_text()
            for page in pypdf.PdfReader(io.BytesIO(request.certificate_attachment_id.raw)).pages
        )
        self.assertIn(self.company.econtract_seal_serial, text)
        # A company without a seal of its own: nothing goes out under another's.
        other = self.env["res.company"].create({"name": "无印章公司"})
        self.env.user.company_ids |= other
        unsealed = self._approved()
        with engine():
            unsealed.company_id = other
        with self.assertRaisesRegex(UserError, "无印章公司 has no electronic seal"):
            self._request(unsealed, (self.alice, 1, {})).action_send()
        # The seal's certificate and key are written by Create Company Seal only.
        with self.assertRaisesRegex(AccessError, "Create Company Seal only"):
            other.write({"econtract_seal_certificate": self.company.econtract_seal_certificate})
        with self.assertRaisesRegex(ValidationError, "should be"):
            other.econtract_uscc = "91310115MA1K4XQJ3Q"
        with self.assertRaisesRegex(UserError, "cannot change while the seal exists"):
            self.company.econtract_legal_name = "改名有限公司"
        with self.assertRaisesRegex(AccessError, "Only an administrator"):
            other.with_user(self.manager).action_econtract_create_seal()
        with self.assertRaisesRegex(AccessError, "Create Company Seal only"):
            self.env["res.company"].create(
                {
                    "name": "伪造公司",
                    "econtract_seal_label": self.company.sudo().econtract_seal_label,
                }
            )
        # A reader of the contract (here its seal keeper) sends nothing for signature.
        keeper = self._new_user("ec_seal_reader", "econtract_sign.group_econtract_seal")
        approved = self._approved()
        self._request(approved, (self.alice, 1, {})).action_send()  # keepers read it now
        with self.assertRaises(AccessError):
            self.env["econtract.sign.request"].with_user(keeper).create(
                {"contract_id": approved.id}
            )

    def test_own_certificate_is_the_identity_check(self):
        contract = self._approved()
        request = self._request(
            contract, (self.carol, 1, {"identity_method": "certificate"}), (self.bob, 2, {})
        )
        request.action_send()
        carol = self._signer(request, self.carol)
        with self.assertRaisesRegex(UserError, "nothing is sent"):
            carol._send_code()
        mine = own_pkcs12(self.platform, "陈静", b"s3cret")
        with self.assertRaisesRegex(ValidationError, "wrong passphrase"):
            carol._sign(KEY, consent=True, typed_name="陈静", certificate=mine, passphrase="x")
        someone_else = own_pkcs12(self.platform, "李娜", b"s3cret")
        with self.assertRaisesRegex(ValidationError, "issued to '李娜', not '陈静'"):
            carol._sign(
                KEY, consent=True, typed_name="陈静", certificate=someone_else, passphrase="s3cret"
            )
        self.assertEqual(carol.state, "pending")
        carol._sign(KEY, consent=True, typed_name="陈静", certificate=mine, passphrase="s3cret")
        self.assertEqual(carol.state, "signed")
        events = self._events(contract)
        self.assertIn("contract.identity_verified", events)
        self.assertEqual(self._signer(request, self.bob).state, "pending")
        report = validate_pdf(request._working_pdf(), [self.platform.root.certificate])
        (signature,) = [s for s in report.signatures if s.field_name == carol._field_name()]
        self.assertEqual(signature.signer, "陈静")
        self.assertTrue(report.passed, report.summary())

    def test_poppler_accepts_the_final_file(self):
        contract = self._approved()
        request = self._request(contract, (self.alice, 1, {}))
        request.action_send()
        self._sign(request.signer_ids, drawing=_ink())
        final = request.signed_document_id._pdf_bytes()
        with tempfile.TemporaryDirectory() as tmp:
            nss, root = Path(tmp, "nss"), Path(tmp, "root.cer")
            nss.mkdir()
            root.write_bytes(self.platform.root.certificate.dump())
            for command in (
                ["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"],
                ["certutil", "-A", "-d", f"sql:{nss}", "-n", "root", "-t", "CT,C,C", "-i", root],
            ):
                subprocess.run(command, check=True, stdin=subprocess.DEVNULL, timeout=60)
            Path(tmp, "signed.pdf").write_bytes(final)
            output = subprocess.run(
                ["pdfsig", "-nssdir", f"sql:{nss}", Path(tmp, "signed.pdf")],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            ).stdout
        # Both signatures are intact for poppler, and it trusts the first one's certificate.
        # poppler 22.12 (Debian 12) reports "Unknown issue" for the certificate of every later
        # signature in one run, even the same certificate signing twice: its NSS state, not
        # the file (the engine's strict validation above checks every certificate).
        self.assertEqual(output.count("Signature Validation: Signature is Valid."), 2, output)
        self.assertIn("Signature #1:", output)
        first = output.split("Signature #2:")[0]
        self.assertIn("Certificate Validation: Certificate is Trusted.", first, output)
        self.assertIn("Timestamp-", output, "the document time stamp of B-LTA")
        self.assertIn("李娜", output)
        self.assertEqual(hashlib.sha256(final).hexdigest(), request.signed_document_id.sha256)


def _ink():
    """A small drawn signature: a dark stroke on a transparent background."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).line(
        [(10, 80), (80, 20), (150, 70), (290, 15)], fill=(0, 0, 80, 255), width=5
    )
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
