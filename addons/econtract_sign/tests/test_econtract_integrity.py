"""The integrity issue's findings 1–6, one test each, as the contract user who found them:
every attempt is refused with a clear error, and nothing changes. (Every field of every model
over JSON-RPC is `test_econtract_rpc_boundary`.)"""

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import SignCommon


@tagged("post_install", "-at_install")
class TestIntegrityFindings(SignCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("econtract_chain.evm_url", "off")

    def _sent(self):
        contract = self._approved()
        request = self._request(contract, (self.alice, 1, {}))
        request.action_send()
        return contract, request

    def _ledger_size(self):
        return self.env["econtract.ledger"]._size()

    def test_1_no_state_is_written_directly(self):
        contract = self._complete_contract()
        for state in ("approved", "signed"):
            with self.assertRaisesRegex(AccessError, "Status of Electronic Contract are set"):
                contract.with_user(self.user).write({"state": state})
        self.assertEqual(contract.state, "draft")
        with self.assertRaisesRegex(UserError, "must be approved"):
            self._request(contract, (self.alice, 1, {}))

    def test_2_no_attachment_becomes_a_document_version(self):
        contract = self._approved()
        foreign = self.env["ir.attachment"].create({"name": "x-signed.pdf", "raw": b"%PDF-1.7"})
        before = len(contract.document_ids)
        with self.assertRaises(AccessError):
            self.env["econtract.contract.document"].with_user(self.user).create(
                {
                    "contract_id": contract.id,
                    "version": 9,
                    "kind": "signed",
                    "file_name": f"{contract.name}-signed.pdf",
                    "attachment_id": foreign.id,
                    "sha256": "0" * 64,
                }
            )
        self.assertEqual(len(contract.document_ids), before)

    def test_3_no_identity_or_lockout_is_written_on_a_signer(self):
        _contract, request = self._sent()
        signer = request.signer_ids
        for vals in (
            {"user_id": self.user.id},
            {"identity_verified_at": fields.Datetime.now()},
            {"code_attempts": 0, "code_locked_until": False},
            {"state": "signed"},
        ):
            with self.assertRaises(AccessError):
                signer.with_user(self.user).write(vals)
        self.assertFalse(signer.identity_verified_at)
        self.assertEqual(signer.state, "pending")

    def test_4_links_between_records_are_fixed(self):
        _contract, request = self._sent()
        other_contract, other = self._sent()
        with self.assertRaisesRegex(AccessError, "are set by its own actions only"):
            request.signer_ids.with_user(self.user).write({"request_id": other.id})
        with self.assertRaisesRegex(AccessError, "are set by its own actions only"):
            request.with_user(self.user).write({"contract_id": other_contract.id})
        self.assertEqual(request.signer_ids.request_id, request)

    def test_5_the_file_being_signed_is_the_approved_one(self):
        _contract, request = self._sent()
        working = request.working_attachment_id
        replacement = self.env["ir.attachment"].create({"name": "other.pdf", "raw": b"%PDF-1.7"})
        with self.assertRaises(AccessError):
            request.with_user(self.user).write({"working_attachment_id": replacement.id})
        with self.assertRaisesRegex(AccessError, "never change"):
            working.with_user(self.user).write({"raw": b"%PDF-1.7 other"})
        # Changed around Odoo (the file store, SQL): caught before it is shown or signed.
        self.env.cr.execute(
            "UPDATE econtract_sign_request SET working_sha256 = %s WHERE id = %s",
            ("0" * 64, request.id),
        )
        request.invalidate_recordset()
        with self.assertRaisesRegex(UserError, "does not match its recorded SHA-256"):
            request._working_pdf()

    def test_6_a_signed_contract_never_changes(self):
        contract, request = self._sent()
        self._sign(request.signer_ids)
        self.assertEqual(contract.state, "signed")
        size = self._ledger_size()
        as_user = contract.with_user(self.user)
        with self.assertRaisesRegex(AccessError, "is Signed: Amount, Title can no longer"):
            as_user.write({"title": "改", "amount": 1})
        with self.assertRaisesRegex(AccessError, "cannot be deleted"):
            contract.clause_ids.with_user(self.user).unlink()
        with self.assertRaisesRegex(AccessError, "is Signed: Clauses can no longer"):
            as_user.write({"clause_ids": [Command.create({"title": "x", "body": "<p>x</p>"})]})
        with self.assertRaisesRegex(UserError, "Only a draft contract is rendered"):
            as_user.action_render_document()
        with self.assertRaisesRegex(AccessError, "Only a contract manager"):
            as_user.action_cancel("不要了")
        self.assertEqual(self._ledger_size(), size, "nothing refused leaves a trace")
        contract.with_user(self.manager).action_cancel("双方协商解除")
        self.assertEqual((contract.state, contract.state_reason), ("cancelled", "双方协商解除"))
        with self.assertRaisesRegex(UserError, "never goes back to draft"):
            contract.with_user(self.manager).action_draft("重新起草")

    def _sign(self, signer):
        proof = signer._verify_code(self._code(signer)).proof
        signer._sign("integrity-0123456789", typed_name="李娜", consent=True, proof=proof)
