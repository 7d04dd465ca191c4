from odoo import _, fields, models
from odoo.exceptions import UserError


class EcontractSourceMixin(models.AbstractModel):
    """A record contracts are drafted from: a purchase order, an employee contract…

    A consumer sets the class attributes, adds the link field on ``econtract.contract`` (and
    returns it from the contract's `_get_source_record`), and extends
    `_prepare_econtract_vals` with what its records know (parties, amounts, dates).
    """

    _name = "econtract.source.mixin"
    _description = "Contract Source"

    _econtract_type = None
    """``contract_type`` of the contracts and of the templates to draft them from."""
    _econtract_link_field = None
    """Name of the many2one on ``econtract.contract`` that points back to the record."""

    econtract_count = fields.Integer(
        string="Electronic Contract Count",
        compute="_compute_econtract_count",
        groups="econtract_base.group_econtract_user,econtract_base.group_econtract_auditor",
    )

    def _compute_econtract_count(self):
        contracts = self.env["econtract.contract"]
        counts = dict(
            contracts._read_group(
                [(self._econtract_link_field, "in", self.ids)],
                [self._econtract_link_field],
                ["__count"],
            )
        )
        for record in self:
            record.econtract_count = counts.get(record, 0)

    def _get_econtract_template(self):
        """The published template in the user's language, else any of the type.

        The ``econtract_language`` context key asks for a language explicitly.
        """
        self.ensure_one()
        wanted = self.env.context.get("econtract_language") or self.env.user.lang
        language = self.env["econtract.contract"]._language_for(wanted)
        templates = self.env["econtract.template"].search(
            [
                ("contract_type", "=", self._econtract_type),
                ("current_version_id", "!=", False),
                "|",
                ("company_id", "=", False),
                ("company_id", "=", self.company_id.id),
            ]
        )
        return templates.filtered(lambda t: t.language == language)[:1] or templates[:1]

    def _prepare_econtract_vals(self, template):
        self.ensure_one()
        return {
            "contract_type": self._econtract_type,
            "company_id": self.company_id.id,
            self._econtract_link_field: self.id,
            "template_version_id": template.current_version_id.id,
            "language": template.language,
        }

    def _check_econtract_source(self):
        """Hook: raise when the record cannot give a contract yet."""

    def action_create_econtract(self):
        """Draft the contract of this record from its template, and open it."""
        self.ensure_one()
        self._check_econtract_source()
        template = self._get_econtract_template()
        if not template:
            types = self.env["econtract.contract"]._fields["contract_type"]
            label = dict(types._description_selection(self.env)).get(self._econtract_type)
            raise UserError(
                _("No published template for %(type)s contracts is available to you.", type=label)
            )
        contract = self.env["econtract.contract"].create(self._prepare_econtract_vals(template))
        contract.action_apply_template()
        return {
            "type": "ir.actions.act_window",
            "res_model": "econtract.contract",
            "res_id": contract.id,
            "view_mode": "form",
        }

    def action_view_econtracts(self):
        self.ensure_one()
        contracts = self.env["econtract.contract"].search(
            [(self._econtract_link_field, "=", self.id)]
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "econtract_base.econtract_contract_action"
        )
        action["domain"] = [("id", "in", contracts.ids)]
        action["context"] = {}
        if len(contracts) == 1:
            action.update(view_mode="form", views=[(False, "form")], res_id=contracts.id)
        return action
