"""Signing over REST: requests and their signers, each signer's link, signed files, checks.

Creating and sending a request is the sender's (who may write the contract), as on screen.
A signer's link is a credential of that signer: it is given to the sender only, while the
signer is to sign, and each time it is given is evidence. The signer still proves who they
are on the page (a code by e-mail or SMS, an authenticator, their certificate), so the link
alone signs nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Annotated
from urllib.parse import quote

from fastapi import File, Response, UploadFile, status

from odoo import fields

from .. import schemas
from ..problems import ApiProblem
from .common import Env, RecordId, heavy, make_router, visible
from .contracts import partners_of, sign_request_view

router = make_router()


def _file(name: str, data: bytes, media_type: str) -> Response:
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "ETag": f'"{hashlib.sha256(data).hexdigest()}"',
        },
    )


FILE = {"content": {"application/pdf": {}}, "description": "The file."}


@router.post(
    "/contracts/{contract_id}/sign-requests",
    tags=["signing"],
    response_model=schemas.SignRequest,
    status_code=status.HTTP_201_CREATED,
)
def create_sign_request(
    env: Env, contract_id: RecordId, body: schemas.SignRequestCreate
) -> schemas.SignRequest:
    """A signing request of the approved contract: who signs, in which order, how each
    proves who they are; sent at once unless ``send`` is false."""
    contract = visible(env, "econtract.contract", contract_id)
    partners_of(env, [s.partner_id for s in body.signers] + body.cc_partner_ids)
    users = {s.user_id for s in body.signers if s.user_id}
    if users and len(env["res.users"].search([("id", "in", list(users))])) != len(users):
        raise ApiProblem(422, "invalid_value", env._("A signer's user does not exist."))
    vals = {
        "contract_id": contract.id,
        "seal_mode": body.seal_mode,
        "cc_partner_ids": [(6, 0, body.cc_partner_ids)],
        "signer_ids": [
            (
                0,
                0,
                {
                    "partner_id": signer.partner_id,
                    "order": signer.order,
                    "identity_method": signer.identity_method,
                    "role": signer.role or False,
                    "phone": signer.phone or False,
                    "user_id": signer.user_id or False,
                },
            )
            for signer in body.signers
        ],
    }
    if body.expires_at:
        moment = body.expires_at
        if moment.tzinfo:  # Odoo keeps naive UTC
            moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
        vals["expires_at"] = moment
    request = env["econtract.sign.request"].create(vals)
    if body.send:
        request.action_send()
    return schemas.SignRequest(**sign_request_view(request))


@router.get("/sign-requests/{request_id}", tags=["signing"], response_model=schemas.SignRequest)
def get_sign_request(env: Env, request_id: RecordId) -> schemas.SignRequest:
    """A signing request with its signers' states."""
    return schemas.SignRequest(
        **sign_request_view(visible(env, "econtract.sign.request", request_id))
    )


@router.post(
    "/sign-requests/{request_id}/signers/{signer_id}/link",
    tags=["signing"],
    response_model=schemas.SigningLink,
)
def signer_link(
    env: Env, request_id: RecordId, signer_id: RecordId, response: Response
) -> schemas.SigningLink:
    """The signer's link, to embed the signing page in another system. For the request's
    sender, while the signer is to sign; every link given is an evidence event."""
    # A credential: not to be kept by caches, nor replayed by the gate (see ApiGate).
    response.headers["Cache-Control"] = "no-store"
    return give_signer_link(env, request_id, signer_id)


def give_signer_link(env, request_id: int, signer_id: int) -> schemas.SigningLink:
    """A signer's link for the sender (see `signer_link`), logged as evidence."""
    request = visible(env, "econtract.sign.request", request_id)
    signer = request.signer_ids.filtered(lambda s: s.id == signer_id)
    if not signer:
        raise ApiProblem(404, "not_found")
    # The sender's: whoever may write the contract (its owner, a manager), not every
    # reader who can also write signing requests.
    request.contract_id.check_access("write")
    request.check_access("write")
    expired = request.expires_at and request.expires_at < fields.Datetime.now()
    if request.state != "sent" or signer.state != "pending" or expired:
        raise ApiProblem(
            422,
            "rejected",
            env._("%(name)s is not to sign now.", name=signer.partner_id.name),
        )
    path = signer._signing_url()
    request._log("signing_link_issued", {"to": env.user.login, "channel": "api"}, signer)
    return schemas.SigningLink(
        signer_id=signer.id,
        url=f"{signer.get_base_url()}{path}",
        expires_at=request.expires_at or None,
    )


def signed_attachment(env, contract_id: int, field: str):
    """An attachment of the contract's completed signing request: ``signed_document_id``
    (the signed PDF) or ``certificate_attachment_id``; 404 while there is none."""
    contract = visible(env, "econtract.contract", contract_id)
    done = contract.sign_request_ids.filtered(lambda r: r.state == "completed")[:1]
    attachment = done[field].attachment_id if field == "signed_document_id" else done[field]
    if not attachment:
        raise ApiProblem(404, "not_found")
    return attachment


def evidence_package(env, contract_id: int) -> tuple[str, bytes]:
    """The contract's evidence package (its name, its bytes); counted as a costly call."""
    contract = visible(env, "econtract.contract", contract_id)
    heavy(env, "evidence")
    return contract._evidence_file_name(), contract._export_evidence_package()


def verification(env, data: bytes) -> schemas.Verification:
    """What checking the PDF ``data`` found; counted as a costly call."""
    heavy(env, "verify")
    if not data:
        raise ApiProblem(422, "invalid_value", env._("The file is empty."))
    result = env["econtract.sign.verification"]._verify(data)
    document = result["document"]
    contract = (
        env["econtract.contract"].search([("id", "=", document.contract_id.id)])
        if document
        else None
    )
    report = result["report"]
    return schemas.Verification(
        sha256=result["sha256"],
        valid=bool(report and report.passed),
        problem=result["problem"],
        signatures=result["signatures"],
        document_problems=result["document_problems"],
        contract_id=contract.id if contract else None,
    )


def _signed_file(env, contract_id, field):
    attachment = signed_attachment(env, contract_id, field)
    return _file(attachment.name, attachment.raw, "application/pdf")


@router.get(
    "/contracts/{contract_id}/signed.pdf",
    tags=["signing"],
    response_class=Response,
    responses={200: FILE},
)
def download_signed(env: Env, contract_id: RecordId) -> Response:
    """The signed PDF (PAdES B-LTA): check it offline with any PAdES validator."""
    return _signed_file(env, contract_id, "signed_document_id")


@router.get(
    "/contracts/{contract_id}/certificate.pdf",
    tags=["signing"],
    response_class=Response,
    responses={200: FILE},
)
def download_certificate(env: Env, contract_id: RecordId) -> Response:
    """The signing certificate: who signed, when, how they proved who they were."""
    return _signed_file(env, contract_id, "certificate_attachment_id")


@router.get(
    "/contracts/{contract_id}/evidence.zip",
    tags=["signing"],
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "The package."}},
)
def download_evidence(env: Env, contract_id: RecordId) -> Response:
    """The contract's evidence package: its log with the anchors, its documents; check it
    offline with ``econtract verify``. The export is itself logged."""
    return _file(*evidence_package(env, contract_id), "application/zip")


@router.post("/verify", tags=["signing"], response_model=schemas.Verification)
def verify(
    env: Env, file: Annotated[UploadFile, File(description="A PDF.")]
) -> schemas.Verification:
    """Check a signed PDF: every signature, its time stamps and what the file carries to be
    checked later. Nothing the file names is fetched."""
    return verification(env, file.file.read())
