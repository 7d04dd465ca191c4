import base64
import hashlib
import io
import json
import zipfile

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from econtract.evm.anchor import account_address
from econtract.ledger.canonical import canonical, loads
from econtract.ledger.merkle import root_hash
from econtract.ledger.package import verify_package
from econtract.tsa.client import verify_token

from .common import LedgerCommon


@tagged("post_install", "-at_install")
class TestEvidenceLog(LedgerCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls._new_contract(cls.user, title="采购合同 甲", amount=1000)

    # Hooks: the business change and its event, together --------------------------------

    def test_contract_history_is_logged(self):
        self.contract.with_user(self.user).write({"title": "采购合同 乙", "amount": 1250.5})
        self.contract.action_cancel(reason="duplicate")
        types = self._events_of(self.contract).mapped("event_type")
        self.assertEqual(types, ["contract.created", "contract.updated", "contract.state_changed"])
        # One event per change: the new state and the reason given with it go together.
        created, updated, state = self._events_of(self.contract)
        self.assertEqual(loads(created.canonical)["payload"]["values"]["title"], "采购合同 甲")
        changes = loads(updated.canonical)["payload"]["changes"]
        self.assertEqual(changes["title"], ["采购合同 甲", "采购合同 乙"])
        self.assertEqual(changes["amount"], ["1000.00", "1250.50"])
        payload = loads(state.canonical)["payload"]
        self.assertEqual((payload["from"], payload["to"]), ("draft", "cancelled"))
        self.assertEqual(payload["changes"]["state_reason"], [None, "duplicate"])
        self.assertEqual(updated.actor_id, self.user)
        self.assertEqual(loads(updated.canonical)["actor"]["login"], "ec_user")

    def test_contracts_from_before_the_log_are_enrolled(self):
        """The demo contracts are loaded before the log exists; installing it enrolled them
        with their values and document versions, once."""
        contracts = self.env["econtract.contract"].with_context(active_test=False).search([])
        self.assertFalse(contracts.filtered(lambda c: not c.ledger_event_count))
        lease = self.env.ref("econtract_base.econtract_contract_lease_xinghe_demo")
        enrolled = self._events_of(lease)[0]
        self.assertEqual(enrolled.event_type, "contract.enrolled")
        event = loads(enrolled.canonical)
        self.assertEqual(event["payload"]["values"]["title"], lease.title)
        self.assertEqual(
            [d["sha256"] for d in event["documents"]], lease.document_ids.mapped("sha256")
        )
        self.assertTrue(lease.document_ids, "the demo lease has its rendered PDF")
        size = self.ledger._size()
        self.assertFalse(contracts._ledger_enroll(), "enrolled once")
        self.assertEqual(self.ledger._size(), size)

    def test_approval_decisions_are_evidence(self):
        self.env["econtract.approval.policy"].search([]).write({"active": False})
        self.env["econtract.approval.policy"].create(
            {
                "name": "Evidence policy",
                "step_ids": [
                    Command.create(
                        {
                            "name": "Legal",
                            "mode": "or_sign",
                            "approver_type": "users",
                            "user_ids": [Command.set(self.lawyer.ids)],
                        }
                    )
                ],
            }
        )
        contract = self._new_contract(
            self.user, clause_ids=[Command.create({"title": "标的", "body": "<p>一批货物。</p>"})]
        )
        contract.with_user(self.user).action_submit_for_approval()
        contract.with_user(self.lawyer).action_approval_approve("法务同意")
        types = self._events_of(contract).mapped("event_type")
        # submitted: the version under approval, then draft → in approval; approved: the
        # decision, then in approval → approved
        self.assertEqual(
            types[-4:],
            [
                "contract.document_added",
                "contract.state_changed",
                "contract.approval_decided",
                "contract.state_changed",
            ],
        )
        decided = loads(
            self._events_of(contract)
            .filtered(lambda e: e.event_type == "contract.approval_decided")
            .canonical
        )
        self.assertEqual(decided["payload"]["decision"], "approved")
        self.assertEqual(decided["payload"]["comment"], "法务同意")
        self.assertEqual(decided["actor"]["login"], "ec_lawyer")
        self.assertEqual(
            [d["sha256"] for d in decided["documents"]], contract.document_ids.mapped("sha256")
        )

    def test_untracked_writes_add_no_event(self):
        before = self.Event.search_count([])
        self.contract.write({"note": "<p>internal</p>"})
        self.assertEqual(self.Event.search_count([]), before)

    def test_no_event_without_change(self):
        before = self.ledger._size()
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.contract.write({"amount": -5})
        self.assertEqual(self.ledger._size(), before)
        self.assertEqual(self.Event.search_count([]), before)

    def test_document_versions_and_hashes_are_logged(self):
        data = b"%PDF-1.7 rendered contract"
        document = self.env["econtract.contract.document"]._add_version(self.contract, data)
        event = self._events_of(self.contract)[-1]
        self.assertEqual(event.event_type, "contract.document_added")
        self.assertEqual(
            loads(event.canonical)["documents"],
            [{"name": f"{self.contract.name}-v1.pdf", "sha256": hashlib.sha256(data).hexdigest()}],
        )
        self.assertEqual(document.download_url, f"/econtract/document/{document.id}/download")

    def test_tree_is_stored_consistently(self):
        size = self.ledger._size()
        self.assertEqual(size, self.Event.sudo().search_count([]))
        self.assertEqual(sorted(self.Event.sudo().search([]).mapped("sequence")), list(range(size)))
        self.assertEqual(root_hash(self.ledger._nodes(), size), self._tree_from_events().root())

    # Append-only, at every level -------------------------------------------------------

    def test_events_cannot_be_changed_or_deleted(self):
        event = self._events_of(self.contract)[:1]
        with self.assertRaises(UserError):
            event.sudo().write({"event_type": "contract.forged"})
        with self.assertRaises(UserError):
            event.sudo().unlink()
        with self.assertRaises(UserError):
            self.Event.sudo().create({"sequence": 10**6, "event_type": "x.y", "canonical": "{}"})
        with self.assertRaises(AccessError):
            event.with_user(self.manager).write({"event_type": "contract.forged"})
        self.assertRefusedBySql(
            "UPDATE econtract_ledger_event SET canonical = '{}' WHERE id = %s", (event.id,)
        )
        self.assertRefusedBySql("DELETE FROM econtract_ledger_event WHERE id = %s", (event.id,))
        self.assertRefusedBySql("TRUNCATE econtract_ledger_event CASCADE")
        self.assertRefusedBySql("DELETE FROM econtract_ledger_node")
        self.assertRefusedBySql("UPDATE econtract_ledger_state SET size = 0")

    def test_contracts_with_evidence_are_not_deleted(self):
        with self.assertRaises(UserError):
            self.contract.unlink()

    def test_retention_is_at_least_five_years(self):
        with self.assertRaises(ValidationError):
            self.company.econtract_evidence_retention_years = 4
        self.company.econtract_evidence_retention_years = 5
        self.assertEqual(self.company.econtract_evidence_retention_years, 5)

    # Who sees what --------------------------------------------------------------------

    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.models")
    def test_evidence_follows_contract_visibility(self):
        mine = self._events_of(self.contract)
        theirs = self._events_of(self._new_contract(self.colleague, title="同事的合同"))
        self.assertEqual(
            mine.with_user(self.user).read(["event_type"])[0]["event_type"], "contract.created"
        )
        with self.assertRaises(AccessError):
            theirs.with_user(self.user).read(["event_type"])
        self.assertTrue(theirs.with_user(self.auditor).read(["canonical"]))
        with self.assertRaises(AccessError):
            mine.with_user(self.outsider).read(["event_type"])
        with self.assertRaises(AccessError):
            self.contract.with_user(self.colleague).export_evidence_package()

    @mute_logger("odoo.addons.base.models.res_users")
    def test_only_log_keepers_seal_and_audit(self):
        with self.assertRaises(AccessError):
            self.Head.with_user(self.user).action_seal_now()
        with self.assertRaisesRegex(AccessError, "Only contract managers seal"):
            self.Head.with_user(self.auditor).action_seal_now()
        with self.assertRaises(AccessError):
            self.Head.with_user(self.user).action_audit_log()
        result = self.Head.with_user(self.auditor).action_audit_log()
        self.assertEqual(result["params"]["type"], "success")

    # Sealing, anchoring, packages -------------------------------------------------------

    def test_seal_sign_and_anchor(self):
        head = self.Head._seal()
        self.assertEqual(head.tree_size, self.ledger._size())
        platform = self.env["econtract.platform"]._platform()
        head._signed().verify(platform.log_public_key)
        self.assertEqual(self.Head._seal(), head, "nothing new: no second head")
        self.assertEqual(head.anchor_ids.mapped("state"), ["pending"])
        done = self.Anchor._anchor_pending()
        self.assertEqual(done, head.anchor_ids)
        info = verify_token(
            base64.b64decode(done.receipt),
            head._digest(),
            certificates=list(platform.chain),
            trusted_roots=[platform.root.certificate],
        )
        self.assertEqual(done.authority, info.tsa)
        self.assertFalse(self.Anchor._anchor_pending(), "no duplicate anchors")
        with self.assertRaises(UserError):
            done.write({"receipt": False})

    def test_tsa_down_is_retried_later(self):
        self.env["ir.config_parameter"].set_param(
            "econtract_chain.tsa_url", "http://127.0.0.1:9/tsa"
        )
        head = self.Head._seal()
        anchor = head.anchor_ids
        with mute_logger("odoo.addons.econtract_chain.models.econtract_ledger_anchor"):
            self.assertFalse(self.Anchor._anchor_pending())
        self.assertEqual(anchor.state, "pending")
        self.assertEqual(anchor.attempts, 1)
        self.assertIn("unreachable", anchor.last_error)
        # Not due yet: the next run leaves it alone.
        self.assertFalse(self.Anchor._anchor_pending())
        self.assertEqual(anchor.attempts, 1)
        self.env["ir.config_parameter"].set_param("econtract_chain.tsa_url", "")
        self.env.cr.execute(
            "UPDATE econtract_ledger_anchor SET next_attempt = now() - interval '1 minute' "
            "WHERE id = %s",
            (anchor.id,),
        )
        anchor.invalidate_recordset()
        self.assertEqual(self.Anchor._anchor_pending(), anchor)
        self.assertEqual(anchor.state, "done")
        self.assertEqual(len(head.anchor_ids), 1)

    def test_evidence_package_verifies_offline(self):
        self.contract.write({"amount": 2000})
        first = self.Head._seal()
        self.Anchor._anchor_pending()
        self.contract.write({"amount": 3000})
        self.Head._seal()  # the hourly job; an export never seals
        self.contract.write({"amount": 4000})  # after the last head: not in the package yet
        size = self.Head.search([], limit=1).tree_size
        result = self.contract.with_user(self.user).export_evidence_package()
        data = self._package_bytes(result)
        self.assertEqual(result["sha256"], hashlib.sha256(data).hexdigest())
        platform = self.env["econtract.platform"]._platform()
        checks = verify_package(
            data,
            log_key_der=platform.log_public_key,
            trusted_roots=[platform.root.certificate.dump()],
        )
        self.assertTrue(all(check.passed for check in checks), [c for c in checks if not c.passed])
        coverage = next(c for c in checks if c.name == "anchoring coverage")
        self.assertTrue(coverage.detail.startswith("2 of 3 events anchored"), coverage.detail)
        self.assertEqual(self.Head.search([], limit=1).tree_size, size, "nothing was sealed")
        self.assertGreater(size, first.tree_size)
        self.assertEqual(
            self._events_of(self.contract)[-1].event_type, "contract.evidence_exported"
        )

    def test_a_left_out_event_fails_though_the_manifest_is_rewritten(self):
        """A holder drops an awkward event (a declined signature, a price change) and
        recomputes every hash: the links inside the log and the log's signature over the
        manifest both say so, naming where."""
        self.contract.write({"amount": 2000})
        self.contract.write({"amount": 3000})
        self.Head._seal()
        data = self._package_bytes(self.contract.with_user(self.user).export_evidence_package())
        published = self.env["econtract.platform"]._published()
        pins = {
            "log_key_der": published.log_public_key,
            "trusted_roots": [published.root.dump()],
            "anchor_account": account_address(published.anchor_public_key),
        }
        self.assertTrue(all(c.passed for c in verify_package(data, **pins)))
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {name: archive.read(name) for name in archive.namelist()}
        lines = members["events.jsonl"].splitlines()
        after = json.loads(lines[2])["index"]
        members["events.jsonl"] = b"\n".join(lines[:1] + lines[2:]) + b"\n"
        manifest = json.loads(members["manifest.json"])
        manifest["files"] = {
            name: hashlib.sha256(content).hexdigest()
            for name, content in members.items()
            if name not in ("manifest.json", "manifest.sig")
        }
        members["manifest.json"] = canonical(manifest)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, content in members.items():
                archive.writestr(name, content)
        failed = {c.name: c for c in verify_package(buffer.getvalue(), **pins) if not c.passed}
        self.assertEqual(set(failed), {"manifest signature", "complete history"})
        self.assertEqual(failed["complete history"].first_bad_index, after)
        # Unpinned, even the untouched package is not a PASS: the reader must pin the key.
        unpinned = [c for c in verify_package(data) if not c.passed]
        self.assertEqual([(c.name, c.trust) for c in unpinned], [("pinned keys", True)])

    # Tampering as a superuser -------------------------------------------------------------

    def _sealed_events(self):
        self.contract.write({"amount": 1100})
        self.contract.write({"amount": 1200})
        self.Head._seal()
        self.assertEqual(self.ledger._audit(), [])
        return self._events_of(self.contract)

    def test_changed_payload_is_found(self):
        events = self._sealed_events()
        target = events[1]
        text = target.canonical.replace("1100.00", "9100.00")
        self._sql(
            "UPDATE econtract_ledger_event SET canonical = %s WHERE id = %s", (text, target.id)
        )
        ((message, index),) = self.ledger._audit()
        self.assertEqual(index, target.sequence, message)
        result = self.contract.export_evidence_package()
        failed = [
            c for c in verify_package(self._package_bytes(result)) if not c.passed and not c.trust
        ]
        self.assertEqual(
            [(c.name, c.first_bad_index) for c in failed],
            # The next event of the contract links to the original leaf, and the changed
            # leaf leads to no signed root.
            [("complete history", events[2].sequence), ("inclusion", target.sequence)],
        )

    def test_deleted_event_is_found(self):
        events = self._sealed_events()
        gone = events[1].sequence
        self._sql("DELETE FROM econtract_ledger_event WHERE id = %s", (events[1].id,))
        ((_message, index),) = self.ledger._audit()
        self.assertEqual(index, gone)

    def test_reordered_events_are_found(self):
        events = self._sealed_events()
        first, second = events[0], events[2]
        positions = (first.sequence, second.sequence)
        parked = 10**9
        self._sql(
            "UPDATE econtract_ledger_event SET sequence = %s WHERE id = %s", (parked, first.id)
        )
        self._sql(
            "UPDATE econtract_ledger_event SET sequence = %s WHERE id = %s",
            (positions[0], second.id),
        )
        self._sql(
            "UPDATE econtract_ledger_event SET sequence = %s WHERE id = %s",
            (positions[1], first.id),
        )
        ((_message, index),) = self.ledger._audit()
        self.assertEqual(index, positions[0])

    def test_replaced_tree_head_is_found(self):
        self._sealed_events()
        head = self.Head.search([], limit=1)
        signed = loads(head.signed_json)
        signed["root_hash"] = "00" * 32
        self._sql(
            "UPDATE econtract_ledger_head SET signed_json = %s WHERE id = %s",
            (json.dumps(signed), head.id),
        )
        ((message, _index),) = self.ledger._audit()
        self.assertIn("does not verify", message)
