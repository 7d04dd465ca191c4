"""The status read in one statement: the key's row, Odoo's signals, the contract.

Odoo's route (``GET /api/v1/contracts/{id}/status`` in ``econtract_api``) is the reference;
this statement gives the same document, in the key's user's scope: each model it reads is
filtered by that user's query of readable ids, as compiled by Odoo (``econtract.api.scope``).
The statement also re-reads the key's row and Odoo's cache signals, in the same snapshot,
so the service answers only while the key stands and the scope it used is current.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from .db import Database

# The names of the statement's scopes, as econtract.api.scope compiles them.
SCOPES = ("contract", "document", "sign_request", "signer")
SCOPE_SECONDS = 30.0  # how long a scope read from the table is trusted before re-reading it
# The longest a scope serves after Odoo compiled it: what no signal tells (a rule reading an
# employee's department, which Odoo caches as long) is caught up with this late at most.
SCOPE_MAX_AGE = 300.0

SCOPE = """
SELECT signals, statements::text,
       extract(epoch FROM (now() AT TIME ZONE 'utc') - compiled_at)::float
FROM econtract_api_scope WHERE user_id = %(user_id)s
"""
SIGNALS = """
(SELECT r.last_value || ':' || d.last_value || ':' || g.last_value || ':' || t.last_value
 FROM base_registry_signaling r, base_cache_signaling_default d,
      base_cache_signaling_groups g, base_cache_signaling_routing t)
"""
UTC = """to_char(date_trunc('second', {0}), 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""
STATEMENT = """
SELECT
  (SELECT k.user_id FROM res_users_apikeys k JOIN res_users u ON u.id = k.user_id
   WHERE k.id = %(key_id)s AND k.key = %(key_hash)s AND u.active AND NOT u.share
     AND (k.scope IS NULL OR k.scope = 'rpc')
     AND (k.expiration_date IS NULL OR k.expiration_date >= now() AT TIME ZONE 'utc')),
  {signals},
  (SELECT json_build_object(
     'id', c.id,
     'reference', c.name,
     'state', c.state,
     'updated_at', {updated_at},
     'version', latest.version,
     'sha256', latest.sha256,
     'sign_requests', COALESCE((
       SELECT json_agg(json_build_object(
         'id', r.id,
         'state', r.state,
         'signers', COALESCE((
           SELECT json_agg(json_build_object(
             'id', s.id, 'order', s."order", 'state', s.state, 'signed_at', {signed_at}
           ) ORDER BY s."order", s.id)
           FROM econtract_signer s
           WHERE s.request_id = r.id AND s.id IN {signer}), '[]'::json)
       ) ORDER BY r.id)
       FROM econtract_sign_request r
       WHERE r.contract_id = c.id AND r.id IN {sign_request}), '[]'::json)
   )::text
   FROM econtract_contract c
   LEFT JOIN LATERAL (
     SELECT d.version, d.sha256 FROM econtract_contract_document d
     WHERE d.contract_id = c.id AND d.id IN {document}
     ORDER BY d.version DESC LIMIT 1
   ) latest ON true
   WHERE c.id = %(contract_id)s AND c.id IN {contract})
"""


class ScopeError(ValueError):
    """A scope row that is not what Odoo writes (a model missing, a statement not text)."""


def statement(statements: dict[str, str]) -> str:
    """The status statement for one user's scopes (``{name: subquery}``).

    The subqueries are Odoo's, with their values bound in; a ``%`` in them (a LIKE pattern)
    is doubled so that only the statement's own parameters are parameters.
    """
    missing = [name for name in SCOPES if not isinstance(statements.get(name), str)]
    if missing:
        raise ScopeError(f"the scope has no statement for {', '.join(missing)}")
    scopes = {name: statements[name].replace("%", "%%") for name in SCOPES}
    return STATEMENT.format(
        signals=SIGNALS,
        updated_at=UTC.format("c.write_date"),
        signed_at=UTC.format("s.signed_at"),
        **scopes,
    )


@dataclass(frozen=True)
class Scope:
    signals: str
    sql: str
    until: float


class ScopeCache:
    """Users' scopes as Odoo last wrote them, with their statements built."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._scopes: dict[int, Scope] = {}

    async def get(self, user_id: int) -> Scope | None:
        """The user's scope, or None when Odoo has written none (yet)."""
        scope = self._scopes.get(user_id)
        if scope is not None and scope.until > time.monotonic():
            return scope
        row = await self.db.fetchone(SCOPE, {"user_id": user_id})
        left = SCOPE_MAX_AGE - row[2] if row is not None else 0.0
        if row is None or left <= 0:
            self._scopes.pop(user_id, None)
            return None  # none yet, or too old: Odoo answers, and compiles it anew
        signals, statements, _age = row
        until = time.monotonic() + min(SCOPE_SECONDS, left)
        scope = Scope(signals, statement(json.loads(statements)), until)
        self._scopes[user_id] = scope
        return scope

    def forget(self, user_id: int) -> None:
        self._scopes.pop(user_id, None)
