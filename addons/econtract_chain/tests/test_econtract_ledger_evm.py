import base64
import json
import os
from datetime import timedelta

from web3.exceptions import TransactionNotFound

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from econtract.evm.anchor import (
    EvmChain,
    EvmReceipt,
    SignedTransaction,
    account_address,
    anchor_payload,
    verify_receipt,
)
from econtract.ledger.package import verify_package

from .common import LedgerCommon

MUTED = "odoo.addons.econtract_chain.models.econtract_ledger_anchor"


@tagged("post_install", "-at_install")
class TestEvmAnchoring(LedgerCommon):
    """Heads anchored in the development chain (ganache, started by tools/devenv.py) by the
    account whose key is in the development token."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.url = os.environ.get("ECONTRACT_EVM_URL")
        assert cls.url, "ECONTRACT_EVM_URL names no chain: run the tests with make test"
        parameters = cls.env["ir.config_parameter"]
        parameters.set_param("econtract_chain.evm_url", cls.url)
        parameters.set_param("econtract_chain.tsa_url", "off")
        cls.chain = EvmChain.connect(cls.url)
        cls.account = account_address(cls.env["econtract.platform"]._published().anchor_public_key)
        cls.contract = cls._new_contract(cls.user, title="租赁合同 乙", amount=88000)

    def _sent(self):
        """Transactions the anchoring account has had mined so far."""
        return self.chain.web3.eth.get_transaction_count(self.account)

    def _run(self):
        with mute_logger(MUTED):
            return self.Anchor._anchor_pending()

    def _make_due(self, anchor):
        anchor.write({"next_attempt": fields.Datetime.now() - timedelta(minutes=1)})

    def test_signed_first_sent_later_and_once(self):
        head = self.Head._seal()
        anchor = head.anchor_ids
        self.assertEqual((anchor.kind, anchor.state), ("evm", "pending"))
        before = self._sent()
        self.assertFalse(self._run())
        self.assertEqual(anchor.state, "sent")
        self.assertEqual(self._sent(), before, "signed and kept, not yet sent")
        with self.assertRaises(TransactionNotFound):
            self.chain.web3.eth.get_transaction(anchor.transaction_hash)

        self.assertEqual(self._run(), anchor)
        self.assertEqual(anchor.state, "done")
        self.assertEqual(self._sent(), before + 1)
        on_chain = self.chain.web3.eth.get_transaction(anchor.transaction_hash)
        self.assertEqual(bytes(on_chain["input"]), anchor_payload(head._signed().head))
        receipt = EvmReceipt.from_json(json.loads(base64.b64decode(anchor.receipt)))
        verify_receipt(receipt, head._signed().head, account=self.account)
        self.assertEqual(receipt.block_number, on_chain["blockNumber"])
        self.assertIn(f"block {receipt.block_number}", anchor.authority)
        self.assertEqual(head.anchor_state, "done")

        self.assertFalse(self._run(), "nothing left to do")
        self.assertEqual(self._sent(), before + 1, "no second transaction")

        result = self.contract.with_user(self.user).export_evidence_package()
        checks = verify_package(
            self._package_bytes(result),
            log_key_der=self.env["econtract.platform"]._published().log_public_key,
            anchor_account=self.account,
        )
        self.assertTrue(all(c.passed for c in checks), [c for c in checks if not c.passed])
        self.assertIn(f"anchor evm of head {head.tree_size}", [c.name for c in checks])

    def test_node_down_is_retried_with_the_same_transaction(self):
        parameters = self.env["ir.config_parameter"]
        head = self.Head._seal()
        anchor = head.anchor_ids
        parameters.set_param("econtract_chain.evm_url", "http://127.0.0.1:9")
        self.assertFalse(self._run())
        self.assertEqual((anchor.state, anchor.attempts), ("pending", 1))
        self.assertIn("EVM node failed", anchor.last_error)
        self.assertFalse(anchor.transaction)

        parameters.set_param("econtract_chain.evm_url", self.url)
        self._make_due(anchor)
        self._run()
        self.assertEqual(anchor.state, "sent")
        signed = anchor.transaction_hash
        before = self._sent()

        parameters.set_param("econtract_chain.evm_url", "http://127.0.0.1:9")
        self._make_due(anchor)
        self.assertFalse(self._run())
        self.assertEqual((anchor.state, anchor.attempts), ("sent", 2))
        self.assertGreater(anchor.next_attempt, fields.Datetime.now(), "backed off")
        self.assertFalse(self._run(), "not due yet: left alone")

        parameters.set_param("econtract_chain.evm_url", self.url)
        self._make_due(anchor)
        self.assertEqual(self._run(), anchor)
        self.assertEqual(anchor.transaction_hash, signed, "the stored bytes, not new ones")
        self.assertEqual(self._sent(), before + 1)

    def test_transaction_that_lost_its_nonce_is_replaced(self):
        head = self.Head._seal()
        anchor = head.anchor_ids
        self._run()
        lost = anchor.transaction_hash
        # Another transaction of the account takes the nonce first (an operator's transfer,
        # another installation sharing the key): the stored one can never be mined.
        key = self.env["econtract.platform"]._platform().key("anchor")
        intruder = self.chain.prepare(
            b"unrelated",
            sign_digest=lambda digest: key.token.sign_digest(key.label, digest, key.kind),
            public_key=key.public_key,
        )
        self.chain.broadcast(intruder)
        self._run()
        self.assertEqual(anchor.state, "pending")
        self.assertIn("used by another transaction", anchor.last_error)
        self.assertFalse(anchor.transaction_hash)

        self._make_due(anchor)
        self._run()  # signs anew
        self._run()  # sends
        self.assertEqual(anchor.state, "done")
        self.assertNotEqual(anchor.transaction_hash, lost)

    def test_heads_signed_together_take_consecutive_nonces(self):
        first = self.Head._seal()
        self.contract.write({"amount": 99000})
        second = self.Head._seal()
        anchors = (first | second).anchor_ids
        before = self._sent()
        self._run()
        self.assertEqual(anchors.mapped("state"), ["sent", "sent"])
        nonces = sorted(
            SignedTransaction.from_raw(base64.b64decode(a.transaction)).nonce for a in anchors
        )
        self.assertEqual(nonces, [before, before + 1])
        self.assertEqual(self._run(), anchors.sorted("id"))
        self.assertEqual(self._sent(), before + 2)
