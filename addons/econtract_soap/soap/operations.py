"""The SOAP service's operations: each a request model, an answer model and a handler.

The handlers are the REST API's: the same functions, called with the same environment (the
API key's user), so every rule, scope and guard of the REST API holds here unchanged. The
models here only give SOAP's shape to what REST takes as JSON (a variable's value as one
typed element, a file in base64).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import Response
from pydantic import BaseModel, Field, StringConstraints, model_validator

from odoo.addons.econtract_api import schemas
from odoo.addons.econtract_api.problems import ApiProblem
from odoo.addons.econtract_api.routers import contracts, fulfilment, signing

Document = schemas.Document
Id = schemas.Id
VariableName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]


class Value(Document):
    """A template variable's value: exactly one of its typed elements."""

    name: VariableName
    text: str | None = None
    date: dt.date | None = None
    number: Decimal | None = None
    partner_id: Id | None = None

    @model_validator(mode="after")
    def _one(self):
        given = [v for v in (self.text, self.date, self.number, self.partner_id) if v is not None]
        if len(given) != 1:
            raise ValueError("a value has exactly one of text, date, number and partnerId")
        return self

    def json_value(self):
        if self.date is not None:
            return self.date.isoformat()
        if self.number is not None:
            return str(self.number)
        return self.partner_id if self.partner_id is not None else self.text


class CreateContract(Document):
    template_version_id: Id
    title: schemas.Text
    partner_ids: list[Id] = Field(min_length=1, max_length=20)
    amount: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    currency: schemas.CurrencyCode | None = None
    date_start: dt.date | None = None
    date_end: dt.date | None = None
    company_id: Id | None = None
    values: list[Value] = Field(default_factory=list, max_length=200)


class ContractRef(Document):
    """A contract by its id or by its reference (合同编号): one of the two."""

    contract_id: Id | None = None
    reference: Annotated[str, StringConstraints(max_length=64)] | None = None

    @model_validator(mode="after")
    def _one(self):
        if (self.contract_id is None) == (self.reference is None):
            raise ValueError("give either contractId or reference")
        return self


class SendForSignature(Document):
    contract_id: Id
    signers: list[schemas.SignerCreate] = Field(min_length=1, max_length=20)
    cc_partner_ids: list[Id] = Field(default_factory=list, max_length=20)
    seal_mode: Literal["auto", "manual", "none"] = "auto"
    expires_at: dt.datetime | None = None
    send: bool = True


class GetSigningLink(Document):
    sign_request_id: Id
    signer_id: Id


class DownloadDocument(Document):
    contract_id: Id
    kind: Literal["version", "signed", "certificate", "evidence"] = "version"
    version: Id | None = Field(None, description="With kind version; the latest if left out.")


class VerifyDocument(Document):
    content: bytes
    file_name: Annotated[str, StringConstraints(max_length=255)] | None = None


class RecordFulfilmentEvent(Document):
    contract_id: Id
    event: Literal["delivery", "acceptance", "warranty_end"]
    date: dt.date
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class FulfilObligation(Document):
    obligation_id: Id
    date: dt.date | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    reference: schemas.Text | None = None


class ContractResult(Document):
    contract: schemas.Contract


class SignRequestResult(Document):
    sign_request: schemas.SignRequest


class SigningLinkResult(Document):
    link: schemas.SigningLink


class File(Document):
    file_name: str
    media_type: str
    size: int
    sha256: str
    content: bytes


class FileResult(Document):
    file: File


class VerificationResult(Document):
    verification: schemas.Verification


class ObligationResult(Document):
    obligation: schemas.Obligation


class Error(Document):
    location: str
    type: str | None = None
    message: str | None = None


class Problem(Document):
    """The detail of every fault: the REST API's problem code, and what it adds."""

    code: str
    status: int
    title: str
    detail: str | None = None
    retry_after: int | None = Field(None, description="Seconds, when rate limited.")
    errors: list[Error] = Field(default_factory=list)


# -------------------------------------------------------------------- handlers


def _create(env, request: CreateContract) -> ContractResult:
    names = [value.name for value in request.values]
    if duplicates := sorted({name for name in names if names.count(name) > 1}):
        raise ApiProblem(
            422,
            "invalid_value",
            env._("Values are given twice for %(names)s.", names=", ".join(duplicates)),
        )
    body = schemas.ContractCreate(
        **request.model_dump(exclude={"values"}, exclude_none=True),
        values={value.name: value.json_value() for value in request.values},
    )
    return ContractResult(contract=contracts.create_contract(env, body, Response()))


