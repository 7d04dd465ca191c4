import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

#: Placeholders an archive number pattern may use.
NUMBER_FIELDS = ("fonds", "year", "type", "retention", "department", "serial")
DEFAULT_PATTERN = "{type}-{year}-{retention}-{department}-{serial:04d}"


class ResCompany(models.Model):
    _inherit = "res.company"

    econtract_archive_fonds = fields.Char(
        string="Fonds Code", help="The company's fonds code (全宗号) in archive numbers ({fonds})."
    )
    econtract_archive_pattern = fields.Char(
        string="Archive Number Pattern",
        default=DEFAULT_PATTERN,
        help="Placeholders: {fonds}, {year}, {type}, {retention}, {department} and "
        "{serial:04d} (the serial counts per distinct rest of the number).",
    )

    @api.constrains("econtract_archive_pattern")
    def _check_econtract_archive_pattern(self):
        for company in self:
            try:
                company._econtract_archive_number(
                    dict.fromkeys(NUMBER_FIELDS[:-1], "X"), lambda prefix: 1
                )
            except (KeyError, ValueError, IndexError, AttributeError) as exc:
                raise ValidationError(
                    _(
                        "The archive number pattern %(pattern)s is not valid (%(error)s): use "
                        "only %(fields)s, with {serial} in it.",
                        pattern=company.econtract_archive_pattern,
                        error=exc,
                        fields=", ".join(f"{{{name}}}" for name in NUMBER_FIELDS),
                    )
                ) from exc

    def _econtract_archive_number(self, values, next_serial):
        """The archive number for ``values``; ``next_serial(prefix)`` gives the serial of the
        number's other parts, so each type, year and department counts on its own."""
        self.ensure_one()
        pattern = self.econtract_archive_pattern or DEFAULT_PATTERN
        if "{serial" not in pattern:
            raise ValueError("no {serial}")
        prefix = re.sub(r"\{serial[^}]*\}", "#", pattern).format(**values)
        return pattern.format(**values, serial=next_serial(prefix))
