"""The database the service reads: a protocol, and PostgreSQL through a psycopg pool.

Statements use psycopg's named ``%(name)s`` parameters, the style Odoo's cursor takes too,
so the statements run unchanged in Odoo's tests, on the test's cursor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

Row = tuple[Any, ...]
Params = Mapping[str, Any]


class Database(Protocol):
    async def fetchone(self, sql: str, params: Params) -> Row | None: ...

    async def fetchall(self, sql: str, params: Params) -> list[Row]: ...

    async def close(self) -> None: ...


class PgDatabase:
    """A pool of autocommit connections: each statement is its own transaction, so that a
    read sees what Odoo committed last and a write (a rate lease, the log) lands at once."""

    def __init__(self, conninfo: str, *, size: int = 8) -> None:
        from psycopg_pool import AsyncConnectionPool

        self.pool = AsyncConnectionPool(
            conninfo,
            min_size=min(2, size),
            max_size=size,
            kwargs={"autocommit": True, "application_name": "econtract-reader"},
            open=False,
        )

    async def open(self) -> None:
        await self.pool.open(wait=True, timeout=30)

    async def fetchone(self, sql: str, params: Params) -> Row | None:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(sql.encode(), params)
            row: Row | None = await cursor.fetchone() if cursor.description else None
            return row

    async def fetchall(self, sql: str, params: Params) -> list[Row]:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(sql.encode(), params)
            return await cursor.fetchall() if cursor.description else []

    async def close(self) -> None:
        await self.pool.close()
