"""Per-key rate limits, counted in the rows Odoo's gate keeps (``econtract_api_rate``).

Odoo's gate runs the generic cell rate algorithm on one row per key: a request at ``now``
passes while ``max(tat, now) - now`` is within the burst tolerance and moves the
theoretical arrival time (TAT) one interval on. Updating that row for every request would
make it the hottest row of the database, so the service leases tokens: one statement moves
the TAT ``n`` intervals at once, as ``n`` requests arriving now would, and the process spends
them locally for at most `LEASE_SECONDS`; tokens left then are dropped. Each lease is
counted as if spent at once, so the limit is never looser than the gate's, only a little
stricter at its edge. Odoo's parameters (``econtract_api.rate_per_minute`` and
``econtract_api.rate_burst``) are read again every `PARAMETERS_SECONDS`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .db import Database

LEASE = 16
LEASE_SECONDS = 1.0
PARAMETERS_SECONDS = 10.0
DEFAULT_PER_MINUTE, DEFAULT_BURST = 6000, 200  # as econtract_api's rate model

PARAMETERS = """
SELECT key, value FROM ir_config_parameter
WHERE key IN ('econtract_api.rate_per_minute', 'econtract_api.rate_burst')
"""
TAKE = """
INSERT INTO econtract_api_rate AS rate (bucket, tat)
VALUES (%(bucket)s, %(now)s + %(n)s * %(interval)s)
ON CONFLICT (bucket) DO UPDATE
    SET tat = GREATEST(rate.tat, %(now)s) + %(n)s * %(interval)s
    WHERE GREATEST(rate.tat, %(now)s) + (%(n)s - 1) * %(interval)s - %(now)s <= %(tolerance)s
RETURNING tat
"""


def _positive(value: object, default: int) -> int:
    try:
        return max(int(str(value)), 1)
    except ValueError:
        return default


@dataclass
class _Lease:
    tokens: int
    until: float


class RateLeases:
    """Tokens of each key's rate, leased from PostgreSQL (see the module's docstring)."""

    def __init__(self, db: Database, *, rows: Database | None = None, lease: int = LEASE) -> None:
        # The parameters are read from ``db``, the rows written through ``rows`` (by default
        # the same): Odoo's gate updates them on a connection of its own, committed at once.
        self.db, self.rows, self.lease = db, rows or db, lease
        self._leases: dict[str, _Lease] = {}
        self._limits: tuple[int, int] = (DEFAULT_PER_MINUTE, DEFAULT_BURST)
        self._limits_until = 0.0

    async def take(self, bucket: str) -> bool:
        """Whether one more request of ``bucket`` may be answered now."""
        now = time.monotonic()
        lease = self._leases.get(bucket)
        if lease is None or lease.until <= now or not lease.tokens:
            granted = await self._lease(bucket)
            if not granted:
                self._leases.pop(bucket, None)
                return False
            lease = self._leases[bucket] = _Lease(granted, now + LEASE_SECONDS)
        lease.tokens -= 1
        return True

    async def limits(self) -> tuple[int, int]:
        """(requests per minute, burst), as Odoo's gate reads them."""
        if time.monotonic() >= self._limits_until:
            values: dict[str, str] = dict(await self.db.fetchall(PARAMETERS, {}))
            self._limits = (
                _positive(values.get("econtract_api.rate_per_minute"), DEFAULT_PER_MINUTE),
                _positive(values.get("econtract_api.rate_burst"), DEFAULT_BURST),
            )
            self._limits_until = time.monotonic() + PARAMETERS_SECONDS
        return self._limits

    async def _lease(self, bucket: str) -> int:
        """Tokens taken for ``bucket``: a batch, else the last one left, else none."""
        per_minute, burst = await self.limits()
        interval = 60.0 / per_minute
        for n in dict.fromkeys((min(self.lease, burst), 1)):
            row = await self.rows.fetchone(
                TAKE,
                {
                    "bucket": bucket,
                    "now": time.time(),
                    "n": n,
                    "interval": interval,
                    "tolerance": interval * (burst - 1),
                },
            )
            if row is not None:
                return n
        return 0
