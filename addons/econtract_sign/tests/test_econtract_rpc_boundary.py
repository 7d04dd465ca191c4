"""The boundary is the RPC: every stored field of every econtract model, written and created
over JSON-RPC (``/web/dataset/call_kw``) by each role, succeeds exactly where the short
allow-lists below say; every public method is refused to the roles that must not use it;
and nothing refused leaves a trace.

The allow-lists are written here on purpose, not read from the models: widening what a
caller may write must change this file too. A field added later to any model is refused
until someone adds it to both.
"""

import base64

from odoo import Command, fields, models
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.econtract_base.models.econtract_guard_mixin import engine
from odoo.addons.econtract_base.tests.common import ApprovalCommon, call_kw
from odoo.addons.mail.tests.common import MockEmail

from .common import seal_company

CONTENT = {
    "title",
    "contract_type",
    "tag_ids",
    "partner_ids",
    "company_id",
    "user_id",
    "currency_id",
    "amount",
    "date_start",
    "date_end",
    "note",
    "language",
    "template_version_id",
    "clause_ids",
    "variable_ids",
    "rent_line_ids",
    "lease_premises",
    "lease_rent",
    "lease_frequency",
    "lease_deposit",
    "lease_escalation",
    "department_id",
    # econtract_lifecycle: the notice period the parties agree to.
    "termination_notice_days",
}
#: econtract_lifecycle: when the owner wants to be reminded to renew (not the parties').
OWNER_SETTINGS = {"renewal_notice_days"}
SIGNER_CHOICES = {
    "partner_id",
    "user_id",
    "member_ids",
    "role",
    "order",
    "identity_method",
    "phone",
}
#: (model, state) → the fields the records' writers (owner, manager) may write.
WRITABLE = {
    ("econtract.contract", "draft"): CONTENT | OWNER_SETTINGS | {"active"},
    ("econtract.contract", "in_approval"): OWNER_SETTINGS | {"note"},
    ("econtract.contract", "approved"): OWNER_SETTINGS | {"note"},
    ("econtract.contract", "signed"): OWNER_SETTINGS,
    ("econtract.contract", "cancelled"): {"active"},
    ("econtract.contract.clause", "draft"): {"sequence", "title", "body"},
    ("econtract.contract.clause", "signed"): set(),
    ("econtract.rent.line", "draft"): {"period_start", "period_end", "date_due", "amount"},
    ("econtract.contract.variable", "draft"): {
        "value_text",
        "value_date",
        "value_amount",
        "value_partner_id",
        "value_percent",
    },
    ("econtract.contract.document", "approved"): set(),
    ("econtract.sign.request", "draft"): {
        "expires_at",
        "signer_ids",
        "cc_partner_ids",
        "seal_mode",
    },
    ("econtract.sign.request", "sent"): set(),
    ("econtract.sign.request", "completed"): set(),
    ("econtract.signer", "draft"): SIGNER_CHOICES,
    ("econtract.signer", "sent"): set(),
    ("econtract.signer", "completed"): set(),
}
#: Who may write the records of a model at all (access rights and record rules).
WRITERS = {
    "econtract.contract": {"owner", "manager"},
    "econtract.contract.clause": {"owner", "manager"},
    "econtract.rent.line": {"owner", "manager"},
    "econtract.contract.variable": {"owner", "manager"},
    "econtract.contract.document": {"owner", "manager"},
    "econtract.sign.request": {"owner", "manager"},
    "econtract.signer": {"owner", "manager"},
}
ROLES = ("owner", "other", "manager", "auditor", "portal")
#: Methods a reader (the auditor) may call: they read, download or export, and change
#: nothing but the evidence of their own reading.
READER_METHODS = {
    "action_view_source",
    "action_download",
    "action_download_signed",
    "action_download_certificate",
    "action_print_approval_report",
    "action_export_evidence_package",
    "export_evidence_package",
    "action_open_record",
    "action_check_content",
    "action_open_archive",
    "action_open_obligations",
}


