"""The read service: contract status reads from PostgreSQL, as Odoo would answer them.

Odoo's request cycle tops out at a few hundred requests a second on two cores (its own
``/web/webclient/version_info`` included), while partners poll contract status at
thousands. This service answers ``GET /api/v1/contracts/{id}/status`` from PostgreSQL
without an Odoo worker, and forwards every other request, and every status read it cannot
answer exactly as Odoo would, to Odoo itself. So it is never more permissive than Odoo,
never worded differently, and a client needs one address.

What it takes from Odoo, and how it stays true to it:

- **the key**: Odoo's own ``res.users.apikeys``; a key is checked once (PBKDF2, as Odoo
  does) and remembered by its SHA-256, and every answer's query re-reads the key's row, so
  a revoked or expired key, or a deactivated user, stops at the next request (`keys`);
- **the scope**: Odoo's record rules and access rights for the key's user, compiled by the
  ORM into SQL (``econtract.api.scope``) and valid while Odoo's cache signals stand, which
  the same query reads; any change to a rule, group or user moves them (`status`);
- **the rate**: tokens leased in small batches from the same per-key rows Odoo's gate
  counts in (`rates`), so the limit holds across Odoo, this service and its workers;
- **the log**: every answer is written to Odoo's operation log, in batches (`calls`).

Whatever it cannot decide (an unknown key, a stale scope, an id the user may not read, a
spent rate) it hands to Odoo, which answers, words, throttles and logs it as ever.
"""

from .app import ReadService, from_environ

__all__ = ["ReadService", "from_environ"]
