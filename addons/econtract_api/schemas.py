"""The API's documents, as pydantic models: they are its OpenAPI schema.

Amounts are decimal strings ("12345.60"), never JSON numbers, so that no client rounds
them through a float; dates are ISO 8601; times are UTC. Bodies the API receives refuse
unknown members, so that a misspelt field is an error, not silently ignored.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_ID = 2**31 - 1  # PostgreSQL's integer, which Odoo's ids are
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
ContractType = Literal["purchase", "labor", "lease", "sales", "other"]
ContractState = Literal["draft", "in_approval", "approved", "signed", "cancelled"]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=512)]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(Document):
    """An error, as RFC 9457 problem details; ``code`` is stable, the texts are not."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["urn:econtract:problem:not_found"])
    title: str
    status: int
    code: str = Field(examples=["not_found"])
    detail: str | None = None


class Ref(Document):
    id: int
    name: str


class Party(Document):
    id: int
    name: str
    vat: str | None = Field(
        None, description="Tax or unified social credit code (统一社会信用代码)."
    )
    email: str | None = None


class Variable(Document):
    name: str
    label: str
    type: str
    required: bool
    value: str | None = Field(None, description="The value as the contract text shows it.")


class DocumentVersion(Document):
    version: int
    kind: str
    file_name: str
    sha256: str = Field(description="SHA-256 of the file, hex.")
    page_count: int
    created_at: dt.datetime
    download: str = Field(description="Path of the file under this API.")


class Signer(Document):
    id: int
    name: str
    role: str | None = None
    order: int
    identity_method: str
    state: str
    invited_at: dt.datetime | None = None
    viewed_at: dt.datetime | None = None
    signed_at: dt.datetime | None = None


class SignRequest(Document):
    id: int
    state: str
    document_sha256: str | None = None
    expires_at: dt.datetime | None = None
    signers: list[Signer]


class Obligation(Document):
    id: int
    name: str
    kind: str
    debtor: str = Field(description="us: the company owes it; counterparty: the other party does.")
    amount: Decimal | None = None
    due_date: dt.date | None = None
    state: str


class ContractSummary(Document):
    id: int
    reference: str
    title: str
    type: ContractType
    state: ContractState
    company: Ref
    currency: str
    amount: Decimal
    date_start: dt.date | None = None
    date_end: dt.date | None = None
    updated_at: dt.datetime


class Contract(ContractSummary):
    language: str
    owner: Ref
    template_version_id: int | None = None
    parties: list[Party]
    variables: list[Variable]
    versions: list[DocumentVersion]
    sign_requests: list[SignRequest]
    obligations: list[Obligation]


class SignerStatus(Document):
    id: int
    order: int
    state: str
    signed_at: dt.datetime | None = None


class SignRequestStatus(Document):
    id: int
    state: str
    signers: list[SignerStatus] = Field(description="In signing order.")


class ContractStatus(Document):
    """Where a contract stands: what a system polling it needs, and nothing to word."""

    id: int
    reference: str
    state: ContractState
    updated_at: dt.datetime
    version: int | None = Field(None, description="The latest document version, if any.")
    sha256: str | None = Field(None, description="SHA-256 of the latest version, hex.")
    sign_requests: list[SignRequestStatus] = Field(description="Oldest first.")


class ContractPage(Document):
    items: list[ContractSummary]
    next_cursor: str | None = Field(
        None, description="Pass it as `cursor` for the next page; null on the last page."
    )


VariableValue = Annotated[
    str | int | float | None,
    Field(
        description="Text; a date as YYYY-MM-DD; an amount or percentage as a number or a "
        "decimal string; a party as its id."
    ),
]


class ContractCreate(Document):
    """A draft contract from a published template version, with its values."""

    template_version_id: Id
    title: Text
    partner_ids: list[Id] = Field(min_length=1, max_length=20, description="Counterparties.")
    amount: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    currency: CurrencyCode | None = Field(None, description="ISO 4217; the company's by default.")
    date_start: dt.date | None = None
    date_end: dt.date | None = None
    company_id: Id | None = Field(None, description="One of the key user's companies.")
    values: dict[
        Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")], VariableValue
    ] = Field(default_factory=dict, description="Template variables by name.")


