import threading
import uuid

import psycopg2

from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import mute_logger

from econtract.pdf.validate import validate_pdf

from .common import seal_company


@tagged("post_install", "-at_install")
class TestParallelSigners(BaseCase):
    """Two signers of one parallel step press "Sign" at the same instant, each in their own
    committed transaction, as two browsers would: both signatures end up in the one final
    file, nothing is lost, and the contract is signed once.

    A BaseCase: the signatures need two real transactions on committed data. The policy
    made here only matches the contract made here (by its unique title) and is archived
    afterwards.
    """

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        title = f"并发签署 {uuid.uuid4().hex[:8]}"
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["ir.config_parameter"].set_param("econtract_chain.evm_url", "off")
            seal_company(env.company, "上海星河测试有限公司", "91310115MA1K4XQJ3P")
            policy = env["econtract.approval.policy"].create(
                {"name": title, "priority": 10_000, "domain": repr([("title", "=", title)])}
            )
            supplier = env["res.partner"].create({"name": "并发供应商有限公司"})
            first, second = env["res.partner"].create(
                [
                    {"name": "赵敏", "email": "zhaomin@example.com", "parent_id": supplier.id},
                    {"name": "钱进", "email": "qianjin@example.com", "parent_id": supplier.id},
                ]
            )
            contract = env["econtract.contract"].create(
                {
                    "title": title,
                    "partner_ids": [Command.set(supplier.ids)],
                    "clause_ids": [Command.create({"title": "标的", "body": "<p>货物。</p>"})],
                }
            )
            contract.action_submit_for_approval()
            request = env["econtract.sign.request"].create(
                {
                    "contract_id": contract.id,
                    "signer_ids": [
                        Command.create({"partner_id": partner.id, "order": 1})
                        for partner in (first, second)
                    ],
                }
            )
            request.action_send()
            # Both have passed their identity check (the identity tests check that part).
            self.proofs = [signer._grant_identity() for signer in request.signer_ids]
            self.refs = {"policy": policy.id, "request": request.id}

    def tearDown(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["econtract.approval.policy"].browse(self.refs["policy"]).active = False
        super().tearDown()

    def _sign_in_own_transaction(self, index, barrier, errors):
        try:
            with self.registry.cursor() as cr:
                # The test runner holds the registry lock while it runs tests: give the
                # cursor its transaction here rather than have Environment look it up.
                cr.transaction = api.Transaction(self.registry)
                env = api.Environment(cr, SUPERUSER_ID, {})
                signer = (
                    env["econtract.sign.request"].browse(self.refs["request"]).signer_ids[index]
                )
                key = f"parallel-{index}-{uuid.uuid4().hex}"
                barrier.wait(timeout=30)
                # What the HTTP layer does for every request (odoo.service.model.retrying,
                # whose registry lookup would wait for the test runner's lock): run it
                # again, same key, on a serialisation failure.
                for _attempt in range(5):
                    try:
                        signer._sign(
                            key,
                            typed_name=signer.partner_id.name,
                            consent=True,
                            proof=self.proofs[index],
                        )
                        # Two real transactions: each signer commits as a request would.
                        cr.commit()  # pylint: disable=invalid-commit
                        break
                    except psycopg2.errors.SerializationFailure:
                        cr.rollback()
                        env.transaction.clear()
                        self.retries += 1
                else:
                    raise AssertionError("still conflicting after five attempts")
        except Exception as error:
            errors.append(error)

    def test_both_signatures_one_final_document(self):
        barrier = threading.Barrier(2)
        errors = []
        self.retries = 0
        threads = [
            threading.Thread(target=self._sign_in_own_transaction, args=(i, barrier, errors))
            for i in range(2)
        ]
        # The waiting signer's lock ends in a serialisation failure, which sql_db logs.
        with mute_logger("odoo.sql_db"):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        self.assertFalse(errors)
        # The second signer waited for the first and signed on top after one retry.
        self.assertGreaterEqual(self.retries, 1)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            request = env["econtract.sign.request"].browse(self.refs["request"])
            self.assertEqual(request.state, "completed")
            self.assertEqual(request.signer_ids.mapped("state"), ["signed", "signed"])
            contract = request.contract_id
            self.assertEqual(contract.state, "signed")
            signed_versions = contract.document_ids.filtered(
                lambda d: d.file_name.endswith("-signed.pdf")
            )
            self.assertEqual(len(signed_versions), 1)
            platform = env["econtract.platform"]._platform()
            report = validate_pdf(
                signed_versions._pdf_bytes(), [platform.root.certificate], require_timestamp=True
            )
            self.assertTrue(report.passed, report.summary())
            names = {s.field_name for s in report.signatures if s.kind != "document time stamp"}
            expected = {signer._field_name() for signer in request.signer_ids} | {"company-seal"}
            self.assertEqual(names, expected)
            events = env["econtract.ledger.event"].search([("contract_id", "=", contract.id)])
            self.assertEqual(events.mapped("event_type").count("contract.signed"), 2)
            self.assertEqual(events.mapped("event_type").count("contract.signing_completed"), 1)
