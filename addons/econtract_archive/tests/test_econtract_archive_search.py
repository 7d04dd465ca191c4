from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ArchiveCommon


@tagged("post_install", "-at_install")
class TestArchiveSearch(ArchiveCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lease = cls._archived(title="张江办公室租赁合同")
        cls.purchase = cls._archived(
            title="Office furniture purchase",
            contract_type="purchase",
            body="<p>供应商交付办公家具一批，验收合格后付款。Delivery within thirty days.</p>",
            partner=cls.carol,
            clause_title="交付与验收 Delivery",
        )

    def _found(self, text, user=None):
        model = self.Record.with_user(user or self.user)
        return model.search([("fulltext", "ilike", text)])

    def test_a_two_character_chinese_word(self):
        self.assertEqual(self._found("押金"), self.lease)
        self.assertEqual(self._found("家具"), self.purchase)
        self.assertEqual(self._found("租赁"), self.lease)

    def test_a_phrase_and_a_single_character(self):
        self.assertEqual(self._found('"押金人民币壹万陆仟元"'), self.lease)
        self.assertFalse(self._found('"押金人民币贰万"'))
        self.assertEqual(self._found("“验收合格后付款”"), self.purchase)

    def test_counterparty_number_and_title(self):
        self.assertEqual(self._found("陈静"), self.purchase)
        self.assertEqual(self._found(self.lease.name), self.lease)
        self.assertEqual(self._found("张江 办公室"), self.lease)

    def test_english_words_any_case(self):
        self.assertEqual(self._found("DEPOSIT"), self.lease)
        self.assertEqual(self._found("furniture delivery"), self.purchase)
        self.assertFalse(self._found("furniture deposit"))

    def test_another_company_sees_nothing(self):
        stranger = self._new_user(
            "ec_search_b", "econtract_base.group_econtract_user", self.company_b
        )
        self.assertFalse(self._found("押金", stranger))
        self.assertEqual(self.Record.with_user(stranger).search_fulltext("押金"), [])

    def test_ranked_results_with_highlighted_snippets(self):
        results = self.Record.with_user(self.user).search_fulltext("押金")
        self.assertEqual([r["id"] for r in results], [self.lease.id])
        self.assertIn("<mark>押金</mark>", results[0]["snippet"])
        self.assertNotIn("<p>", results[0]["snippet"])
        both = self.Record.with_user(self.user).search_fulltext("合同", limit=10)
        self.assertEqual(
            {r["id"] for r in both}, {self.lease.id, self.purchase.id} & {r["id"] for r in both}
        )
        listed = (
            self.Record.with_user(self.user)
            .with_context(econtract_fulltext="押金")
            .browse(self.lease.id)
        )
        self.assertIn("<mark>押金</mark>", listed.snippet)
        with self.assertRaisesRegex(UserError, "what to search for"):
            self.Record.search_fulltext("  ")
        # Punctuation only: nothing to look for, so nothing found (not everything).
        self.assertEqual(self.Record.with_user(self.user).search_fulltext('！！ ""'), [])
        self.assertFalse(self._found("。，"))

    def test_filters_beside_the_text(self):
        found = self.Record.with_user(self.user).search(
            [("fulltext", "ilike", "办公"), ("contract_type", "=", "purchase")]
        )
        self.assertEqual(found, self.purchase)
        folder = self.lease.folder_id
        self.assertEqual(
            self.Record.search(
                [
                    ("folder_id", "child_of", folder.parent_id.id),
                    ("id", "in", (self.lease | self.purchase).ids),
                ]
            ),
            self.lease,
        )