def _contract_id(env, ref: ContractRef) -> int:
    if ref.contract_id is not None:
        return ref.contract_id
    found = env["econtract.contract"].search([("name", "=", ref.reference)], limit=2)
    if not found:
        raise ApiProblem(404, "not_found")
    if len(found) > 1:  # references are unique per company, and the key may reach several
        raise ApiProblem(
            422,
            "invalid_value",
            env._("Several contracts have the reference %s; give contractId.", ref.reference),
        )
    return found.id


def _get(env, request: ContractRef) -> ContractResult:
    return ContractResult(contract=contracts.get_contract(env, _contract_id(env, request)))


def _submit(env, request: ContractRef) -> ContractResult:
    return ContractResult(contract=contracts.submit_contract(env, _contract_id(env, request)))


def _send(env, request: SendForSignature) -> SignRequestResult:
    body = schemas.SignRequestCreate(**request.model_dump(exclude={"contract_id"}))
    return SignRequestResult(
        sign_request=signing.create_sign_request(env, request.contract_id, body)
    )


def _link(env, request: GetSigningLink) -> SigningLinkResult:
    return SigningLinkResult(
        link=signing.give_signer_link(env, request.sign_request_id, request.signer_id)
    )


def _file(name: str, media_type: str, data: bytes) -> FileResult:
    digest = hashlib.sha256(data).hexdigest()
    return FileResult(
        file=File(
            file_name=name, media_type=media_type, size=len(data), sha256=digest, content=data
        )
    )


def _download(env, request: DownloadDocument) -> FileResult:
    if request.kind == "evidence":
        name, data = signing.evidence_package(env, request.contract_id)
        return _file(name, "application/zip", data)
    if request.kind == "version":
        document = contracts.version_document(env, request.contract_id, request.version)
        return _file(document.file_name, "application/pdf", document.attachment_id.raw)
    field = "signed_document_id" if request.kind == "signed" else "certificate_attachment_id"
    attachment = signing.signed_attachment(env, request.contract_id, field)
    return _file(attachment.name, "application/pdf", attachment.raw)


def _verify(env, request: VerifyDocument) -> VerificationResult:
    return VerificationResult(verification=signing.verification(env, request.content))


def _event(env, request: RecordFulfilmentEvent) -> ContractResult:
    body = schemas.EventCreate(**request.model_dump(exclude={"contract_id"}))
    return ContractResult(contract=fulfilment.record_event(env, request.contract_id, body))


def _fulfil(env, request: FulfilObligation) -> ObligationResult:
    body = schemas.ObligationFulfil(**request.model_dump(exclude={"obligation_id"}))
    return ObligationResult(
        obligation=fulfilment.fulfil_obligation(env, request.obligation_id, body)
    )


@dataclass(frozen=True)
class Operation:
    name: str
    request: type[BaseModel]
    answer: type[BaseModel]
    handler: Callable
    writes: bool  # run once per idempotency key
    doc: str


OPERATIONS = {
    op.name: op
    for op in (
        Operation("CreateContract", CreateContract, ContractResult, _create, True,
                  "Draft a contract from a published template version, with its values."),
        Operation("GetContract", ContractRef, ContractResult, _get, False,
                  "A contract's status, parties, amount, dates, versions (SHA-256), signers "
                  "and obligations, by id or reference."),
        Operation("SubmitContract", ContractRef, ContractResult, _submit, True,
                  "Submit a draft for approval."),
        Operation("SendForSignature", SendForSignature, SignRequestResult, _send, True,
                  "Create a signing request of an approved contract and send it."),
        Operation("GetSigningLink", GetSigningLink, SigningLinkResult, _link, False,
                  "A signer's link, for the contract's writer, while the signer is to sign."),
        Operation("DownloadDocument", DownloadDocument, FileResult, _download, False,
                  "A document version, the signed PDF, the signing certificate or the "
                  "evidence package, in base64."),
        Operation("VerifyDocument", VerifyDocument, VerificationResult, _verify, False,
                  "Check a signed PDF: its signatures, time stamps and validation data."),
        Operation("RecordFulfilmentEvent", RecordFulfilmentEvent, ContractResult, _event, True,
                  "Record a delivery, acceptance or warranty end of a signed contract."),
        Operation("FulfilObligation", FulfilObligation, ObligationResult, _fulfil, True,
                  "Report an obligation fulfilled, with the payer's or carrier's reference."),
    )
}  # fmt: skip
