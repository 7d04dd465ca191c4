from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models import econtract_archive_record as record_module
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

    def test_gathering_and_walking_find_the_same(self):
        """Few matches are gathered through the text indexes, many found by walking the
        newest-first index: the same records in the same order either way, the caller's
        rules, domain and offset applied, and only the newest RANKED ranked."""
        stranger = self._new_user(
            "ec_search_w", "econtract_base.group_econtract_user", self.company_b
        )
        both = self.lease | self.purchase
        cases = [
            (self.user, "押金", None, 0),
            (self.user, '"验收合格后付款"', None, 0),
            (self.user, '合同 "有限公司"', None, 0),
            (self.user, "办公", [("contract_type", "=", "purchase")], 0),
            (self.user, "办公", [("id", "in", both.ids)], 1),
            (self.user, "甲", None, 0),
            (stranger, "押金", None, 0),
        ]
        for gathered in (10**9, -1):  # every estimate under it, or every one above
            with patch.object(record_module, "GATHERED", gathered):
                answers = [
                    self.Record.with_user(user).search_fulltext(text, domain, offset=offset)
                    for user, text, domain, offset in cases
                ]
            if gathered > 0:
                expected = answers
                continue
            self.assertEqual(answers, expected)
        ids = [[row["id"] for row in answer] for answer in expected]
        self.assertEqual(ids[0], [self.lease.id])
        self.assertEqual(ids[1], [self.purchase.id])
        self.assertEqual(ids[3], [self.purchase.id])
        self.assertEqual(len(ids[4]), 1)  # two found, the first skipped
        self.assertEqual(ids[6], [])
        newest = self.Record.search([("id", "in", both.ids)], limit=1)
        for gathered in (10**9, -1):
            with (
                patch.object(record_module, "GATHERED", gathered),
                patch.object(record_module, "RANKED", 1),
            ):
                found = self.Record.search_fulltext("办公", [("id", "in", both.ids)])
            self.assertEqual([row["id"] for row in found], newest.ids)

    def test_estimates_bound_what_is_gathered(self):
        estimate = self.Record._fulltext_estimate
        self.assertIsNone(estimate(record_module.parse_query('"甲"')))
        self.assertIsInstance(estimate(record_module.parse_query("押金")), int)
        # A phrase is bounded by its rarest word: never above the estimate of any of them.
        phrase = estimate(record_module.parse_query('"押金人民币"'))
        for word in ("押金", "人民币"):
            self.assertLessEqual(phrase, estimate(record_module.parse_query(word)))

    def test_rows_stay_narrow_and_newest_first(self):
        """What keeps search fast: texts out of line, the newest-first index."""
        self.env.cr.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'econtract_archive_record'"
        )
        self.assertIn("toast_tuple_target=128", self.env.cr.fetchone()[0])
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s",
            ["econtract_archive_record_newest_idx"],
        )
        self.assertIn("(signed_on DESC, id DESC)", self.env.cr.fetchone()[0])
