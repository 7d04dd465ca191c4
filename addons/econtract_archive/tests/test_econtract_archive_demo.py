from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestArchiveDemo(TransactionCase):
    """What `make run` shows: the signed demo lease archived in its folder and found."""

    def test_the_signed_demo_lease_is_archived_and_found(self):
        contract = self.env.ref(
            "econtract_sign.econtract_contract_office_signed_demo", raise_if_not_found=False
        )
        if not contract:
            self.skipTest("installed without demo data")
        record = self.env["econtract.archive.record"].search([("contract_id", "=", contract.id)])
        self.assertEqual(record.state, "archived", record.last_error)
        self.assertTrue(
            record.folder_id.complete_name.startswith("合同档案 / 租赁合同 / "),
            record.folder_id.complete_name,
        )
        for word in ("租赁", "押金"):
            results = self.env["econtract.archive.record"].search_fulltext(word)
            found = [r for r in results if r["id"] == record.id]
            self.assertTrue(found, word)
            self.assertIn(f"<mark>{word}</mark>", found[0]["snippet"])
