from odoo.tests import HttpCase, tagged

from .common import ArchiveCommon


@tagged("post_install", "-at_install")
class TestArchiveSearchTour(HttpCase, ArchiveCommon):
    def test_a_user_finds_an_archived_contract_by_a_chinese_word(self):
        self._archived(title="张江办公室租赁合同")
        self._archived(
            title="办公家具采购合同",
            contract_type="purchase",
            body="<p>供应商交付办公家具一批。</p>",
            clause_title="交付",
        )
        self.start_tour(
            "/odoo/action-econtract_archive.econtract_archive_record_action",
            "econtract_archive_search_tour",
            login=self.user.login,
        )
