"""Deny by default: what callers may create, write and delete, per state of the record.

Every field of a model a user can read is reachable over XML-RPC and JSON-RPC, so the views'
``readonly`` protects nothing. A model that inherits `econtract.guard.mixin` lists, per state,
the few fields a caller may write; everything else — states, links between records, hashes,
identity proofs, document pointers, and any field added later — is written only by the
model's own engine methods, inside `engine()`.

`engine()` is a Python context variable, not an Odoo context key: nothing a caller sends
(context, values, arguments) can switch it on, and it lasts exactly as long as the engine
method that entered it.
"""

import contextvars
from contextlib import contextmanager

from odoo import api, models, tools
from odoo.exceptions import AccessError
from odoo.tools import SQL
from odoo.tools.misc import clean_context

_ENGINE = contextvars.ContextVar("econtract_engine", default=False)

#: Fields of Odoo's own mixins, governed by their own access rules (followers, messages,
#: activities): writing them changes nothing a contract's parties agreed to.
FRAMEWORK_MIXINS = ("mail.thread", "mail.activity.mixin", "mail.thread.main.attachment")


@contextmanager
def engine():
    """Let the enclosed code write what callers may not (states, links, hashes, proofs).

    Engine methods enter it after checking their own preconditions and who calls them.
    """
    token = _ENGINE.set(True)
    try:
        yield
    finally:
        _ENGINE.reset(token)


def in_engine():
    """Whether the current code runs inside `engine()`."""
    return _ENGINE.get()


def clean(records):
    """``records`` without the caller's ``default_*`` context keys: what engine code creates
    with. A caller's defaults would otherwise reach records it may not write at all (a
    trail line's date, a task's escalation flag, a file's ``public``)."""
    # The whole context is replaced on purpose: keys are removed, which kwargs cannot do.
    return records.with_context(clean_context(records.env.context))  # pylint: disable=context-overridden


def lock_rows(records, *, nowait=False):
    """Lock the rows of ``records`` until the transaction ends: the one lock helper.

    Waiting (the default) serialises writers of the same records — the second continues
    once the first commits, and Odoo retries it on a serialisation failure; ``nowait``
    raises `psycopg2.errors.LockNotAvailable` at once instead, for callers that tell the
    user someone else is at it. The cache of the records is dropped afterwards, so what
    follows reads what the previous holder committed.
    """
    if not records:
        return
    query = SQL(
        "SELECT id FROM %s WHERE id IN %s FOR UPDATE%s",
        SQL.identifier(records._table),
        tuple(records.ids),
        SQL(" NOWAIT") if nowait else SQL(""),
    )
    records.env.cr.execute(query)
    records.invalidate_recordset()


