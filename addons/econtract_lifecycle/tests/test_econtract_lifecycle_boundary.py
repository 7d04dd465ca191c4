from odoo.tests import HttpCase, tagged

from odoo.addons.econtract_base.tests.common import call_kw

from .common import LifecycleCommon


@tagged("post_install", "-at_install")
class TestLifecycleBoundary(LifecycleCommon, HttpCase):
    """What callers of other roles and companies reach over JSON-RPC, and are refused."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lease = cls._lease()
        cls.amendment = cls._amend(cls.lease)
        cls.stranger = cls._new_user(
            "ec_stranger", "econtract_base.group_econtract_user", company=cls.company_b
        )

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def test_engine_fields_are_not_written(self):
        self._login(self.user)
        for vals in (
            {"term_state": "expired"},
            {"origin_contract_id": False},
            {"origin_kind": "renewal"},
            {"effective_amount": 1},
            {"effective_date_end": "2030-01-01"},
            {"revision_id": False},
            {"termination_date": "2030-01-01"},
            {"expiry_reminded_days": 1},
        ):
            ok, _result, error = call_kw(
                self, "econtract.contract", "write", [[self.lease.id], vals]
            )
            self.assertFalse(ok, vals)
            self.assertTrue(error)
        self.assertEqual(self.lease.term_state, "in_force")
        self.assertEqual(self.lease.effective_amount, 50000)
        # The owner's own reminder setting is theirs.
        ok, _result, error = call_kw(
            self, "econtract.contract", "write", [[self.lease.id], {"renewal_notice_days": 30}]
        )
        self.assertTrue(ok, error)

    def test_links_are_not_forged_on_a_draft(self):
        self._login(self.user)
        draft = self._complete_contract()
        ok, _result, error = call_kw(
            self,
            "econtract.contract",
            "write",
            [[draft.id], {"origin_contract_id": self.lease.id, "origin_kind": "amendment"}],
        )
        self.assertFalse(ok)
        ok, _result, error = call_kw(
            self, "econtract.contract", "write", [[draft.id], {"termination_date": "2026-06-01"}]
        )
        self.assertFalse(ok)
        self.assertIn("termination agreement", error)
        ok, _result, error = call_kw(
            self,
            "econtract.contract",
            "create",
            [{"title": "x", "origin_contract_id": self.lease.id, "origin_kind": "renewal"}],
        )
        self.assertFalse(ok)
        clause = self.amendment.clause_ids[:1]
        ok, _result, error = call_kw(
            self, "econtract.contract.clause", "write", [[clause.id], {"origin_key": "forged"}]
        )
        self.assertFalse(ok)
        self.assertFalse(draft.origin_contract_id)

    def test_terms_in_force_are_nobody_s_to_write(self):
        revision = self.lease.revision_id
        for user in (self.user, self.manager):
            self._login(user)
            ok, _result, _error = call_kw(
                self, "econtract.contract.revision", "write", [[revision.id], {"amount": 1}]
            )
            self.assertFalse(ok)
            ok, _result, _error = call_kw(
                self,
                "econtract.contract.revision",
                "create",
                [{"contract_id": self.lease.id, "version": 9, "title": "x"}],
            )
            self.assertFalse(ok)
            ok, _result, _error = call_kw(
                self, "econtract.contract.revision", "unlink", [[revision.id]]
            )
            self.assertFalse(ok)
        self.assertEqual(revision.amount, 50000)

    def test_other_users_cannot_amend_renew_or_terminate(self):
        for user in (self.colleague, self.auditor, self.stranger):
            self._login(user)
            for method in ("action_amend", "action_renew", "action_open_terminate"):
                ok, _result, _error = call_kw(self, "econtract.contract", method, [[self.lease.id]])
                self.assertFalse(ok, (user.login, method))
        self._login(self.colleague)
        ok, _result, _error = call_kw(
            self,
            "econtract.contract",
            "_lifecycle_terminate_by_agreement",
            [[self.lease.id], "2026-06-01", "x"],
        )
        self.assertFalse(ok)
        ok, _result, _error = call_kw(
            self,
            "econtract.lifecycle.terminate",
            "create",
            [{"contract_id": self.lease.id, "termination_date": "2026-06-01", "reason": "x"}],
        )
        if ok:
            ok, _result, _error = call_kw(
                self, "econtract.lifecycle.terminate", "action_confirm", [[_result]]
            )
            self.assertFalse(ok)
        self.assertFalse(self.lease.termination_ids)
        self.assertEqual(len(self.lease.amendment_ids), 1)

    def test_other_company_reads_no_terms(self):
        self._login(self.stranger)
        ok, found, _error = call_kw(
            self, "econtract.contract.revision", "search", [[("contract_id", "=", self.lease.id)]]
        )
        self.assertTrue(ok)
        self.assertEqual(found, [])
        ok, _result, _error = call_kw(
            self, "econtract.contract.revision", "read", [[self.lease.revision_id.id]]
        )
        self.assertFalse(ok)
        ok, _result, _error = call_kw(
            self,
            "econtract.contract.compare",
            "create",
            [{"contract_id": self.lease.id, "old_revision_id": self.lease.revision_id.id,
              "new_revision_id": self.lease.revision_id.id}],
        )  # fmt: skip
        self.assertFalse(ok)

    def test_a_colleague_reads_no_terms_of_contracts_not_theirs(self):
        self._login(self.colleague)
        ok, found, _error = call_kw(
            self, "econtract.contract.revision", "search_read", [[]], {"fields": ["clauses"]}
        )
        self.assertTrue(ok)
        self.assertNotIn(self.lease.revision_id.id, [row["id"] for row in found])
        # Nor through a comparison pointed at it afterwards.
        own = self._lease()
        self._login(self.user)
        ok, wizard, error = call_kw(
            self, "econtract.contract.compare", "create", [{"contract_id": own.id}]
        )
        self.assertTrue(ok, error)
        self._login(self.colleague)
        ok, _result, _error = call_kw(
            self, "econtract.contract.compare", "write", [[wizard], {"contract_id": self.lease.id}]
        )
        self.assertFalse(ok)
