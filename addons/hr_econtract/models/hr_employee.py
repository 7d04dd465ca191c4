from odoo import api, models

# What the department rules of contracts read (user.employee_ids.department_id).
RULE_FIELDS = frozenset({"department_id", "user_id", "active", "company_id"})


class HrEmployee(models.Model):
    """Who works in which department decides which contracts a user sees; Odoo keeps each
    user's rule domains cached until a cache signal, which a change of employee does not
    give by itself. So it gives one: a user moved to another department stops seeing the
    old one's contracts at once, in every worker and in the API's read service."""

    _inherit = "hr.employee"

    @api.model_create_multi
    def create(self, vals_list):
        employees = super().create(vals_list)
        if employees.user_id:
            self.env.registry.clear_cache()
        return employees

    def write(self, vals):
        if not RULE_FIELDS.intersection(vals):
            return super().write(vals)
        linked = self.user_id
        result = super().write(vals)
        if linked or self.user_id:
            self.env.registry.clear_cache()
        return result

    def unlink(self):
        linked = self.user_id
        result = super().unlink()
        if linked:
            self.env.registry.clear_cache()
        return result
