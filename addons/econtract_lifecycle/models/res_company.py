from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    econtract_expiry_reminder_days = fields.Char(
        string="Expiry Reminders",
        default="30,7,1",
        help="Days before the end of a contract's term its owner is reminded, separated by "
        "commas (30,7,1). Empty: no reminders.",
    )

    @api.constrains("econtract_expiry_reminder_days")
    def _check_econtract_expiry_reminder_days(self):
        for company in self:
            company._econtract_expiry_reminder_days()

    def _econtract_expiry_reminder_days(self):
        """The reminder thresholds as whole days, largest first.

        :raises ValidationError: when the setting is not whole days from 1 to 3660.
        """
        self.ensure_one()
        text = (self.econtract_expiry_reminder_days or "").replace("，", ",")
        days = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            if not (part.isascii() and part.isdigit()) or not 1 <= int(part) <= 3660:
                raise ValidationError(
                    _(
                        "Expiry reminders are days before the end separated by commas (30,7,1), "
                        "each 1 to 3660: %(value)s is not.",
                        value=part,
                    )
                )
            days.append(int(part))
        return sorted(set(days), reverse=True)
