"""Contracts over REST: read, list, draft from a template, render, submit, download.

Every handler works in the environment of the API key's user, which the gate put in the
request's context: record rules, company scoping and the models' own guards apply as they
do to the same user over JSON-RPC. A record the user may not see is "not found", whether it
exists in another company or not at all, so that ids reveal nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal
from typing import Annotated
from urllib.parse import quote

from fastapi import Query, Response, status

from odoo import fields
from odoo.api import Environment
from odoo.tools import float_repr
from odoo.tools.translate import LazyTranslate

from .. import schemas
from ..problems import ApiProblem
from .common import ROOT, Env, RecordId, decode_cursor, encode_cursor, make_router, utc, visible

_lt = LazyTranslate(__name__)

MAX_PAGE = 200
router = make_router()


# ------------------------------------------------------------------------- views


def decimal_of(amount: float, currency) -> Decimal:
    return Decimal(float_repr(currency.round(amount), currency.decimal_places))


def _summary(contract) -> dict:
    return {
        "id": contract.id,
        "reference": contract.name,
        "title": contract.title,
        "type": contract.contract_type,
        "state": contract.state,
        "company": {"id": contract.company_id.id, "name": contract.company_id.name},
        "currency": contract.currency_id.name,
        "amount": decimal_of(contract.amount, contract.currency_id),
        "date_start": contract.date_start or None,
        "date_end": contract.date_end or None,
        "updated_at": utc(contract.write_date),
    }


def _version(document) -> dict:
    return {
        "version": document.version,
        "kind": document.kind,
        "file_name": document.file_name,
        "sha256": document.sha256,
        "page_count": document.page_count,
        "created_at": utc(document.create_date),
        "download": f"{ROOT}/contracts/{document.contract_id.id}/documents/{document.version}",
    }


def sign_request_view(request) -> dict:
    return {
        "id": request.id,
        "state": request.state,
        "document_sha256": request.document_sha256 or None,
        "expires_at": utc(request.expires_at),
        "signers": [
            {
                "id": signer.id,
                "name": signer.partner_id.name,
                "role": signer.role or None,
                "order": signer.order,
                "identity_method": signer.identity_method,
                "state": signer.state,
                "invited_at": utc(signer.invited_at),
                "viewed_at": utc(signer.viewed_at),
                "signed_at": utc(signer.signed_at),
            }
            for signer in request.signer_ids.sorted(lambda s: (s.order, s.id))
        ],
    }


def obligation_view(obligation) -> dict:
    return {
        "id": obligation.id,
        "name": obligation.name,
        "kind": obligation.kind,
        "debtor": obligation.debtor,
        "amount": decimal_of(obligation.amount, obligation.currency_id)
        if obligation.amount
        else None,
        "due_date": obligation.date_due or None,
        "state": obligation.state,
    }


def contract_view(contract) -> schemas.Contract:
    return schemas.Contract(
        **_summary(contract),
        language=contract.language,
        owner={"id": contract.user_id.id, "name": contract.user_id.name},
        template_version_id=contract.template_version_id.id or None,
        parties=[
            {
                "id": partner.id,
                "name": partner.name,
                "vat": partner.vat or None,
                "email": partner.email or None,
            }
            for partner in contract.partner_ids
        ],
        variables=[
            {
                "name": variable.name,
                "label": variable.label,
                "type": variable.var_type,
                "required": variable.required,
                "value": variable.display_value or None,
            }
            for variable in contract.variable_ids.sorted(lambda v: (v.sequence, v.id))
        ],
        versions=[_version(document) for document in contract.document_ids.sorted("version")],
        sign_requests=[sign_request_view(request) for request in contract.sign_request_ids],
        obligations=[obligation_view(obligation) for obligation in contract.obligation_ids],
    )


# ------------------------------------------------------------------------ routes


@router.get("/me", tags=["account"], response_model=schemas.Me)
def me(env: Env) -> schemas.Me:
    """Who the API key acts as, and in which companies."""
    user = env.user
    return schemas.Me(
        id=user.id,
        name=user.name,
        login=user.login,
        lang=env.lang or user.lang,
        company={"id": user.company_id.id, "name": user.company_id.name},
        companies=[{"id": c.id, "name": c.name} for c in user.company_ids],
    )


@router.get("/contracts", tags=["contracts"], response_model=schemas.ContractPage)
def list_contracts(
    env: Env,
    state: Annotated[list[schemas.ContractState] | None, Query()] = None,
    type: Annotated[schemas.ContractType | None, Query()] = None,  # the API's word
    partner_id: Annotated[int | None, Query(ge=1, le=schemas.MAX_ID)] = None,
    reference: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=256, description="Words of the title.")] = None,
    updated_after: Annotated[
        str | None, Query(max_length=64, description="ISO 8601; UTC unless it has an offset.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(max_length=256)] = None,
) -> schemas.ContractPage:
    """The contracts the key's user may read, newest first, a page at a time.

    Pages follow ids, not offsets: a contract created while a client pages through is
    neither skipped nor repeated.
    """
    domain = []
    if state:
        domain.append(("state", "in", state))
    if type:
        domain.append(("contract_type", "=", type))
    if partner_id:
        domain.append(("partner_ids", "in", [partner_id]))
    if reference:
        domain.append(("name", "=", reference))
    if q:
        domain.append(("title", "ilike", q))
    if updated_after:
        since = _utc_naive(updated_after)
        if since is None:
            raise ApiProblem(
                422, "invalid_value", env._("updated_after is not an ISO 8601 date and time.")
            )
        domain.append(("write_date", ">", since))
    if cursor:
        domain.append(("id", "<", decode_cursor(cursor)))
    contracts = env["econtract.contract"].search(domain, order="id desc", limit=limit + 1)
    page = contracts[:limit]
    more = len(contracts) > limit
    return schemas.ContractPage(
        items=[schemas.ContractSummary(**_summary(contract)) for contract in page],
        next_cursor=encode_cursor(page[-1].id) if more else None,
    )


@router.get("/contracts/{contract_id}", tags=["contracts"], response_model=schemas.Contract)
def get_contract(env: Env, contract_id: RecordId) -> schemas.Contract:
    """One contract: status, parties, amount, dates, document versions with their SHA-256,
    signing requests and their signers, obligations."""
    return contract_view(visible(env, "econtract.contract", contract_id))


@router.get(
    "/contracts/{contract_id}/status", tags=["contracts"], response_model=schemas.ContractStatus
)
def get_contract_status(env: Env, contract_id: RecordId) -> schemas.ContractStatus:
    """Where one contract stands: its state, its latest version's SHA-256, its signing
    requests and their signers' states. The read to poll: the read service
    (``econtract reader``) answers it from PostgreSQL, in the key's user's scope."""
    contract = visible(env, "econtract.contract", contract_id)
    # sudo: the scope is the read service's copy of this user's record rules, kept by Odoo
    # (on answers only: the gate rolls a refused request back, scope and all).
    env["econtract.api.scope"].sudo()._keep(env)
    latest = contract.document_ids.sorted("version")[-1:]
    return schemas.ContractStatus(
        id=contract.id,
        reference=contract.name,
        state=contract.state,
        updated_at=utc(contract.write_date),
        version=latest.version or None,
        sha256=latest.sha256 or None,
        sign_requests=[
            {
                "id": request.id,
                "state": request.state,
                "signers": [
                    {
                        "id": signer.id,
                        "order": signer.order,
                        "state": signer.state,
                        "signed_at": utc(signer.signed_at),
                    }
                    for signer in request.signer_ids.sorted(lambda s: (s.order, s.id))
                ],
            }
            for request in contract.sign_request_ids.sorted("id")
        ],
    )


@router.post(
    "/contracts",
    tags=["contracts"],
    response_model=schemas.Contract,
    status_code=status.HTTP_201_CREATED,
)
def create_contract(env: Env, body: schemas.ContractCreate, response: Response) -> schemas.Contract:
    """Draft a contract from a published template version, with its variables' values.

    Send an ``Idempotency-Key`` header: a retried request then returns the first contract
    instead of drafting a second one.
    """
    version = env["econtract.template.version"].search(
        [("id", "=", body.template_version_id)], limit=1
    )
    if not version:
        raise ApiProblem(
            422,
            "invalid_value",
            env._("Template version %(id)s does not exist.", id=body.template_version_id),
        )
    partners = partners_of(env, body.partner_ids)
    vals = {
        "title": body.title,
        "template_version_id": version.id,
        "contract_type": version.contract_type,
        "partner_ids": [(6, 0, partners.ids)],
        "date_start": body.date_start,
        "date_end": body.date_end,
    }
    if body.company_id:
        if body.company_id not in env.user.company_ids.ids:
            raise ApiProblem(
                422, "invalid_value", env._("Company %(id)s is not yours.", id=body.company_id)
            )
        vals["company_id"] = body.company_id
    if body.currency:
        currency = env["res.currency"].search([("name", "=", body.currency)], limit=1)
        if not currency:
            raise ApiProblem(
                422,
                "invalid_value",
                env._("Currency %(code)s is not active.", code=body.currency),
            )
        vals["currency_id"] = currency.id
    if body.amount is not None:
        vals["amount"] = float(body.amount)
    contract = env["econtract.contract"].create(vals)
    contract.action_apply_template()
    _set_values(env, contract, body.values)
    response.headers["Location"] = f"{ROOT}/contracts/{contract.id}"
    return contract_view(contract)


@router.post(
    "/contracts/{contract_id}/render", tags=["contracts"], response_model=schemas.DocumentVersion
)
def render_contract(env: Env, contract_id: RecordId) -> schemas.DocumentVersion:
    """Render the draft's text to PDF as a new document version."""
    contract = visible(env, "econtract.contract", contract_id)
    contract.action_render_document()
    return schemas.DocumentVersion(**_version(contract.document_ids.sorted("version")[-1]))


