from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.econtract_base.models.econtract_guard_mixin import engine

from .common import ArchiveCommon


@tagged("post_install", "-at_install")
class TestSignerIdentityEncrypted(ArchiveCommon):
    def _columns(self, signer):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT phone, signed_ip, signed_user_agent FROM econtract_signer WHERE id = %s",
            (signer.id,),
        )
        return self.env.cr.fetchone()

    def test_phone_ip_and_browser_are_sealed_at_field_level(self):
        contract = self._signed(title="身份信息加密")
        signer = contract.sign_request_ids.signer_ids
        self.assertEqual(signer.signed_ip, "203.0.113.7")
        self.assertEqual(signer.signed_user_agent, "tests")
        self.assertEqual(self._columns(signer), (None, None, None))
        sealed = signer.sudo().identity_sealed
        self.assertTrue(sealed)
        self.assertNotIn(b"203.0.113.7", sealed)

        contract = self._approved()
        request = self.env["econtract.sign.request"].create(
            {
                "contract_id": contract.id,
                "signer_ids": [
                    Command.create(
                        {
                            "partner_id": self.bob.id,
                            "identity_method": "sms",
                            "phone": "+8613912345678",
                        }
                    )
                ],
            }
        )
        signer = request.signer_ids
        self.assertEqual(signer.phone, "+8613912345678")
        self.assertEqual(self._columns(signer)[0], None)
        self.assertNotIn(b"13912345678", signer.sudo().identity_sealed)
        signer.with_user(self.user).write({"phone": "+8613800000000"})
        signer.invalidate_recordset()
        self.assertEqual(signer.phone, "+8613800000000")
        self.assertEqual(signer._sms_number(), "+8613800000000")

    def test_a_blob_copied_to_another_signer_does_not_open(self):
        one = self._signed(title="甲").sign_request_ids.signer_ids
        two = self._signed(title="乙").sign_request_ids.signer_ids
        with engine():
            two.sudo().write(
                {
                    "identity_sealed": one.sudo().identity_sealed,
                    "identity_key_id": one.identity_key_id.id,
                    "identity_wrapped_key": one.sudo().identity_wrapped_key,
                }
            )
        two.invalidate_recordset()
        with self.assertRaisesRegex(UserError, "integrity check"):
            self.assertTrue(two.signed_ip)

    def test_values_stored_in_the_clear_before_are_moved_by_the_install_job(self):
        signer = self._signed(title="旧的明文").sign_request_ids.signer_ids
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE econtract_signer SET signed_ip = '198.51.100.9', identity_sealed = NULL "
            "WHERE id = %s",
            (signer.id,),
        )
        signer.invalidate_recordset()
        self.assertGreaterEqual(self.env["econtract.signer"]._seal_plain_identities(), 1)
        signer.invalidate_recordset()
        self.assertEqual(signer.signed_ip, "198.51.100.9")
        self.assertEqual(self._columns(signer), (None, None, None))
