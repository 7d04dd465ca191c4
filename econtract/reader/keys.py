"""Odoo API keys, checked as Odoo checks them, once per key and process.

Odoo stores a key as passlib's ``pbkdf2_sha512`` hash (``$pbkdf2-sha512$ROUNDS$SALT$SUM``,
base64 with ``.`` for ``+`` and no padding), found by the key's first eight characters (its
public index). Checking one costs thousands of SHA-512 rounds: far too much per request at
a thousand a second, and pointless, as the key is random. So a key that passed is kept, by
its SHA-256, with the row it matched; each answer's statement re-reads that row (see
`econtract.reader.status`), so that revoking the key, letting it expire or deactivating its
user takes effect at the next request. A key that failed is kept too, for a while, so that
a client retrying a bad key costs one check, not one per request; those go to Odoo, which
answers, throttles and logs them.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import re
import time
from collections import OrderedDict
from dataclasses import dataclass

from .db import Database

INDEX_SIZE = 8  # Odoo's INDEX_SIZE: the key's public first characters
MAX_KEY_LENGTH = 128  # Odoo's keys are 40 characters; the gate refuses longer tokens
SCHEME = "pbkdf2-sha512"
MAX_ROUNDS = 1_000_000  # a hash asking for more is not one Odoo wrote
ROUNDS = re.compile(r"[1-9][0-9]{0,6}")  # ASCII, no leading zero: as passlib writes them
CHECKSUM_SIZE = 64  # SHA-512's
CHECKS_PER_SECOND, CHECKS_BURST = 5.0, 20

# The rows Odoo's res.users.apikeys._check_credentials(scope="rpc") would try.
CANDIDATES = """
SELECT k.id, k.user_id, u.company_id, k.key
FROM res_users_apikeys k JOIN res_users u ON u.id = k.user_id
WHERE u.active AND k.index = %(index)s AND (k.scope IS NULL OR k.scope = 'rpc')
  AND (k.expiration_date IS NULL OR k.expiration_date >= now() AT TIME ZONE 'utc')
"""


def _ab64(text: str) -> bytes:
    return base64.b64decode(text.replace(".", "+") + "=" * (-len(text) % 4), validate=True)


def verify_pbkdf2_sha512(key: str, hashed: str) -> bool:
    """Whether ``key`` matches passlib's ``pbkdf2_sha512`` hash ``hashed`` (as Odoo's
    ``KEY_CRYPT_CONTEXT.verify``); a hash of another form matches nothing."""
    parts = hashed.split("$")
    if len(parts) != 5 or parts[0] or parts[1] != SCHEME or not ROUNDS.fullmatch(parts[2]):
        return False
    rounds = int(parts[2])
    if rounds > MAX_ROUNDS:
        return False
    try:
        salt, checksum = _ab64(parts[3]), _ab64(parts[4])
    except (binascii.Error, ValueError):
        return False
    if len(checksum) != CHECKSUM_SIZE:
        return False
    derived = hashlib.pbkdf2_hmac("sha512", key.encode(), salt, rounds)
    return hmac.compare_digest(derived, checksum)


@dataclass(frozen=True)
class Grant:
    """A key that passed: the row it matched, which each answer re-reads."""

    key_id: int
    key_hash: str
    user_id: int
    company_id: int | None
    key_index: str

    @property
    def bucket(self) -> str:
        """The rate row Odoo's gate counts this key in."""
        return f"{self.user_id}:{self.key_index}"


class KeyCache:
    """Keys checked so far, by the SHA-256 of the token: a bounded LRU of both verdicts."""

    def __init__(
        self, db: Database, *, size: int = 10_000, ttl: float = 300.0, refused_ttl: float = 60.0
    ) -> None:
        self.db, self.size, self.ttl, self.refused_ttl = db, size, ttl, refused_ttl
        # Apart: a flood of made-up tokens must not push the real keys out.
        self._granted: OrderedDict[bytes, tuple[float, Grant | None]] = OrderedDict()
        self._refused: OrderedDict[bytes, tuple[float, Grant | None]] = OrderedDict()
        # Per address, the theoretical arrival time of its next check (GCRA).
        self._checks: OrderedDict[str, float] = OrderedDict()

    def _may_check(self, caller: str, now: float) -> bool:
        """At most `CHECKS_PER_SECOND` new tokens checked per address, `CHECKS_BURST` at once:
        a PBKDF2 check is the dearest thing a caller can make the service do."""
        interval = 1.0 / CHECKS_PER_SECOND
        tat = max(self._checks.get(caller, now), now)
        if tat - now > interval * (CHECKS_BURST - 1):
            return False
        self._checks[caller] = tat + interval
        self._checks.move_to_end(caller)
        while len(self._checks) > self.size:
            self._checks.popitem(last=False)
        return True

    async def grant(self, token: str, caller: str = "") -> Grant | None:
        """The grant of ``token``, or None when it is no key of an active user, or when
        ``caller`` (an address) has had more than its share of new tokens checked: those
        go to Odoo, which throttles by address."""
        if not token or len(token) > MAX_KEY_LENGTH:
            return None
        digest = hashlib.sha256(token.encode()).digest()
        now = time.monotonic()
        for seen in (self._granted, self._refused):
            known = seen.get(digest)
            if known is not None and known[0] > now:
                seen.move_to_end(digest)
                return known[1]
        if not self._may_check(caller, now):
            return None
        grant = await self._check(token)
        seen = self._granted if grant else self._refused
        seen[digest] = (now + (self.ttl if grant else self.refused_ttl), grant)
        seen.move_to_end(digest)
        while len(seen) > self.size:
            seen.popitem(last=False)
        return grant

    def forget(self, token: str) -> None:
        """Drop what is known of ``token`` (its row changed): the next use checks it anew."""
        digest = hashlib.sha256(token.encode()).digest()
        self._granted.pop(digest, None)
        self._refused.pop(digest, None)

    async def _check(self, token: str) -> Grant | None:
        index = token[:INDEX_SIZE]
        for key_id, user_id, company_id, hashed in await self.db.fetchall(
            CANDIDATES, {"index": index}
        ):
            # In a thread: thousands of SHA-512 rounds would stall every other request.
            if await asyncio.to_thread(verify_pbkdf2_sha512, token, hashed):
                return Grant(key_id, hashed, user_id, company_id, index)
        return None
