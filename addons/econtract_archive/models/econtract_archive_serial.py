from odoo import api, fields, models
from odoo.tools import SQL


class EcontractArchiveSerial(models.Model):
    """The last serial given for an archive number prefix (a type, year, department…):
    gap-free, since it is taken in the archiving transaction with the row locked."""

    _name = "econtract.archive.serial"
    _description = "Archive Number Serial"

    company_id = fields.Many2one("res.company", required=True, index=True)
    prefix = fields.Char(required=True)
    last = fields.Integer(required=True, default=0)

    _sql_constraints = [
        ("prefix_unique", "UNIQUE(company_id, prefix)", "One serial per prefix and company."),
    ]

    @api.model
    def _next(self, company, prefix):
        self.env.cr.execute(
            SQL(
                """INSERT INTO econtract_archive_serial
                       (company_id, prefix, last, create_uid, create_date, write_uid, write_date)
                   VALUES (%(company)s, %(prefix)s, 1, %(uid)s, now() at time zone 'UTC',
                           %(uid)s, now() at time zone 'UTC')
                   ON CONFLICT (company_id, prefix)
                   DO UPDATE SET last = econtract_archive_serial.last + 1,
                                 write_date = now() at time zone 'UTC'
                   RETURNING last""",
                company=company.id,
                prefix=prefix,
                uid=self.env.uid,
            )
        )
        self.invalidate_model(["last"])
        return self.env.cr.fetchone()[0]
