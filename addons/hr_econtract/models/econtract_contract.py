from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class EcontractContract(models.Model):
    _inherit = "econtract.contract"

    department_id = fields.Many2one(
        "hr.department",
        check_company=True,
        index=True,
        tracking=True,
        help="The department the contract belongs to; its members can see it. By default the "
        "creator's department in the contract's company.",
    )
    in_my_department = fields.Boolean(
        compute="_compute_in_my_department", search="_search_in_my_department"
    )

    @api.model
    def _guard_creatable(self):
        return super()._guard_creatable() | {"department_id"}

    @api.model
    def _guard_writable(self, state):
        writable = super()._guard_writable(state)
        return writable | {"department_id"} if state == "draft" else writable

    @api.model
    def _guard_prepare_create_vals(self, vals):
        if "department_id" not in vals and "default_department_id" not in self.env.context:
            company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
            vals["department_id"] = self._default_department_id(company).id
        return super()._guard_prepare_create_vals(vals)

    @api.model
    def _default_department_id(self, company):
        """The creator's department in the company the contract is drafted for — not the
        active company's: a contract drafted from another company's purchase order belongs
        to that company. A user may be an employee of several companies (or of none of the
        contract's), so only the employee record of that company says where it belongs.
        """
        employees = self.env.user.employee_ids
        return employees.filtered(lambda e: e.company_id == company)[:1].department_id

    @api.depends("department_id")
    @api.depends_context("uid")
    def _compute_in_my_department(self):
        departments = self.env.user.employee_ids.department_id
        for contract in self:
            contract.in_my_department = contract.department_id in departments

    def _search_in_my_department(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(_("Unsupported search on department membership."))
        departments = self.env.user.employee_ids.department_id.ids
        positive = (operator == "=") == value
        return [("department_id", "in" if positive else "not in", departments)]

    # Approval ---------------------------------------------------------------------------

    def _approval_policy_matches(self, policy):
        if policy.department_ids and not (
            self.department_id
            and self.department_id.parent_path
            and any(
                self.department_id.parent_path.startswith(department.parent_path)
                for department in policy.department_ids
            )
        ):
            return False
        return super()._approval_policy_matches(policy)

    def _approval_describe(self):
        description = super()._approval_describe()
        if self.department_id:
            description += ", " + _("department %(name)s", name=self.department_id.name)
        return description

    def _approval_resolve_approvers(self, step):
        """The owner's manager from the employee hierarchy, or the department's manager."""
        # sudo: who manages whom is needed to route the approval, not shown to the submitter.
        if step.approver_type == "manager":
            employee = self.sudo().user_id.employee_ids.filtered(
                lambda e: e.company_id == self.company_id
            )[:1]
            return employee.parent_id.user_id
        if step.approver_type == "department_manager":
            return self.sudo().department_id.manager_id.user_id
        return super()._approval_resolve_approvers(step)
