import datetime
import re

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import html2plaintext

from econtract.errors import TemplateError
from econtract.templating import find_placeholders

from .econtract_contract import CONTRACT_TYPES, LANGUAGES
from .econtract_guard_mixin import engine, in_engine

VARIABLE_TYPES = [
    ("text", "Text"),
    ("date", "Date"),
    ("amount", "Amount"),
    ("partner", "Party"),
    ("percentage", "Percentage"),
    ("table", "Table"),
]
VARIABLE_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")


def check_placeholders(env, html, where):
    """The placeholders of ``html``; a malformed one is a `ValidationError` naming ``where``."""
    try:
        return find_placeholders(html or "")
    except TemplateError as exc:
        raise ValidationError(env._("%(where)s: %(error)s", where=where, error=exc)) from exc


class EcontractTemplate(models.Model):
    _name = "econtract.template"
    _description = "Contract Template"
    _inherit = ["mail.thread"]
    _order = "sequence, name, id"

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    contract_type = fields.Selection(CONTRACT_TYPES, string="Type", required=True, tracking=True)
    language = fields.Selection(LANGUAGES, required=True, default="zh_CN", tracking=True)
    description = fields.Text()
    company_id = fields.Many2one(
        "res.company", index=True, help="Leave empty to offer the template to all companies."
    )
    user_group_ids = fields.Many2many(
        "res.groups",
        "econtract_template_user_group_rel",
        string="Who May Use",
        help="Only members of these groups may draft contracts from this template; "
        "empty means every contract user.",
    )
    editor_group_ids = fields.Many2many(
        "res.groups",
        "econtract_template_editor_group_rel",
        string="Who May Edit",
        help="Members of these groups may change the template; contract administrators always may.",
    )
    version_ids = fields.One2many("econtract.template.version", "template_id", string="Versions")
    current_version_id = fields.Many2one(
        "econtract.template.version",
        string="Published Version",
        compute="_compute_current_version_id",
        store=True,
    )

    @api.depends("version_ids.state", "version_ids.version")
    def _compute_current_version_id(self):
        for template in self:
            published = template.version_ids.filtered(lambda v: v.state == "published")
            template.current_version_id = published.sorted("version")[-1:]

    def action_new_version(self):
        """Open the draft version, making one from the latest version if there is none."""
        self.ensure_one()
        draft = self.version_ids.filtered(lambda v: v.state == "draft")[:1]
        if not draft:
            latest = self.version_ids.sorted("version")[-1:]
            if latest:
                latest.check_access("read")
                self.check_access("write")
                with engine():  # a new draft takes the published text, clause pins included
                    draft = latest.copy({"version": latest.version + 1, "state": "draft"})
            else:
                draft = self.env["econtract.template.version"].create(
                    {"template_id": self.id, "version": 1}
                )
        return {
            "type": "ir.actions.act_window",
            "res_model": "econtract.template.version",
            "res_id": draft.id,
            "view_mode": "form",
            "target": "current",
        }


class EcontractTemplateVersion(models.Model):
    """The content of a template: editable while draft, frozen once published."""

    _name = "econtract.template.version"
    _description = "Contract Template Version"
    _inherit = ["mail.thread", "econtract.guard.mixin"]
    _order = "template_id, version desc"
    # Publishing is `action_publish`'s; a published version never changes again.
    _guard_create = frozenset({"template_id", "version", "line_ids", "variable_ids"})
    _guard_write = {
        "draft": frozenset({"version", "line_ids", "variable_ids"}),
        "published": frozenset(),
    }
    _guard_unlink = frozenset({"draft"})

    template_id = fields.Many2one(
        "econtract.template", required=True, ondelete="cascade", index=True
    )
    version = fields.Integer(required=True, default=1, copy=False)
    state = fields.Selection(
        [("draft", "Draft"), ("published", "Published")],
        string="Status",
        default="draft",
        required=True,
        copy=False,
        tracking=True,
    )
    language = fields.Selection(related="template_id.language")
    contract_type = fields.Selection(related="template_id.contract_type")
    line_ids = fields.One2many("econtract.template.line", "version_id", copy=True)
    variable_ids = fields.One2many("econtract.template.variable", "version_id", copy=True)
    date_published = fields.Datetime(readonly=True, copy=False)

    _sql_constraints = [
        ("version_uniq", "unique(template_id, version)", "A template version number is unique."),
    ]

    @api.depends("template_id.name", "version")
    def _compute_display_name(self):
        for version in self:
            version.display_name = f"{version.template_id.name} v{version.version}"

    def _check_draft(self):
        published = self.filtered(lambda v: v.state == "published")
        if published:
            raise UserError(
                _(
                    "%(version)s is published and cannot change: create a new version instead.",
                    version=published[0].display_name,
                )
            )

    def write(self, vals):
        if set(vals) - {"state", "date_published", "message_main_attachment_id"}:
            self._check_draft()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_published(self):
        self._check_draft()

    def action_publish(self):
        for version in self:
            version._check_draft()
            version._check_complete()
        self.check_access("write")
        with engine():
            self.write({"state": "published", "date_published": fields.Datetime.now()})
        return True

    def _check_complete(self):
        """A publishable version has content, and declares every variable its text uses."""
        self.ensure_one()
        if not self.line_ids:
            raise UserError(_("%(version)s has no clauses.", version=self.display_name))
        declared = set(self.variable_ids.mapped("name"))
        used = {
            placeholder.name
            for line in self.line_ids
            for placeholder in check_placeholders(self.env, line.body, line.title)
        }
        undeclared = sorted(used - declared)
        if undeclared:
            raise UserError(
                _(
                    "%(version)s uses variables it does not declare: %(names)s.",
                    version=self.display_name,
                    names=", ".join(undeclared),
                )
            )


