"""Fulfilment over REST: what happened under a signed contract, and what was fulfilled.

A payment system reports a payment received against its obligation, a logistics system a
delivery; both with their own reference, which goes into the evidence with the note.
Retries are safe with an ``Idempotency-Key``: the same report is not recorded twice.
"""

from __future__ import annotations

from fastapi import status

from .. import schemas
from ..problems import ApiProblem
from .common import Env, RecordId, make_router, visible
from .contracts import contract_view, obligation_view

router = make_router()


@router.post(
    "/contracts/{contract_id}/events",
    tags=["fulfilment"],
    response_model=schemas.Contract,
    status_code=status.HTTP_201_CREATED,
)
def record_event(env: Env, contract_id: RecordId, body: schemas.EventCreate) -> schemas.Contract:
    """Record a delivery, an acceptance or the end of the warranty of a signed contract;
    the deadlines that count from it are set. Answers the contract with its obligations."""
    contract = visible(env, "econtract.contract", contract_id)
    contract._fulfilment_record_event(body.event, body.date, body.note or False)
    return contract_view(contract)


@router.post(
    "/obligations/{obligation_id}/fulfil",
    tags=["fulfilment"],
    response_model=schemas.Obligation,
)
def fulfil_obligation(
    env: Env, obligation_id: RecordId, body: schemas.ObligationFulfil
) -> schemas.Obligation:
    """Report an obligation fulfilled (a payment received, goods delivered), with a note and
    the payer's or carrier's reference."""
    obligation = visible(env, "econtract.obligation", obligation_id)
    if obligation.fulfil_mode != "manual":
        mode = dict(obligation._fields["fulfil_mode"]._description_selection(env))
        raise ApiProblem(
            422,
            "rejected",
            env._(
                "%(name)s is fulfilled by %(mode)s, not by a report.",
                name=obligation.display_name,
                mode=mode[obligation.fulfil_mode].lower(),
            ),
        )
    note = body.note
    if body.reference:
        note = env._("%(note)s (reference %(reference)s)", note=note, reference=body.reference)
    obligation._fulfil(body.date, note)
    return schemas.Obligation(**obligation_view(obligation))
