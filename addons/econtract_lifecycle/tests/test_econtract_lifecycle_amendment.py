import base64

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.econtract_base.models.econtract_guard_mixin import engine

from .common import LifecycleCommon


@tagged("post_install", "-at_install")
class TestAmendment(LifecycleCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lease = cls._lease()

    def test_signed_contract_has_its_terms_in_force(self):
        revision = self.lease.revision_id
        self.assertEqual(self.lease.term_state, "in_force")
        self.assertEqual(revision.version, 1)
        self.assertEqual(revision.source_contract_id, self.lease)
        signed = self.lease._econtract_completed_request().signed_document_id
        self.assertEqual(revision.document_sha256, signed.sha256)
        self.assertEqual([c["title"] for c in revision.clauses], ["价款", "交付", "维修"])
        self.assertIn("伍万元", revision.clauses[0]["text"])
        self.assertEqual(self.lease.effective_amount, 50000)
        self.assertEqual(len(self._events_payloads(self.lease, "contract.terms_in_force")), 1)

    def test_amendment_end_to_end(self):
        lease = self.lease
        signed = lease._econtract_completed_request().signed_document_id
        signed_bytes = base64.b64decode(signed.attachment_id.datas)
        obligation = self.env["econtract.obligation"].create(
            {
                "contract_id": lease.id,
                "name": "价款",
                "amount": 50000,
                "date_due": self.today,
            }
        )
        amendment = self._amend(lease)
        self.assertEqual(amendment.state, "draft")
        self.assertEqual(amendment.origin_contract_id, lease)
        self.assertEqual(amendment.origin_kind, "amendment")
        self.assertEqual(amendment.name, f"{lease.name}-A1")
        self.assertEqual(amendment.user_id, self.user)
        self.assertEqual(
            amendment.clause_ids.mapped("origin_key"),
            [c["key"] for c in lease.revision_id.clauses],
        )
        self._edit_amendment(amendment)
        changes = amendment.lifecycle_changes_html
        self.assertIn("<ins>陆万伍仟</ins>", changes)
        self.assertIn("<ins>三</ins>", changes)
        self.assertIn("<del>承租方负责日常维修。</del>", changes)
        self.assertIn("出租方为房屋投保财产险", changes)

        self._sign_existing(amendment, self.alice)

        # The amendment's own document names the contract it amends and its signed file.
        html = str(amendment._prepare_document_html())
        self.assertIn(signed.sha256, html)
        self.assertIn(f"amends contract {lease.name}", html)
        # The parent: terms in force v2, its signed file untouched.
        lease.invalidate_recordset()
        self.assertEqual(lease.state, "signed")
        self.assertEqual(lease.term_state, "in_force")
        self.assertEqual(lease.revision_id.version, 2)
        self.assertEqual(lease.revision_id.source_contract_id, amendment)
        self.assertEqual(lease.effective_amount, 65000)
        self.assertEqual(lease.amount, 50000)
        self.assertEqual([c["title"] for c in lease.revision_id.clauses], ["价款", "交付", "保险"])
        self.assertEqual(base64.b64decode(signed.attachment_id.datas), signed_bytes)
        self.assertEqual(lease._econtract_completed_request().signed_document_id, signed)
        self.assertEqual(amendment.term_state, "incorporated")
        # Evidence both ways, by SHA-256.
        amendment_file = amendment._econtract_completed_request().signed_document_id
        [amended] = self._events_payloads(lease, "contract.amended")
        self.assertEqual(amended["payload"]["amendment"], amendment.name)
        self.assertEqual(amended["payload"]["document_sha256"], amendment_file.sha256)
        self.assertEqual(
            amended["payload"]["clauses"]["removed"], [lease.revision_ids[-1].clauses[2]["key"]]
        )
        self.assertIn(amendment_file.sha256, [d["sha256"] for d in amended["documents"]])
        [amends] = self._events_payloads(amendment, "contract.amends")
        self.assertEqual(amends["payload"]["contract_document_sha256"], signed.sha256)
        self.assertIn(signed.sha256, [d["sha256"] for d in amends["documents"]])
        # A manual obligation is the owner's: it stays.
        self.assertEqual(obligation.state in ("planned", "due"), True)

    def test_obligations_of_replaced_clauses_are_released(self):
        lease = self.lease
        price_clause = lease.clause_ids.filtered(lambda c: c.title == "价款")
        delivery_clause = lease.clause_ids.filtered(lambda c: c.title == "交付")
        Obligation = self.env["econtract.obligation"]
        # Read from the clauses (the extraction wizard's engine creates them so).
        with engine():
            price, delivery = Obligation.create(
                [
                    {"contract_id": lease.id, "name": "价款", "amount": 50000, "source": "clause",
                     "clause_id": price_clause.id, "date_due": self.today},
                    {"contract_id": lease.id, "name": "交付", "kind": "delivery", "debtor": "us",
                     "source": "clause", "clause_id": delivery_clause.id, "date_due": self.today},
                ]
            )  # fmt: skip
        amendment = self._edit_amendment(self._amend(lease))
        self._sign_existing(amendment, self.alice)
        self.assertEqual(price.state, "waived")
        self.assertIn(amendment.name, price.waive_reason)
        self.assertNotEqual(delivery.state, "waived")
        # The amendment states obligations only where it changes the terms.
        texts = amendment._fulfilment_texts()
        self.assertEqual(sorted(c.title for c in texts), ["价款", "保险"])

    def test_second_amendment_builds_on_the_first(self):
        first = self._edit_amendment(self._amend(self.lease))
        self._sign_existing(first, self.alice)
        second = self._amend(self.lease)
        self.assertEqual(second.name, f"{self.lease.name}-A2")
        self.assertEqual(second.amount, 65000)
        self.assertEqual(second.clause_ids.mapped("title"), ["价款", "交付", "保险"])
        wizard = (
            self.env["econtract.contract.compare"]
            .with_user(self.user)
            .create({"contract_id": self.lease.id})
        )
        self.assertEqual(wizard.old_revision_id.version, 1)
        self.assertEqual(wizard.new_revision_id.version, 2)
        self.assertIn("<ins>陆万伍仟</ins>", wizard.comparison_html)
        self.assertIn("<del>伍万</del>", wizard.comparison_html)

    def test_amendment_refused_when_not_in_force(self):
        draft = self._complete_contract()
        with self.assertRaisesRegex(UserError, "not in force"):
            draft.with_user(self.user).action_amend()
        self.assertFalse(draft.amendment_ids)

    def test_one_amendment_at_a_time(self):
        self._amend(self.lease)
        with self.assertRaisesRegex(UserError, "is on its way already"):
            self._amend(self.lease)
        self.assertEqual(len(self.lease.amendment_ids), 1)

    def test_amendment_of_a_terminated_contract_is_not_signed(self):
        amendment = self._amend(self.lease)
        self.lease._lifecycle_set_term("terminated", "test")
        with self.assertRaisesRegex(UserError, "not in force"):
            amendment.with_user(self.user).action_submit_for_approval()
        self.assertEqual(amendment.state, "draft")

    def test_an_archived_or_cancelled_draft_still_counts(self):
        first = self._amend(self.lease)
        first.with_user(self.user).write({"active": False})
        with self.assertRaisesRegex(UserError, "is on its way already"):
            self._amend(self.lease)
        first.with_user(self.user).write({"active": True})
        first.with_user(self.user).action_cancel("重新起草")
        second = self._amend(self.lease)
        with self.assertRaisesRegex(UserError, "is on its way already"):
            first.with_user(self.user).action_draft("再改回来")
        self.assertEqual(second.state, "draft")

    def test_company_and_currency_stay_the_base_s(self):
        amendment = self._amend(self.lease)
        other = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("id", "!=", self.lease.currency_id.id)], limit=1)
        )
        other.active = True
        amendment.with_user(self.user).currency_id = other
        with self.assertRaisesRegex(UserError, "company and currency"):
            amendment.with_user(self.user).action_submit_for_approval()

    def test_an_incorporated_amendment_is_not_cancelled(self):
        amendment = self._edit_amendment(self._amend(self.lease))
        self._sign_existing(amendment, self.alice)
        with self.assertRaisesRegex(UserError, "took effect"):
            amendment.with_user(self.manager).action_cancel("void")
        self.assertEqual(self.lease.revision_id.source_contract_id, amendment)

    def test_a_party_of_the_terms_must_sign(self):
        amendment = self._edit_amendment(self._amend(self.lease))
        amendment.with_user(self.user).partner_ids = [(6, 0, self.bob.ids)]
        with self.assertRaisesRegex(UserError, "did not sign"):
            self._sign_existing(amendment, self.bob)
        self.assertEqual(self.lease.revision_id.version, 1)

    def test_literal_braces_of_a_signed_text_stay_text(self):
        contract = self._new_contract(
            self.user,
            title="备注合同",
            partner_ids=[(6, 0, self.alice.ids)],
            clause_ids=[Command.create({"title": "备注", "body": "<p>备注：{{ remark }}</p>"})],
        )
        with engine():
            contract.write(
                {
                    "variable_ids": [
                        Command.create(
                            {
                                "name": "remark",
                                "label": "备注",
                                "var_type": "text",
                                "value_text": "写法 {{ amount }} 是文字",
                            }
                        )
                    ]
                }
            )
        self._sign_existing(contract, self.alice)
        self.assertIn("{{ amount }}", contract.revision_id.clauses[0]["text"])
        amendment = self._amend(contract)
        self.assertFalse(amendment._get_content_problems())
        self.assertNotIn("<ins>", amendment.lifecycle_changes_html or "")