class EcontractTemplateLine(models.Model):
    """A clause or free text at its place in a template version."""

    _name = "econtract.template.line"
    _inherit = ["econtract.guard.mixin"]
    _description = "Contract Template Line"
    _order = "version_id, sequence, id"
    _guard_parent = "version_id"
    _guard_create = frozenset({"version_id", "sequence", "clause_id", "title", "body"})
    _guard_write = {"draft": frozenset({"sequence", "clause_id", "title", "body"})}
    _guard_unlink = frozenset({"draft"})

    version_id = fields.Many2one(
        "econtract.template.version", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    clause_id = fields.Many2one(
        "econtract.clause",
        ondelete="restrict",
        help="A clause from the library; leave empty for free text written here.",
    )
    clause_version_id = fields.Many2one(
        "econtract.clause.version",
        string="Clause Version",
        readonly=True,
        ondelete="restrict",
        help="The version of the clause this template uses, fixed when the clause is chosen.",
    )
    title = fields.Char(string="Clause Title", required=True)
    body = fields.Html(required=True)
    preview = fields.Text(compute="_compute_preview")

    @api.depends("body")
    def _compute_preview(self):
        for line in self:
            line.preview = html2plaintext(line.body or "")[:200]

    @api.onchange("clause_id")
    def _onchange_clause_id(self):
        if self.clause_id:
            self.title = self.clause_id.name
            self.body = self.clause_id.body

    @api.constrains("body")
    def _check_body(self):
        for line in self:
            check_placeholders(self.env, line.body, line.title)

    @api.model_create_multi
    def create(self, vals_list):
        versions = self.env["econtract.template.version"].browse(
            [vals["version_id"] for vals in vals_list if vals.get("version_id")]
        )
        versions._check_draft()
        return super().create(vals_list)

    @api.model
    def _guard_prepare_create_vals(self, vals):
        return super()._guard_prepare_create_vals(self._pin_clause(vals))

    def write(self, vals):
        self.version_id._check_draft()
        if not in_engine():
            self._guard_check_write(vals)
        with engine():  # the pin of the clause chosen (checked above) is the engine's
            return super().write(self._pin_clause(vals))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_published(self):
        self.version_id._check_draft()

    def _pin_clause(self, vals):
        """A line taking a library clause takes its current title, text and version."""
        if vals.get("clause_id"):
            clause = self.env["econtract.clause"].browse(vals["clause_id"])
            version = clause.current_version_id
            vals = {
                "title": version.name,
                "body": version.body,
                **vals,
                "clause_version_id": version.id,
            }
        return vals


class EcontractTemplateVariable(models.Model):
    """A value a template needs, where it comes from in the source record, and its default."""

    _name = "econtract.template.variable"
    _inherit = ["econtract.guard.mixin"]
    _description = "Contract Template Variable"
    _order = "version_id, sequence, id"
    _guard_parent = "version_id"
    _guard_write = {
        "draft": frozenset(
            {
                "sequence",
                "name",
                "label",
                "var_type",
                "required",
                "path",
                "default_value",
                "table_columns",
            }
        )
    }
    _guard_create = _guard_write["draft"] | {"version_id"}
    _guard_unlink = frozenset({"draft"})

    version_id = fields.Many2one(
        "econtract.template.version", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(
        required=True, help="Written {{ name }} in the text: lowercase letters, digits and _."
    )
    label = fields.Char(required=True)
    var_type = fields.Selection(VARIABLE_TYPES, string="Type", required=True, default="text")
    required = fields.Boolean(default=True)
    path = fields.Char(
        string="Source Field",
        help="Where the value comes from in the source record, as field names joined by "
        "dots, e.g. partner_id or order_line. Empty for values entered by hand.",
    )
    default_value = fields.Char(
        string="Default", help="Used when the source record gives no value."
    )
    table_columns = fields.Char(
        help="For tables: the columns as field:title pairs separated by semicolons, "
        "e.g. product_id:品名;product_qty:数量;price_unit:单价."
    )

    _sql_constraints = [
        ("name_uniq", "unique(version_id, name)", "A variable name is used once per version."),
    ]

    @api.constrains("name")
    def _check_name(self):
        for variable in self:
            if not VARIABLE_NAME.fullmatch(variable.name or ""):
                raise ValidationError(
                    _(
                        "Variable name %(name)s: use lowercase letters, digits and _, "
                        "starting with a letter.",
                        name=variable.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        versions = self.env["econtract.template.version"].browse(
            [vals["version_id"] for vals in vals_list if vals.get("version_id")]
        )
        versions._check_draft()
        return super().create(vals_list)

    def write(self, vals):
        self.version_id._check_draft()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_published(self):
        self.version_id._check_draft()

    # ------------------------------------------------------------------ values

    def _resolve(self, record, path):
        """Follow ``path`` (field names joined by dots) from ``record``.

        Only fields are followed — never methods or private attributes — and with the
        current user's access rights, so a template cannot reach further than its user.
        """
        value = record
        for name in path.split("."):
            if not isinstance(value, models.BaseModel):
                raise UserError(
                    _("%(path)s: %(name)s follows a value, not a record.", path=path, name=name)
                )
            if name.startswith("_") or name not in value._fields:
                raise UserError(
                    _(
                        "Variable %(variable)s: %(model)s has no field %(name)s.",
                        variable=self.name,
                        model=value._name,
                        name=name,
                    )
                )
            field = value._fields[name]
            value = value.mapped(name) if len(value) > 1 else value[name]
            if field.type == "selection" and value:
                value = dict(field._description_selection(self.env)).get(value, value)
        return value

    def _table_from(self, records):
        columns = []
        for spec in (self.table_columns or "").split(";"):
            path, _sep, title = spec.partition(":")
            if path.strip():
                columns.append((path.strip(), title.strip() or path.strip()))
        rows = [
            [self._cell(self._resolve(record, path)) for path, _title in columns]
            for record in records
        ]
        return {"columns": [title for _path, title in columns], "rows": rows}

    @staticmethod
    def _cell(value):
        if isinstance(value, models.BaseModel):
            return ", ".join(value.mapped("display_name"))
        if isinstance(value, float):
            return f"{value:,.2f}"
        if value is False or value is None:
            return ""
        return str(value)

    def _value_vals(self, value):
        """The contract variable fields holding ``value`` (read from the source record)."""
        kind = self.var_type
        if value is False or value is None or (isinstance(value, models.BaseModel) and not value):
            return {}
        if kind == "table":
            if not isinstance(value, models.BaseModel):
                raise UserError(_("Variable %(name)s: a table needs records.", name=self.name))
            return {"value_table": self._table_from(value)}
        if kind == "partner":
            if not isinstance(value, models.BaseModel) or value._name != "res.partner":
                raise UserError(_("Variable %(name)s: a party needs a contact.", name=self.name))
            return {"value_partner_id": value[:1].id}
        if kind == "date":
            if isinstance(value, datetime.datetime):
                value = value.date()
            return {"value_date": value}
        if kind == "amount":
            return {"value_amount": float(value)}
        if kind == "percentage":
            return {"value_percent": float(value)}
        return {"value_text": self._cell(value)}

    def _default_vals(self):
        """The contract variable fields holding the default value written in the template."""
        text = (self.default_value or "").strip()
        if not text:
            return {}
        try:
            if self.var_type == "date":
                return {"value_date": fields.Date.to_date(text)}
            if self.var_type == "amount":
                return {"value_amount": float(text)}
            if self.var_type == "percentage":
                return {"value_percent": float(text.rstrip("%"))}
        except ValueError as exc:
            raise UserError(
                _("Variable %(name)s: default %(value)s is not valid.", name=self.name, value=text)
            ) from exc
        return {"value_text": text} if self.var_type == "text" else {}

    def _prepare_contract_value_vals(self, source):
        """Values of a contract variable for this template variable, read from ``source``."""
        self.ensure_one()
        vals = {
            "sequence": self.sequence,
            "name": self.name,
            "label": self.label,
            "var_type": self.var_type,
            "required": self.required,
        }
        found = self._value_vals(self._resolve(source, self.path)) if self.path else {}
        return {**vals, **(found or self._default_vals())}
