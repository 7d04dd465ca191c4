import re

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.econtract_base.tests.common import call_kw

from .common import DELIVERY, PRICE, LifecycleCommon


@tagged("post_install", "-at_install")
class TestNegotiation(LifecycleCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.draft = cls._new_contract(
            cls.user,
            title="采购合同",
            partner_ids=[(6, 0, cls.alice.ids)],
            clause_ids=[
                Command.create({"title": "价款", "body": PRICE}),
                Command.create({"title": "交付", "body": DELIVERY}),
            ],
        )
        cls.other = cls._new_contract(
            cls.user,
            title="另一份合同",
            partner_ids=[(6, 0, cls.carol.ids)],
            clause_ids=[Command.create({"title": "标的", "body": "<p>样品。</p>"})],
        )

    def setUp(self):
        super().setUp()
        self.links = {}

    def _share(self, contract=None, partner=None):
        with self.mock_mail_gateway():
            negotiation = (
                self.env["econtract.negotiation"]
                .with_user(self.user)
                ._share((contract or self.draft).with_user(self.user), partner or self.alice)
            )
            self.env["mail.mail"].sudo().process_email_queue()
        self.links[negotiation.id] = self._link_in_mail(negotiation)
        return negotiation

    def _link_in_mail(self, negotiation):
        """The path the contact received: the only place the token is, besides its hash."""
        pattern = rf"(/econtract/negotiate/{negotiation.id}/[A-Za-z0-9_\-]+)"
        links = [m for mail in self._mails for m in re.findall(pattern, str(mail["body"]))]
        self.assertTrue(links, "the contact was sent a link")
        return links[-1]

    def _clause(self, title, contract=None):
        return (contract or self.draft).clause_ids.filtered(lambda c: c.title == title)

    def test_portal_negotiation_tour(self):
        negotiation = self._share()
        self.assertEqual(negotiation.round_id.number, 1)
        self.start_tour(self.links[negotiation.id], "econtract_lifecycle_negotiation_tour")
        [proposal] = negotiation.proposal_ids
        self.assertEqual(proposal.clause_id, self._clause("价款"))
        self.assertEqual(proposal.comment, "价格请再优惠一些")
        self.assertIn("肆万伍仟元", proposal.wording)
        # The owner decides; an undecided proposal keeps the draft from approval.
        with self.assertRaisesRegex(UserError, "Accept or reject every proposal"):
            self.draft.with_user(self.user).action_submit_for_approval()
        proposal.with_user(self.user).action_accept()
        self.assertIn("肆万伍仟元", self._clause("价款").body)
        first_link = self.links[negotiation.id]
        with self.mock_mail_gateway():
            negotiation.with_user(self.user).action_share_round()
            self.env["mail.mail"].sudo().process_email_queue()
        self.assertEqual(negotiation.round_id.number, 2)
        # Each round has its own link: the first one opens nothing any more.
        self.assertEqual(self.url_open(first_link).status_code, 404)
        self.assertEqual(self.url_open(self._link_in_mail(negotiation)).status_code, 200)
        self.assertNotEqual(negotiation.round_ids[0].sha256, negotiation.round_ids[1].sha256)
        events = self._events(self.draft)
        for event in ("negotiation_round", "negotiation_proposed", "negotiation_accepted"):
            self.assertIn(f"contract.{event}", events)
        # Submitting closes the link.
        self.draft.with_user(self.user).action_submit_for_approval()
        self.assertEqual(negotiation.state, "closed")
        self.assertFalse(negotiation._check_token(first_link.rsplit("/", 1)[1]))

    def test_a_token_opens_its_own_draft_only(self):
        negotiation = self._share()
        other = self._share(self.other, self.carol)
        url = self.links[negotiation.id]
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("价款", page.text)
        self.assertNotIn("样品", page.text)
        # Another negotiation's id with this token: not found.
        wrong = f"/econtract/negotiate/{other.id}/{url.rsplit('/', 1)[1]}"
        self.assertEqual(self.url_open(wrong).status_code, 404)
        # A clause of another contract through this token: refused, nothing made.
        with self.assertRaisesRegex(UserError, "not part of this draft"):
            negotiation.sudo()._propose(self._clause("标的", self.other).id, "x", "y")
        response = self.url_open(
            f"{url}/propose",
            data={
                "clause_id": self._clause("标的", self.other).id,
                "wording": "改写",
                "csrf_token": self._csrf(url),
            },
        )
        self.assertIn("not part of this draft", response.text)
        self.assertFalse(negotiation.proposal_ids | other.proposal_ids)

    def _csrf(self, url):

        page = self.url_open(url).text
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def test_bad_input(self):
        negotiation = self._share()
        with self.assertRaisesRegex(UserError, "Write a comment"):
            negotiation.sudo()._propose(self._clause("价款").id, " ", "")
        with self.assertRaisesRegex(UserError, "up to"):
            negotiation.sudo()._propose(self._clause("价款").id, "x" * 4001, "")
        with self.assertRaisesRegex(UserError, "not one of the counterparties"):
            self._share(partner=self.carol)
        with self.assertRaisesRegex(UserError, "shared with"):
            self._share()
        self.assertFalse(negotiation.proposal_ids)

    def test_only_the_owner_decides(self):
        negotiation = self._share()
        proposal = negotiation.sudo()._propose(self._clause("价款").id, "", "新的价款条款")
        for user in (self.colleague, self.auditor):
            self.authenticate(user.login, user.login)
            for method in ("action_accept", "action_reject"):
                ok, _result, _error = call_kw(
                    self, "econtract.negotiation.proposal", method, [[proposal.id]]
                )
                self.assertFalse(ok, (user.login, method))
            ok, _result, _error = call_kw(
                self, "econtract.negotiation", "action_share_round", [[negotiation.id]]
            )
            self.assertFalse(ok)
        self.authenticate(self.user.login, self.user.login)
        for model, ids, vals in (
            ("econtract.negotiation.proposal", proposal.ids, {"state": "accepted"}),
            ("econtract.negotiation.proposal", proposal.ids, {"wording": "forged"}),
            ("econtract.negotiation", negotiation.ids, {"state": "closed"}),
            ("econtract.negotiation", negotiation.ids, {"partner_id": self.carol.id}),
        ):
            ok, _result, _error = call_kw(self, model, "write", [ids, vals])
            self.assertFalse(ok, (model, vals))
        ok, _result, _error = call_kw(
            self,
            "econtract.negotiation",
            "create",
            [{"contract_id": self.draft.id, "partner_id": self.carol.id, "user_id": self.user.id}],
        )
        self.assertFalse(ok)
        ok, _result, _error = call_kw(
            self,
            "econtract.negotiation.proposal",
            "create",
            [{"negotiation_id": negotiation.id, "round_id": negotiation.round_id.id,
              "clause_id": self._clause("价款").id, "wording": "forged"}],
        )  # fmt: skip
        self.assertFalse(ok)
        self.assertEqual(proposal.state, "open")
        self.assertEqual(proposal.wording, "新的价款条款")

    def test_the_link_goes_where_it_went_first(self):
        negotiation = self._share()
        self.alice.email = "someone-else@attacker.example.com"
        with self.mock_mail_gateway():
            negotiation.with_user(self.user).action_share_round()
            self.env["mail.mail"].sudo().process_email_queue()
        sent = [m for m in self._mails if "/econtract/negotiate/" in str(m["body"])]
        self.assertTrue(sent)
        self.assertTrue(all("attacker" not in str(m["email_to"]) for m in sent))
        self.assertIn("lina@huaqiang.example.com", str(sent[-1]["email_to"]))

    def test_the_page_shows_the_round_not_the_live_draft(self):
        negotiation = self._share()
        self._clause("价款").with_user(self.user).body = "<p>尚未共享的修改。</p>"
        page = self.url_open(self.links[negotiation.id]).text
        self.assertIn("伍万元", page)
        self.assertNotIn("尚未共享的修改", page)
        # A clause added after the round is not proposed on.
        added = (
            self.env["econtract.contract.clause"]
            .with_user(self.user)
            .create({"contract_id": self.draft.id, "title": "新增", "body": "<p>新条款。</p>"})
        )
        with self.assertRaisesRegex(UserError, "not part of this draft"):
            negotiation.sudo()._propose(added.id, "x", "")

    def test_cancelling_the_draft_closes_its_links(self):
        negotiation = self._share()
        self.draft.with_user(self.user).action_cancel("不再需要")
        self.assertEqual(negotiation.state, "closed")
        self.assertEqual(self.url_open(self.links[negotiation.id]).status_code, 404)

    def test_strange_tokens_are_not_found(self):
        negotiation = self._share()
        for token in ("é" * 43, "x", "%00"):
            self.assertEqual(
                self.url_open(f"/econtract/negotiate/{negotiation.id}/{token}").status_code, 404
            )
