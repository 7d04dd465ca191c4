from odoo import api, fields, models
from odoo.tools import SQL, config

# What the read service reads, by the name its statement gives each.
SCOPED_MODELS = {
    "contract": "econtract.contract",
    "document": "econtract.contract.document",
    "sign_request": "econtract.sign.request",
    "signer": "econtract.signer",
}
# Odoo's caches that hold what a scope is made of: record rules and access rights (the
# default cache), group membership (groups), the API's endpoint (routing: disabling it
# stops the service too), and the models themselves (the registry).
SIGNAL_CACHES = ("default", "groups", "routing")
# Rewritten when older than this, so that the service (which takes scopes for at most
# five minutes, see econtract.reader.status) finds a fresh one.
REFRESH_SECONDS = 60
DENIED = "(SELECT 1 WHERE FALSE)"


class EcontractApiScope(models.Model):
    """One user's record rules, as the read service (``econtract reader``) applies them.

    For each model a status read touches, the query of the ids the user may read, compiled
    by the ORM itself (access rights, record rules, company scoping, archived records) with
    its values bound in, so that the service runs exactly what Odoo would. A scope is only
    good while Odoo's own cached rules are: it carries the cache signals of the worker that
    compiled it, and the service uses it only while PostgreSQL still shows those signals.
    Any change to a rule, a group, a user's groups or companies, or a module moves them.

    No access rights: only Odoo's status route writes scopes, and only the service reads them.
    """

    _name = "econtract.api.scope"
    _description = "API Read Scope"
    _log_access = False

    user_id = fields.Many2one("res.users", required=True, readonly=True, ondelete="cascade")
    signals = fields.Char(
        required=True, readonly=True, help="Odoo's registry and cache signals it was made under."
    )
    statements = fields.Json(readonly=True, help="For each model, the query of readable ids.")
    compiled_at = fields.Datetime(required=True, readonly=True)

    _sql_constraints = [("user_uniq", "unique(user_id)", "One scope per user.")]

    @api.model
    def _signals(self):
        """The signals this worker's caches stand for: ``registry:default:groups:routing``,
        or None when they cannot be pinned to this request's snapshot.

        A prefork worker checks the signals before the request's transaction starts and is
        alone to fill its caches, so its figures stand for what it reads. In a threaded
        server, another thread may move the shared figures on while this request still
        reads an older snapshot: no scope is kept there, and the service forwards."""
        registry = self.env.registry
        if registry.in_test_mode():
            # A registry in test mode does not follow the signals: the database's stand in.
            sequence, caches = registry.get_sequences(self.env.cr)
        elif config["workers"]:
            sequence, caches = registry.registry_sequence, registry.cache_sequences
        else:
            return None
        return ":".join(str(part) for part in (sequence, *(caches[n] for n in SIGNAL_CACHES)))

    @api.model
    def _compile(self, user_env):
        """The queries of the ids ``user_env``'s user may read, one per scoped model."""
        statements = {}
        access = user_env["ir.model.access"]
        for name, model in SCOPED_MODELS.items():
            if not access.check(model, "read", raise_exception=False):
                statements[name] = DENIED
                continue
            subquery = user_env[model]._search([]).subselect()
            statements[name] = self.env.cr.mogrify(subquery.code, subquery.params).decode()
        return statements

    @api.model
    def _keep(self, user_env):
        """Make sure the service has ``user_env``'s user's scope as this worker sees it.

        Written in the request's transaction: the scope appears when the request commits,
        with the rules it read. Two first requests of one user may conflict on the row;
        Odoo runs the loser again, which finds the scope there.
        """
        if user_env.su:
            return
        signals = self._signals()
        if signals is None:
            return
        statements = self._compile(user_env)
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO econtract_api_scope AS scope
                    (user_id, signals, statements, compiled_at)
                VALUES (%(user)s, %(signals)s, %(statements)s, now() AT TIME ZONE 'utc')
                ON CONFLICT (user_id) DO UPDATE
                    SET signals = EXCLUDED.signals, statements = EXCLUDED.statements,
                        compiled_at = EXCLUDED.compiled_at
                    WHERE scope.signals IS DISTINCT FROM EXCLUDED.signals
                       OR scope.statements IS DISTINCT FROM EXCLUDED.statements
                       OR scope.compiled_at < EXCLUDED.compiled_at - %(refresh)s * interval '1s'
                """,
                user=user_env.uid,
                refresh=REFRESH_SECONDS,
                signals=signals,
                statements=fields.Json().convert_to_column(statements, self),
            )
        )