@router.post("/contracts/{contract_id}/submit", tags=["contracts"], response_model=schemas.Contract)
def submit_contract(env: Env, contract_id: RecordId) -> schemas.Contract:
    """Submit the draft for approval, under the approval policy that matches it."""
    contract = visible(env, "econtract.contract", contract_id)
    contract.action_submit_for_approval()
    return contract_view(contract)


@router.get(
    "/contracts/{contract_id}/documents/{version}",
    tags=["contracts"],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The PDF."}},
)
def download_document(env: Env, contract_id: RecordId, version: RecordId) -> Response:
    """One document version of the contract, as the file whose SHA-256 the contract lists."""
    document = version_document(env, contract_id, version)
    data = document.attachment_id.raw
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(document.file_name)}",
            "ETag": f'"{document.sha256}"',
            "Digest": f"sha-256={base64.b64encode(bytes.fromhex(document.sha256)).decode()}",
        },
    )


# ----------------------------------------------------------------------- helpers


def version_document(env: Environment, contract_id: int, version: int | None):
    """The contract's document ``version`` (its latest if None) that has a file, or 404."""
    contract = visible(env, "econtract.contract", contract_id)
    documents = contract.document_ids.sorted("version")
    document = documents.filtered(lambda d: d.version == version) if version else documents[-1:]
    if not document or not document.attachment_id:
        raise ApiProblem(404, "not_found")
    return document


