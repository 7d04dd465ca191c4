"""The operation log of the answers the service gives, in Odoo's ``econtract_api_call``.

Rows are queued and written in one statement every `FLUSH_SECONDS` (or sooner when
`BATCH` are waiting), after the answer: a write per request would cost more than the read.
A write that fails (the database restarting) keeps its rows for the next flush; once
writes have failed for `FAILING_SECONDS`, or `MAX_PENDING` rows wait, the service stops
answering itself and forwards to Odoo, which logs as it answers. A user or company deleted
meanwhile is written as none, not a row refused for ever. Stopping the service flushes what
is queued; a process killed outright loses at most the last fraction of a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from dataclasses import astuple, dataclass

from .db import Database

_logger = logging.getLogger(__name__)

FLUSH_SECONDS = 0.2
BATCH = 500
MAX_PENDING = 10_000
FAILING_SECONDS = 2.0

INSERT = """
INSERT INTO econtract_api_call
    (create_date, user_id, company_id, key_index, method, path, status, duration_ms,
     remote_addr, replayed)
SELECT at, u.id, co.id, key_index, method, path, status, duration_ms, remote_addr, false
FROM unnest(%(at)s::timestamp[], %(user_id)s::int[], %(company_id)s::int[],
            %(key_index)s::varchar[], %(method)s::varchar[], %(path)s::varchar[],
            %(status)s::int[], %(duration_ms)s::numeric[], %(remote_addr)s::varchar[])
    AS call(at, user_id, company_id, key_index, method, path, status, duration_ms, remote_addr)
LEFT JOIN res_users u ON u.id = call.user_id
LEFT JOIN res_company co ON co.id = call.company_id
"""
COLUMNS = (
    "at", "user_id", "company_id", "key_index", "method", "path", "status", "duration_ms",
    "remote_addr",
)  # fmt: skip


@dataclass(frozen=True)
class Call:
    at: dt.datetime  # naive UTC, as Odoo stores datetimes
    user_id: int
    company_id: int | None
    key_index: str
    method: str
    path: str
    status: int
    duration_ms: float
    remote_addr: str


class CallLog:
    """Queued calls, and the task that writes them."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._pending: list[Call] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._failing_since: float | None = None

    @property
    def full(self) -> bool:
        """Whether the service must leave answering (and logging) to Odoo for now."""
        since = self._failing_since
        failing = since is not None and time.monotonic() - since >= FAILING_SECONDS
        return failing or len(self._pending) >= MAX_PENDING

    def add(self, call: Call) -> None:
        self._pending.append(call)
        if len(self._pending) >= BATCH:
            self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()

    async def flush(self) -> int:
        """Write what is queued; the number of rows written (0 when the write failed)."""
        batch, self._pending = self._pending, []
        if not batch:
            return 0
        columns = list(zip(*(astuple(call) for call in batch), strict=True))
        try:
            await self.db.fetchone(INSERT, dict(zip(COLUMNS, map(list, columns), strict=True)))
        except Exception:  # kept for the next flush, whatever went wrong
            _logger.exception("could not write %d calls to the operation log", len(batch))
            self._pending[:0] = batch
            if self._failing_since is None:
                self._failing_since = time.monotonic()
            return 0
        self._failing_since = None
        return len(batch)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_SECONDS)
            self._wake.clear()
            await self.flush()
