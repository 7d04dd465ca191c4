import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.econtract_base.models.econtract_guard_mixin import clean, engine

from econtract.identity.sms import SmsRejected, SmsUnavailable, send_sms

_logger = logging.getLogger(__name__)

#: SMS attempts after which a reminder's text message is given up.
SMS_ATTEMPTS = 3


class EcontractObligationNotice(models.Model):
    """What was sent about an obligation: a reminder, an overdue warning, a dunning level.

    Written by the scan only; it is how the scan knows what it already did, so that a
    reminder goes out once and a level is reached once.
    """

    _name = "econtract.obligation.notice"
    _description = "Obligation Notice"
    _inherit = ["econtract.guard.mixin"]
    _order = "date desc, id desc"

    obligation_id = fields.Many2one(
        "econtract.obligation", required=True, ondelete="restrict", index=True, readonly=True
    )
    contract_id = fields.Many2one(related="obligation_id.contract_id", store=True, index=True)
    company_id = fields.Many2one(related="obligation_id.company_id", store=True)
    kind = fields.Selection(
        [("reminder", "Reminder"), ("overdue", "Overdue Warning"), ("dunning", "Dunning")],
        required=True,
        readonly=True,
    )
    reminder_id = fields.Many2one(
        "econtract.fulfilment.reminder", readonly=True, ondelete="set null", index=True
    )
    level_id = fields.Many2one("econtract.fulfilment.level", readonly=True, ondelete="restrict")
    date = fields.Date(required=True, readonly=True, default=fields.Date.context_today)
    recipient_id = fields.Many2one("res.partner", readonly=True)
    channels = fields.Char(readonly=True, help="How it went out.")
    attachment_id = fields.Many2one("ir.attachment", string="Letter", readonly=True)
    sms_state = fields.Selection(
        [("none", "None"), ("sent", "Sent"), ("failed", "Failed"), ("given_up", "Given Up")],
        default="none",
        readonly=True,
    )
    sms_text = fields.Text(readonly=True)
    sms_error = fields.Char(readonly=True)
    sms_attempts = fields.Integer(readonly=True)

    @api.model
    def _record(self, obligation, kind, **values):
        with engine():
            return clean(self).create({"obligation_id": obligation.id, "kind": kind, **values})

    def _send_sms(self):
        """Text the notice's recipient; a gateway that is down is retried by the next scan
        (up to `SMS_ATTEMPTS`), a refused number is not."""
        gateway = None
        for notice in self:
            phone = notice.recipient_id.mobile or notice.recipient_id.phone
            attempts = notice.sms_attempts + 1
            try:
                if not phone:
                    raise SmsRejected(_("%s has no mobile number.", notice.recipient_id.name))
                # sudo: the gateway's settings are system parameters.
                gateway = gateway or self.env["econtract.signer"].sudo()._sms_gateway()
                send_sms(gateway, phone, notice.sms_text)
            except SmsUnavailable as exc:
                state = "failed" if attempts < SMS_ATTEMPTS else "given_up"
                _logger.warning("reminder SMS for %s not sent: %s", notice.obligation_id.name, exc)
                notice._engine_write(
                    {"sms_state": state, "sms_error": str(exc)[:200], "sms_attempts": attempts}
                )
                continue
            except (SmsRejected, UserError) as exc:  # a bad number, or no gateway configured
                notice._engine_write(
                    {"sms_state": "given_up", "sms_error": str(exc)[:200], "sms_attempts": attempts}
                )
                continue
            notice._engine_write(
                {"sms_state": "sent", "sms_error": False, "sms_attempts": attempts}
            )

    @api.model
    def _retry_sms(self, company):
        self.search([("company_id", "=", company.id), ("sms_state", "=", "failed")])._send_sms()
