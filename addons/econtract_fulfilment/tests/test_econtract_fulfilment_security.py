from datetime import date

from odoo.tests import HttpCase, tagged

from odoo.addons.econtract_base.tests.common import call_kw

from .common import FulfilmentCommon


@tagged("post_install", "-at_install")
class TestFulfilmentBoundary(FulfilmentCommon, HttpCase):
    """Over JSON-RPC, as the roles that must be refused."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lease = cls._signed(title="张江办公室租赁合同", contract_type="lease")
        cls.rent = (
            cls.env["econtract.obligation"]
            .with_user(cls.user)
            .create(
                {
                    "contract_id": cls.lease.id,
                    "name": "租金",
                    "partner_id": cls.alice.id,
                    "amount": 8000,
                    "date_due": date(2026, 12, 5),
                }
            )
        )
        cls.stranger = cls._new_user(
            "ec_fulfil_b", "econtract_base.group_econtract_user", cls.company_b
        )

    def _as(self, login):
        self.authenticate(login, login)

    def test_the_owner_works_the_plan(self):
        self._as("ec_user")
        ok, _result, error = call_kw(
            self, "econtract.obligation", "write", [[self.rent.id], {"note": "已催"}]
        )
        self.assertTrue(ok, error)

    def test_no_caller_moves_a_state_or_a_level(self):
        self._as("ec_manager")
        for values in ({"state": "done"}, {"level_id": False}, {"done_note": "x"},
                       {"source": "lease"}, {"contract_id": self.lease.id}):  # fmt: skip
            ok, _result, _error = call_kw(
                self, "econtract.obligation", "write", [[self.rent.id], values]
            )
            self.assertFalse(ok, values)
        self.assertEqual(self.rent.state, "planned")

    def test_another_company_sees_and_changes_nothing(self):
        self._as("ec_fulfil_b")
        ok, found, _error = call_kw(
            self, "econtract.obligation", "search_read", [[]], {"fields": ["name"]}
        )
        self.assertTrue(ok)
        self.assertNotIn(self.rent.id, [row["id"] for row in found])
        ok, _result, _error = call_kw(self, "econtract.obligation", "read", [[self.rent.id]])
        self.assertFalse(ok)
        ok, _result, _error = call_kw(
            self,
            "econtract.obligation",
            "create",
            [{"contract_id": self.lease.id, "name": "伪造", "date_due": "2026-12-01"}],
        )
        self.assertFalse(ok)

    def test_who_may_not_write_the_contract_may_not_mark_it_done(self):
        for login in ("ec_colleague", "ec_auditor", "ec_fulfil_b"):
            self._as(login)
            ok, wizard, _error = call_kw(
                self,
                "econtract.obligation.close",
                "create",
                [{"obligation_ids": [(6, 0, [self.rent.id])], "note": "paid", "outcome": "done"}],
            )
            if ok:
                ok, _result, _error = call_kw(
                    self, "econtract.obligation.close", "action_confirm", [[wizard]]
                )
            self.assertFalse(ok, login)
            ok, _result, _error = call_kw(
                self, "econtract.obligation", "action_fulfil", [[self.rent.id]]
            )
            self.assertFalse(ok, login)
        self.assertEqual(self.rent.state, "planned")

    def test_only_a_manager_waives(self):
        self._as("ec_user")
        ok, wizard, error = call_kw(
            self,
            "econtract.obligation.close",
            "create",
            [{"obligation_ids": [(6, 0, [self.rent.id])], "note": "goodwill", "outcome": "waived"}],
        )
        self.assertTrue(ok, error)
        ok, _result, error = call_kw(
            self, "econtract.obligation.close", "action_confirm", [[wizard]]
        )
        self.assertFalse(ok)
        self.assertIn("manager", error)
        self.assertEqual(self.rent.state, "planned")

    def test_notices_and_events_are_the_engines(self):
        self._as("ec_manager")
        ok, _result, _error = call_kw(
            self,
            "econtract.obligation.notice",
            "create",
            [{"obligation_id": self.rent.id, "kind": "reminder"}],
        )
        self.assertFalse(ok)
        ok, _result, _error = call_kw(
            self,
            "econtract.fulfilment.event",
            "create",
            [{"contract_id": self.lease.id, "event": "delivery", "date": "2026-11-01"}],
        )
        self.assertFalse(ok)

    def test_nobody_reads_or_fills_another_users_wizard(self):
        action = self.lease.with_user(self.user).action_fulfilment_extract()
        self._as("ec_manager")
        ok, rows, _error = call_kw(
            self,
            "econtract.obligation.extract.line",
            "search_read",
            [[]],
            {"fields": ["span_text"]},
        )
        self.assertTrue(ok)
        self.assertFalse(rows, "another user's reading stays theirs")
        ok, _result, _error = call_kw(
            self, "econtract.obligation.extract.line", "create",
            [{"wizard_id": action["res_id"], "name": "x", "kind": "payment", "debtor": "us"}],
        )  # fmt: skip
        self.assertFalse(ok)