def partners_of(env: Environment, ids: list[int]):
    partners = env["res.partner"].search([("id", "in", ids)])
    if missing := sorted(set(ids) - set(partners.ids)):
        raise ApiProblem(
            422,
            "invalid_value",
            env._("These parties do not exist: %(ids)s.", ids=", ".join(map(str, missing))),
        )
    return partners


def _set_values(env: Environment, contract, values: dict) -> None:
    """Write each named value to the contract's variable of that name, by its type."""
    variables = {variable.name: variable for variable in contract.variable_ids}
    if unknown := sorted(set(values) - set(variables)):
        raise ApiProblem(
            422,
            "invalid_value",
            env._("The template has no variables named %(names)s.", names=", ".join(unknown)),
        )
    for name, value in values.items():
        variable = variables[name]
        variable.write(_value_vals(env, variable, value))


def _utc_naive(text: str):
    """``text`` (ISO 8601, with an offset or UTC) as Odoo's naive UTC, or None."""
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        return None
    if moment.tzinfo:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def _text(env: Environment, value):
    return value if isinstance(value, str) else None


def _date(env: Environment, value):
    if not isinstance(value, str):
        return None
    try:
        return fields.Date.to_date(value)
    except ValueError:
        return None


def _number(env: Environment, value):
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    if not number.is_finite() or abs(number) >= Decimal("1e15"):
        return None
    return float(number)


def _partner(env: Environment, value):
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return partners_of(env, [value]).id


# A variable's kind: the field holding its value, how a JSON value is read, what it takes.
VALUE_KINDS = {
    "text": ("value_text", _text, _lt("text")),
    "date": ("value_date", _date, _lt("a date as YYYY-MM-DD")),
    "amount": ("value_amount", _number, _lt("a number")),
    "percentage": ("value_percent", _number, _lt("a number")),
    "partner": ("value_partner_id", _partner, _lt("a party's id")),
}


def _value_vals(env: Environment, variable, value) -> dict:
    if variable.var_type not in VALUE_KINDS:
        raise ApiProblem(
            422,
            "invalid_value",
            env._(
                "%(name)s is a table; tables are filled from the source record.",
                name=variable.name,
            ),
        )
    field, read, expected = VALUE_KINDS[variable.var_type]
    if value is None:
        return {field: False}
    parsed = read(env, value)
    if parsed is None:
        raise ApiProblem(
            422,
            "invalid_value",
            env._("%(name)s takes %(expected)s.", name=variable.name, expected=env._(expected)),
        )
    return {field: parsed}
