from odoo import api, models


class EcontractApprovalDecision(models.Model):
    _inherit = "econtract.approval.decision"

    @api.model_create_multi
    def create(self, vals_list):
        """Each line of the approval trail is evidence too, in the same transaction."""
        lines = super().create(vals_list)
        entries = []
        for line in lines:
            record = line.request_id._record()
            if not record or not hasattr(record, "_ledger_log"):
                continue
            documents = []
            if line.document_sha256 and "document_ids" in record._fields:
                # sudo: the version's file name, for the evidence of a decision the engine
                # has checked; the approver may read the contract but not every version.
                version = record.sudo().document_ids.filtered(
                    lambda document, digest=line.document_sha256: document.sha256 == digest
                )[:1]
                documents.append((version.file_name or "document", line.document_sha256))
            payload = {
                "decision": line.decision,
                "request": line.request_id.id,
                "policy": line.policy_id.name,
                "step": line.step_name,
                "decided_by": {"id": line.user_id.id, "name": line.user_id.name},
                "on_behalf_of": {"id": line.on_behalf_of_id.id, "name": line.on_behalf_of_id.name}
                if line.on_behalf_of_id
                else None,
                "comment": line.comment or None,
                "content_sha256": line.content_hash,
            }
            entries.append(
                (record, f"{record._ledger_prefix()}.approval_decided", payload, documents)
            )
        if entries:
            self.env["econtract.ledger"]._log(entries)
        return lines
