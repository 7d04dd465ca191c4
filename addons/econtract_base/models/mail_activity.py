from odoo import models

from .econtract_guard_mixin import in_engine


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        """Marking an approval to-do done approves it (with the feedback as comment), so an
        approver can decide from the activity itself; rejecting needs the record's form."""
        if in_engine():  # the approval engine closing the to-do of a decision it records
            return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        # sudo: the engine's tasks behind these activities; _decide checks the user.
        tasks = (
            self.env["econtract.approval.task"]
            .sudo()
            .search([("activity_id", "in", self.ids), ("state", "=", "pending")])
        )
        for task in tasks:
            task._decide("approved", feedback)
        rest = self - tasks.activity_id.with_env(self.env)
        return super(MailActivity, rest.exists())._action_done(
            feedback=feedback, attachment_ids=attachment_ids
        )