class EcontractGuardMixin(models.AbstractModel):
    """Callers create, write and delete only what the model allows in the record's state.

    Configure with class attributes:

    - ``_guard_parent``: the many2one whose record's state governs this one (a clause
      follows its contract); it is fixed at creation, and the caller must be allowed to
      write that record;
    - ``_guard_create``: the fields a caller may give at creation;
    - ``_guard_create_states``: the (parent's) states in which a caller may create;
    - ``_guard_write``: ``{state: fields}`` a caller may write in each state;
    - ``_guard_unlink``: the states in which a caller may delete.

    Everything not listed is refused, whoever the caller is (``sudo`` included); engine
    methods write it inside `engine()`. Data files load inside `engine()` too, since they
    are the module's own (and not reachable over RPC); imports (``load``) are callers.
    """

    _name = "econtract.guard.mixin"
    _description = "Engine-Owned Fields"

    _guard_parent = None
    _guard_create = frozenset()
    _guard_create_states = frozenset({"draft"})
    _guard_write = {}
    _guard_unlink = frozenset()

    @api.model
    def _guard_creatable(self):
        """Fields a caller may give at creation; extensions add theirs with ``super()``."""
        return set(self._guard_create)

    @api.model
    def _guard_writable(self, state):
        """Fields a caller may write in ``state``; extensions add theirs with ``super()``."""
        return set(self._guard_write.get(state, ()))

    @api.model
    def _guard_states(self):
        return set(self._guard_write)

    def _engine_write(self, vals):
        """Write engine-owned fields: for the engine methods that checked their preconditions
        and who calls them."""
        with engine():
            return self.write(vals)

    def _guard_state(self):
        """The state that decides what callers may do with this record."""
        self.ensure_one()
        if self._guard_parent:
            return self[self._guard_parent]._guard_state()
        return self["state"] if "state" in self._fields else "draft"

    @api.model
    @tools.ormcache()
    def _guard_free_fields(self):
        """Fields of Odoo's own mixins, which their own rules govern. Asked on every create
        and write, so computed once per model and registry."""
        free = set()
        for mixin in FRAMEWORK_MIXINS:
            if mixin in self.env and mixin in self._inherit_module_names():
                free |= set(self.env[mixin]._fields) - set(models.MAGIC_COLUMNS)
        return frozenset(free - {"display_name"})

    @api.model
    def _inherit_module_names(self):
        """Every model name this model inherits from, transitively."""
        seen, todo = set(), [self._name]
        while todo:
            name = todo.pop()
            if name in seen or name not in self.env:
                continue
            seen.add(name)
            todo.extend(self.env.registry[name]._inherit or ())
        return seen

    @api.model
    def _guard_labels(self, names):
        env = self._guard_lang_env()
        return ", ".join(
            sorted(
                self._fields[name]._description_string(env) if name in self._fields else name
                for name in names
            )
        )

    @api.model
    def _guard_lang_env(self):
        """The environment refusals are worded in: the caller's language, also when an RPC
        call sends no context (as the sentences around the labels are)."""
        return self.with_context(lang=self.env.lang or self.env.user.lang).env

    @api.model
    def _guard_model_label(self):
        # sudo: the model's translated name, for the message; models are not secret.
        model = self._guard_lang_env()["ir.model"].sudo()._get(self._name)
        return model.name or self._description

    def _guard_state_label(self, state):
        field = self._fields.get("state")
        if field is None or self._guard_parent:
            return state
        return dict(field._description_selection(self._guard_lang_env())).get(state, state)

    @api.model
    def _guard_refuse(self, names, record=None, state=None):
        never = {
            name
            for name in names
            if not any(name in self._guard_writable(state) for state in self._guard_states())
        }
        sentences = []
        env = self._guard_lang_env()
        if never:
            sentences.append(
                env._(
                    "%(fields)s of %(model)s are set by its own actions only, never written "
                    "directly.",
                    fields=self._guard_labels(never),
                    model=self._guard_model_label(),
                )
            )
        if names - never:
            sentences.append(
                env._(
                    "%(record)s is %(state)s: %(fields)s can no longer be changed.",
                    record=record.display_name if record else self._guard_model_label(),
                    state=record._guard_state_label(state) if record else state,
                    fields=self._guard_labels(names - never),
                )
            )
        raise AccessError(" ".join(sentences))

    @api.model
    def _guard_check_create(self, vals):
        names = set(vals) - self._guard_free_fields()
        refused = names - self._guard_creatable()
        if refused:
            self._guard_refuse(refused)
        if self._guard_parent:
            comodel = self._fields[self._guard_parent].comodel_name
            parent = self.env[comodel].browse(vals.get(self._guard_parent)).exists()
            if parent:
                parent.check_access("write")
                state = parent._guard_state()
                if state not in self._guard_create_states:
                    raise AccessError(
                        self._guard_lang_env()._(
                            "%(record)s is %(state)s: nothing can be added to it any more.",
                            record=parent.display_name,
                            state=parent._guard_state_label(state),
                        )
                    )

    def _guard_check_write(self, vals):
        names = set(vals) - self._guard_free_fields()
        if not names:
            return
        for record in self:
            state = record._guard_state()
            refused = names - self._guard_writable(state)
            if refused:
                record._guard_refuse(refused, record, state)
            if record._guard_parent:
                record[record._guard_parent].check_access("write")

    def _guard_check_unlink(self):
        for record in self:
            state = record._guard_state()
            if state not in self._guard_unlink:
                raise AccessError(
                    self._guard_lang_env()._(
                        "%(record)s is %(state)s and cannot be deleted.",
                        record=record.display_name,
                        state=record._guard_state_label(state),
                    )
                )
            if record._guard_parent:
                record[record._guard_parent].check_access("write")

    @api.model
    def _guard_clean_defaults(self):
        """The environment without ``default_*`` keys for fields callers may not give: a
        default from the context is a value the caller chose."""
        context = self.env.context
        allowed = self._guard_creatable() | self._guard_free_fields()
        unwanted = [
            key
            for key in context
            if key.startswith("default_") and key[8:] in self._fields and key[8:] not in allowed
        ]
        if not unwanted:
            return self
        # The whole context is replaced on purpose: keys are removed, which kwargs cannot do.
        clean = {k: v for k, v in context.items() if k not in unwanted}
        return self.with_context(clean)  # pylint: disable=context-overridden

    @api.model
    def _guard_prepare_create_vals(self, vals):
        """Hook: add the values the engine gives every new record (a reference number),
        after the caller's own were checked."""
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        guarded = self
        if not in_engine():
            for vals in vals_list:
                self._guard_check_create(vals)
            guarded = self._guard_clean_defaults()
        vals_list = [guarded._guard_prepare_create_vals(dict(vals)) for vals in vals_list]
        return super(EcontractGuardMixin, guarded).create(vals_list)

    def write(self, vals):
        if not in_engine():
            self._guard_check_write(vals)
        return super().write(vals)

    def unlink(self):
        if not in_engine():
            self._guard_check_unlink()
        return super().unlink()

    def _load_records(self, data_list, update=False, ignore_duplicates=False):
        # The module's own data files (demo included); never reached over RPC but by
        # `load`, which an import calls and which stays a caller (below).
        if self.env.context.get("econtract_guard_importing") is not _IMPORTING:
            with engine():
                return super()._load_records(data_list, update, ignore_duplicates)
        return super()._load_records(data_list, update, ignore_duplicates)

    @api.model
    def load(self, fields, data):
        # An import is a caller: its rows are checked like any create or write.
        return super(
            EcontractGuardMixin, self.with_context(econtract_guard_importing=_IMPORTING)
        ).load(fields, data)


#: Marks an import in the context: an object no RPC caller can send (JSON has none).
_IMPORTING = object()
