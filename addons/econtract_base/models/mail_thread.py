from odoo import models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _process_attachments_for_post(self, attachments, attachment_ids, message_values):
        """Odoo links any attachment id given to a message; a contract's frozen files (its
        versions, the file being signed, the signing certificate) go only where their
        reader may take them — so nobody mails themselves another company's signed PDF by
        posting its id on a record of their own."""
        if attachment_ids:
            # sudo: only to see which of the ids are the engine's files; the check that
            # follows runs with the caller's own rights.
            frozen = self.env["ir.attachment"].sudo().browse(attachment_ids).exists()
            frozen = frozen.filtered("econtract_frozen")
            if frozen:
                frozen.with_env(self.env).sudo(False).check("read")
        return super()._process_attachments_for_post(attachments, attachment_ids, message_values)
