import math
import time

from odoo import api, fields, models, sql_db
from odoo.tools import SQL

DEFAULT_PER_MINUTE = 6000
DEFAULT_BURST = 200
HEAVY_PER_MINUTE = 60  # PDF validations, evidence packages: per user
HEAVY_BURST = 10


class EcontractApiRate(models.Model):
    """Each API key's request rate, as the generic cell rate algorithm keeps it: one row
    per key with its theoretical arrival time (TAT).

    A request at ``now`` passes while ``max(tat, now) - now`` is within the burst, and moves
    the TAT one interval (a minute over the rate) on; else it is refused until the TAT has
    come back within the burst. One statement decides and updates, on a cursor of its own
    committed at once: every worker and server shares the count, a request that fails later
    is counted all the same, and no request waits on another's transaction.
    """

    _name = "econtract.api.rate"
    _description = "API Rate"
    _log_access = False

    bucket = fields.Char(required=True, readonly=True, index=True)
    tat = fields.Float(string="Theoretical Arrival Time", readonly=True)

    _sql_constraints = [("bucket_uniq", "unique(bucket)", "One rate per API key.")]

    @api.model
    def _limits(self, heavy=False):
        """(requests per minute, burst): a key's, or a user's for costly calls."""
        # sudo: the limits are configuration the caller may not read.
        parameters = self.env["ir.config_parameter"].sudo()
        if heavy:
            per_minute = parameters.get_param("econtract_api.heavy_per_minute") or HEAVY_PER_MINUTE
            burst = parameters.get_param("econtract_api.heavy_burst") or HEAVY_BURST
        else:
            per_minute = parameters.get_param("econtract_api.rate_per_minute") or DEFAULT_PER_MINUTE
            burst = parameters.get_param("econtract_api.rate_burst") or DEFAULT_BURST
        return max(int(per_minute), 1), max(int(burst), 1)

    @api.model
    def _take(self, bucket, heavy=False):
        """None when ``bucket`` may make a request now, else the seconds to wait."""
        per_minute, burst = self._limits(heavy)
        interval = 60.0 / per_minute
        tolerance = interval * (burst - 1)
        now = time.time()
        # A connection of its own, not the registry's cursor: that is, under test, the
        # test's transaction behind a lock the request's thread holds while the gate runs.
        with sql_db.db_connect(self.env.cr.dbname).cursor() as cr:
            # Read committed: concurrent requests of one key queue on its row and each sees
            # the TAT the one before left (repeatable read would fail them instead).
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cr.execute(
                SQL(
                    """
                    INSERT INTO econtract_api_rate AS rate (bucket, tat)
                    VALUES (%(bucket)s, %(next)s)
                    ON CONFLICT (bucket) DO UPDATE
                        SET tat = GREATEST(rate.tat, %(now)s) + %(interval)s
                        WHERE GREATEST(rate.tat, %(now)s) - %(now)s <= %(tolerance)s
                    RETURNING tat
                    """,
                    bucket=bucket,
                    next=now + interval,
                    now=now,
                    interval=interval,
                    tolerance=tolerance,
                )
            )
            if cr.fetchone():
                return None
            cr.execute(SQL("SELECT tat FROM econtract_api_rate WHERE bucket = %s", bucket))
            (tat,) = cr.fetchone()
        return max(math.ceil(tat - now - tolerance), 1)

    @api.model
    def _throttle(self, bucket, heavy=False):
        """Raise the 429 problem when ``bucket`` must wait (see `_take`)."""
        from ..problems import ApiProblem

        wait = self._take(bucket, heavy)
        if wait:
            raise ApiProblem(
                429, "rate_limited", headers={"Retry-After": str(wait)}, retry_after=wait
            )