@tagged("post_install", "-at_install")
class TestRpcBoundary(ApprovalCommon, MockEmail, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("econtract_chain.evm_url", "off")
        cls.other = cls._new_user(
            "ec_other", "econtract_base.group_econtract_user", company=cls.company_b
        )
        cls.portal = new_test_user(cls.env, login="ec_portal", groups="base.group_portal")
        cls.users = {
            "owner": cls.user,
            "other": cls.other,
            "manager": cls.manager,
            "auditor": cls.auditor,
            "portal": cls.portal,
        }
        seal_company(cls.company, "上海星河测试有限公司", "91310115MA1K4XQJ3P")
        cls._policy([], name="At once", contract_type="other")
        cls._policy([cls._users(cls.director)], name="Reviewed", contract_type="sales")
        cls.alice = cls.env["res.partner"].create(
            {"name": "李娜", "email": "lina@huaqiang.example.com", "parent_id": cls.supplier.id}
        )
        cls.draft = cls._complete_contract_cls()
        cls.draft.write(
            {
                "rent_line_ids": [
                    Command.create(
                        {
                            "period_start": "2027-01-01",
                            "period_end": "2027-01-31",
                            "date_due": "2027-01-01",
                            "amount": 1000,
                        }
                    )
                ]
            }
        )
        with engine():  # what applying a template makes
            cls.env["econtract.contract.variable"].create(
                {
                    "contract_id": cls.draft.id,
                    "name": "price",
                    "label": "价格",
                    "var_type": "text",
                    "value_text": "一万元",
                }
            )
        cls.in_approval = cls._complete_contract_cls(contract_type="sales")
        cls.in_approval.with_user(cls.user).action_submit_for_approval()
        cls.approved = cls._complete_contract_cls()
        cls.approved.with_user(cls.user).action_submit_for_approval()
        cls.cancelled = cls._complete_contract_cls()
        cls.cancelled.with_user(cls.user).action_cancel("不再需要")
        cls.request_draft = cls._request_cls(cls.approved)
        sending = cls._complete_contract_cls()
        sending.with_user(cls.user).action_submit_for_approval()
        cls.request_sent = cls._request_cls(sending)
        cls.request_sent.with_user(cls.user).action_send()
        cls.signed = cls._complete_contract_cls()
        cls.signed.with_user(cls.user).action_submit_for_approval()
        cls.request_done = cls._request_cls(cls.signed)
        cls.request_done.with_user(cls.user).action_send()
        signer = cls.request_done.signer_ids
        signer._sign(
            "boundary-0123456789abcdef",
            typed_name="李娜",
            consent=True,
            proof=signer._grant_identity(),
        )
        assert cls.signed.state == "signed", cls.signed.state

    @classmethod
    def _complete_contract_cls(cls, **vals):
        contract = (
            cls.env["econtract.contract"]
            .with_user(cls.user)
            .create(
                {
                    "title": "Contract",
                    "partner_ids": [Command.set(cls.supplier.ids)],
                    "clause_ids": [
                        Command.create({"title": "标的", "body": "<p>办公家具一批。</p>"})
                    ],
                    **vals,
                }
            )
        )
        return contract.with_env(cls.env)

    @classmethod
    def _request_cls(cls, contract):
        return (
            cls.env["econtract.sign.request"]
            .with_user(cls.user)
            .create(
                {
                    "contract_id": contract.id,
                    "signer_ids": [Command.create({"partner_id": cls.alice.id, "order": 1})],
                }
            )
            .with_env(cls.env)
        )

    # Helpers ------------------------------------------------------------------------------

    def _login(self, role):
        self.authenticate(self.users[role].login, self.users[role].login)

    def _call(self, model, method, args, kwargs=None):
        """``(ok, error message)`` of one JSON-RPC call as the logged-in user."""
        ok, _result, message = call_kw(self, model, method, args, kwargs)
        return ok, message

    @staticmethod
    def _fields_of(model):
        free = model._guard_free_fields() if "_guard_free_fields" in dir(model) else set()
        return sorted(
            name
            for name, field in model._fields.items()
            if field.store
            and name not in models.MAGIC_COLUMNS
            and name not in free
            and not name.startswith(("message_", "activity_", "website_message", "rating_"))
        )

    @staticmethod
    def _as_written(record, name):
        """The record's current value of ``name`` in the form a write takes."""
        field = record._fields[name]
        value = record.sudo()[name]
        if field.type == "many2one":
            return value.id or False
        if field.type == "many2many":
            return [Command.set(value.ids)]
        if field.type == "one2many":
            return []
        if field.type == "date":
            return fields.Date.to_string(value) if value else False
        if field.type == "datetime":
            return fields.Datetime.to_string(value) if value else False
        if field.type == "binary":
            if isinstance(value, bytes):
                try:
                    return value.decode("ascii")  # base64 already
                except UnicodeDecodeError:
                    return base64.b64encode(value).decode()
            return value
        if field.type == "monetary" or field.type == "float":
            return float(value)
        return value

    def _snapshot(self):
        cr = self.env.cr
        counts = {}
        for table in (
            "econtract_ledger_event",
            "econtract_contract_document",
            "ir_attachment",
            "econtract_sign_request",
            "econtract_signer",
            "econtract_contract_clause",
        ):
            cr.execute(SQL("SELECT count(*), max(write_date) FROM %s", SQL.identifier(table)))
            counts[table] = cr.fetchone()
        return counts

    # The tests -----------------------------------------------------------------------------

    def _targets(self):
        """(record, state key) pairs: every guarded model in each state the boundary knows."""
        clause = self.draft.clause_ids
        return [
            (self.draft, "draft"),
            (self.in_approval, "in_approval"),
            (self.approved, "approved"),
            (self.signed, "signed"),
            (self.cancelled, "cancelled"),
            (clause, "draft"),
            (self.signed.clause_ids, "signed"),
            (self.draft.rent_line_ids, "draft"),
            (self.draft.variable_ids, "draft"),
            (self.approved.document_ids[:1], "approved"),
            (self.request_draft, "draft"),
            (self.request_sent, "sent"),
            (self.request_done, "completed"),
            (self.request_draft.signer_ids, "draft"),
            (self.request_sent.signer_ids, "sent"),
            (self.request_done.signer_ids, "completed"),
            (self.in_approval.approval_request_id, None),
            (self.in_approval.approval_request_id.task_ids[:1], None),
            (
                self.in_approval.approval_decision_ids[:1]
                or self.approved.approval_decision_ids[:1],
                None,
            ),
            (self.env["econtract.ledger.event"].search([], limit=1), None),
            (self.env["econtract.sign.attempt"].search([], limit=1), None),
            (self.env["econtract.approval.policy"].search([], limit=1), None),
            (self.env["econtract.approval.step"].search([], limit=1), None),
            (self.env["econtract.clause"].search([], limit=1), None),
            (self.env["econtract.clause.version"].search([], limit=1), None),
            (
                self.env["econtract.template.version"].search(
                    [("state", "=", "published")], limit=1
                ),
                None,
            ),
            (self.env["econtract.template.line"].search([], limit=1), None),
            (self.env["econtract.template.variable"].search([], limit=1), None),
        ]

    def test_every_stored_field_is_written_exactly_where_allowed(self):
        targets = [(record, state) for record, state in self._targets() if record]
        self.assertGreaterEqual(len({record._name for record, _state in targets}), 15)
        before = self._snapshot()
        wrong = []
        for role in ROLES:
            self._login(role)
            for record, state in targets:
                writers = WRITERS.get(record._name, set())
                allowed = WRITABLE.get((record._name, state), set()) if role in writers else set()
                for name in self._fields_of(record):
                    value = self._as_written(record, name)
                    ok, error = self._call(record._name, "write", [record.ids, {name: value}])
                    if ok != (name in allowed):
                        wrong.append((role, record._name, state, name, ok, error))
        self.assertFalse(wrong, "\n".join(map(str, wrong)))
        self.assertEqual(
            {k: v[0] for k, v in self._snapshot().items()}, {k: v[0] for k, v in before.items()}
        )
        self.assertEqual(self.env["econtract.ledger"]._audit(), [])

    def test_create_takes_only_the_callers_fields(self):
        def minimal_vals():
            return {
                "econtract.contract": {
                    "title": "RPC",
                    "partner_ids": [Command.set(self.supplier.ids)],
                },
                "econtract.contract.clause": {
                    "contract_id": self.draft.id,
                    "title": "x",
                    "body": "<p>x</p>",
                },
                "econtract.sign.request": {"contract_id": self.approved.id},
                "econtract.signer": {
                    "request_id": self.request_draft.id,
                    "partner_id": self.carol_id(),
                },
            }

        minimal = minimal_vals()
        # Contracts of one's own company: the other company's user drafts theirs too.
        creators = {"owner", "manager"}
        creators_of = {"econtract.contract": {"owner", "manager", "other"}}
        engine_only = {
            "econtract.contract": {"name": "EC2099-00001", "state": "signed", "state_reason": "x"},
            "econtract.contract.clause": {
                "clause_version_id": self.env["econtract.clause.version"].search([], limit=1).id
            },
            "econtract.sign.request": {
                "state": "sent",
                "working_attachment_id": self.request_sent.working_attachment_id.id,
                "document_id": self.approved.document_ids[:1].id,
                "working_sha256": "0" * 64,
            },
            "econtract.signer": {
                "state": "pending",
                "identity_verified_at": fields.Datetime.to_string(fields.Datetime.now()),
                "code_attempts": 0,
                "code_locked_until": False,
                "signed_by_id": self.alice.id,
            },
            "econtract.contract.document": {
                "contract_id": self.draft.id,
                "version": 99,
                "file_name": "EC-signed.pdf",
                "attachment_id": self.request_sent.working_attachment_id.id,
                "sha256": "0" * 64,
            },
            "econtract.contract.variable": {
                "contract_id": self.draft.id,
                "name": "x",
                "label": "x",
                "var_type": "text",
            },
            "econtract.approval.decision": {
                "request_id": self.in_approval.approval_request_id.id,
                "decision": "approved",
                "user_id": self.user.id,
            },
            "econtract.ledger.event": {"sequence": 0, "event_type": "x"},
        }
        before = self._snapshot()
        wrong = []
        for role in ROLES:
            self._login(role)
            minimal = minimal_vals()
            for model, vals in minimal.items():
                ok, error = self._call(model, "create", [[vals]])
                if ok != (role in creators_of.get(model, creators)):
                    wrong.append(("minimal", role, model, ok, error))
            for model, extra in engine_only.items():
                for name, value in extra.items():
                    vals = {**minimal.get(model, {}), name: value}
                    ok, error = self._call(model, "create", [[vals]])
                    if ok:
                        wrong.append(("engine field", role, model, name, error))
            # A default from the context is a value the caller chose: dropped, not taken.
            ok, _error = self._call(
                "econtract.contract",
                "create",
                [[minimal["econtract.contract"]]],
                {"context": {"default_state": "signed", "default_name": "FAKE-1"}},
            )
            if ok:
                created = self.env["econtract.contract"].search(
                    [("title", "=", "RPC")], order="id desc", limit=1
                )
                if created.state != "draft" or created.name == "FAKE-1":
                    wrong.append(("default", role, created.state, created.name))
        self.assertFalse(wrong, "\n".join(map(str, wrong)))
        after = self._snapshot()
        self.assertEqual(
            after["econtract_contract_document"][0], before["econtract_contract_document"][0]
        )
        self.assertEqual(self.env["econtract.ledger"]._audit(), [])

    def carol_id(self):
        return (
            self.env["res.partner"].create({"name": "陈静", "email": "chenjing@x.example.com"}).id
        )

    def test_unlink_only_drafts_by_their_writers(self):
        wrong = []
        for role in ROLES:
            self._login(role)
            for record, state in self._targets():
                if not record:
                    continue
                deletable = state == "draft" and record._name in (
                    "econtract.contract.clause",
                    "econtract.rent.line",
                    "econtract.signer",
                )
                if deletable:  # each role tries on a copy of its own
                    extra = {"partner_id": self.carol_id()} if "partner_id" in record else {}
                    with engine():
                        record = record.copy(extra)
                ok, error = self._call(record._name, "unlink", [record.ids])
                expected = deletable and role in WRITERS.get(record._name, set())
                if ok != expected:
                    wrong.append((role, record._name, state, ok, error))
        self.assertFalse(wrong, "\n".join(map(str, wrong)))

    def test_public_methods_refused_to_roles_that_must_not_use_them(self):
        targets = {record._name: record for record, _state in self._targets() if record}
        targets["econtract.contract"] = self.approved
        before = self._snapshot()
        states = {r: r.state for r in (self.draft, self.approved, self.signed, self.request_sent)}
        wrong = []
        for role in ("other", "auditor", "portal"):
            self._login(role)
            for name, record in targets.items():
                methods = sorted(
                    attr
                    for attr in dir(type(record))
                    if not attr.startswith("_")
                    and callable(getattr(type(record), attr, None))
                    and getattr(getattr(type(record), attr), "__module__", "").startswith(
                        (
                            "odoo.addons.econtract",
                            "odoo.addons.hr_econtract",
                            "odoo.addons.purchase_econtract",
                        )
                    )
                )
                for method in methods:
                    if role == "auditor" and method in READER_METHODS:
                        continue
                    ok, _error = self._call(name, method, [record.ids])
                    if ok:
                        wrong.append((role, name, method))
        self.assertFalse(wrong, "\n".join(map(str, wrong)))
        self.env.invalidate_all()
        self.assertEqual({r: r.state for r in states}, states)
        after = self._snapshot()
        self.assertEqual(
            after["econtract_contract_document"][0], before["econtract_contract_document"][0]
        )

    def test_nobody_makes_or_thaws_an_engine_file(self):
        frozen = self.approved.document_ids[:1].attachment_id
        self.assertTrue(frozen.econtract_frozen)
        for role in ROLES:
            self._login(role)
            for method, args in (
                ("create", [[{"name": "x.pdf", "raw": "JVBERg==", "econtract_frozen": True}]]),
                ("write", [frozen.ids, {"econtract_frozen": False}]),
                ("write", [frozen.ids, {"datas": "JVBERi0xLjcgZm9yZ2Vk"}]),
                ("unlink", [frozen.ids]),
            ):
                ok, error = self._call("ir.attachment", method, args)
                self.assertFalse(ok, (role, method, error))
        frozen.invalidate_recordset()
        self.assertTrue(frozen.econtract_frozen)
        self.assertTrue(self.approved.document_ids[:1]._pdf_bytes())

    def test_public_is_refused_everything(self):
        self.authenticate(None, None)
        for method, args in (
            ("write", [self.draft.ids, {"title": "x"}]),
            ("create", [[{"title": "x"}]]),
        ):
            ok, error = self._call("econtract.contract", method, args)
            self.assertFalse(ok, error)
