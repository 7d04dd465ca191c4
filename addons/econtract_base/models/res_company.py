import pytz

from odoo import fields, models

#: The specification's time zone, for a company whose address gives none.
DEFAULT_TZ = "Asia/Shanghai"


class ResCompany(models.Model):
    _inherit = "res.company"

    def _econtract_date(self, moment=None):
        """The date of the UTC datetime ``moment`` (now by default) in this company's time
        zone (its partner's, else China's), whoever asks and whatever their context says:
        a contract's days (signed on, due, retained until) are the company's."""
        self.ensure_one()
        zone = pytz.timezone(self.partner_id.tz or DEFAULT_TZ)
        moment = moment or fields.Datetime.now()
        return pytz.utc.localize(moment.replace(tzinfo=None)).astimezone(zone).date()
