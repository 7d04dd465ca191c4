"""What every router shares: the caller's environment, the documented errors, lookups."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.security import HTTPBearer

from odoo.api import Environment

from odoo.addons.fastapi.context import odoo_env_ctx

from .. import schemas
from ..problems import MEDIA_TYPE, ApiProblem

ROOT = "/api/v1"


def api_env() -> Environment:
    """The environment of the API key's user (set by the gate)."""
    return odoo_env_ctx.get()


Env = Annotated[Environment, Depends(api_env)]
# Odoo's ids (and version numbers) are PostgreSQL integers: a larger number names nothing.
RecordId = Annotated[int, Path(ge=1, le=schemas.MAX_ID)]

PROBLEM = {"model": schemas.Problem, "content": {MEDIA_TYPE: {}}}
ERRORS = {code: PROBLEM for code in (400, 401, 403, 404, 409, 413, 415, 422, 429, 500)}


def make_router() -> APIRouter:
    """A router whose routes document the bearer key and the problems they answer."""
    return APIRouter(
        dependencies=[Depends(HTTPBearer(auto_error=False, description="An Odoo API key."))],
        responses=ERRORS,
    )


def visible(env: Environment, model: str, record_id: int):
    """The record, if the key's user may read it; else 404 (never 403: ids say nothing)."""
    if not 0 < record_id <= schemas.MAX_ID:
        raise ApiProblem(404, "not_found")
    record = env[model].search([("id", "=", record_id)], limit=1)
    if not record:
        raise ApiProblem(404, "not_found")
    return record


def heavy(env: Environment, kind: str) -> None:
    """Count a costly call (a PDF validation, an evidence package) against the key's user's
    own, lower rate (``econtract_api.heavy_per_minute``), on top of the key's."""
    # sudo: the rates are the gate's bookkeeping.
    env["econtract.api.rate"].sudo()._throttle(f"{kind}:{env.uid}", heavy=True)


def utc(moment):
    """An Odoo (naive UTC) datetime as an aware one, so that JSON says it is UTC."""
    return moment.replace(tzinfo=dt.UTC, microsecond=0) if moment else None


def encode_cursor(last_id: int) -> str:
    """The cursor of the page after the record ``last_id`` (pages run newest first)."""
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        after = json.loads(raw)["after"]
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise ApiProblem(400, "invalid_cursor") from exc
    if not isinstance(after, int) or isinstance(after, bool) or after < 1:
        raise ApiProblem(400, "invalid_cursor")
    return after