class Me(Document):
    id: int
    name: str
    login: str
    lang: str
    company: Ref
    companies: list[Ref]


IdentityMethod = Literal["email", "sms", "totp", "certificate"]


class SignerCreate(Document):
    partner_id: Id
    order: int = Field(1, ge=1, le=99, description="Equal numbers sign in parallel.")
    identity_method: IdentityMethod = "email"
    role: Text | None = Field(None, description="For example 甲方授权代表.")
    phone: Annotated[str, StringConstraints(pattern=r"^\+[0-9]{6,15}$")] | None = None
    user_id: Id | None = Field(None, description="An internal signer's user.")


class SignRequestCreate(Document):
    signers: list[SignerCreate] = Field(min_length=1, max_length=20)
    cc_partner_ids: list[Id] = Field(default_factory=list, max_length=20)
    seal_mode: Literal["auto", "manual", "none"] = "auto"
    expires_at: dt.datetime | None = None
    send: bool = Field(True, description="Send at once; false keeps a draft.")


class SigningLink(Document):
    signer_id: int
    url: str = Field(description="The signer's own link; they still prove who they are.")
    expires_at: dt.datetime | None = None


class EventCreate(Document):
    event: Literal["delivery", "acceptance", "warranty_end"]
    date: dt.date
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class Event(Document):
    id: int
    event: str
    date: dt.date
    note: str | None = None


class ObligationFulfil(Document):
    date: dt.date | None = Field(None, description="The company's today by default.")
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    reference: Text | None = Field(None, description="The payer's or carrier's reference.")


class SignatureCheck(Document):
    title: str
    summary: str
    passed: bool
    problems: list[str]


class Verification(Document):
    sha256: str
    valid: bool = Field(description="Every signature holds and nothing breaks the file.")
    problem: str | None = Field(None, description="Why the file could not be read at all.")
    signatures: list[SignatureCheck]
    document_problems: list[str]
    contract_id: int | None = Field(
        None, description="The contract this is the signed version of, if the user may read it."
    )


# Webhooks ----------------------------------------------------------------------------

WebhookUrl = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=2048)]
Secret = Annotated[str, StringConstraints(min_length=24, max_length=256)]
Topic = Annotated[str, StringConstraints(pattern=r"^[a-z]+\.[a-z_]+$", max_length=64)]


class WebhookCreate(Document):
    name: Text
    url: WebhookUrl = Field(
        description="https:// (http:// only where private addresses are allowed)."
    )
    events: list[Topic] = Field(min_length=1, examples=[["contract.completed", "signer.signed"]])
    secret: Secret | None = Field(
        None, description="The signing secret; left out, one is generated and answered once."
    )


class WebhookUpdate(Document):
    name: Text | None = None
    url: WebhookUrl | None = None
    events: list[Topic] | None = Field(None, min_length=1)
    active: bool | None = None
    secret: Secret | None = None


class Webhook(Document):
    id: int
    name: str
    url: str
    events: list[str]
    active: bool
    company: Ref
    owner: Ref
    pending: int = Field(description="Deliveries waiting to be sent or retried.")
    dead_letters: int = Field(description="Deliveries that ran out of attempts.")
    created_at: dt.datetime


class WebhookCreated(Webhook):
    secret: str = Field(description="The signing secret; it is not shown again.")


class WebhookSecret(Document):
    secret: str = Field(description="The new signing secret; the old one no longer signs.")


class WebhookTopic(Document):
    code: str
    name: str
    description: str | None = None


class Delivery(Document):
    id: int
    event_id: str = Field(description="The X-Econtract-Delivery header: the same in retries.")
    type: str
    state: Literal["pending", "retrying", "delivered", "dead"]
    attempts: int
    last_status: int | None = Field(None, description="The receiver's last HTTP status; 0: none.")
    last_error: str | None = None
    next_attempt_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    contract_id: int | None = None
    created_at: dt.datetime


class DeliveryPage(Document):
    items: list[Delivery]
    next_cursor: str | None = None
