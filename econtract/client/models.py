"""The API's documents as frozen dataclasses: amounts as `Decimal`, dates as `date`.

Read from JSON with ``from_json``, which ignores members it does not know, so that a newer
server (with more members) still works with an older client.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

__all__ = [
    "Contract",
    "ContractSummary",
    "DocumentVersion",
    "Obligation",
    "Party",
    "SignRequest",
    "Signer",
    "SignerSpec",
    "SigningLink",
    "Verification",
]


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _datetime(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _decimal(value: Any) -> Decimal | None:
    return Decimal(str(value)) if value is not None else None


def _required(value: datetime | date | Decimal | None, name: str) -> Any:
    if value is None:
        raise ValueError(f"the API's document has no {name}")
    return value


@dataclass(frozen=True)
class Party:
    id: int
    name: str
    vat: str | None = None
    email: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Party:
        return cls(data["id"], data["name"], data.get("vat"), data.get("email"))


@dataclass(frozen=True)
class DocumentVersion:
    version: int
    kind: str
    file_name: str
    sha256: str
    page_count: int
    created_at: datetime
    download: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DocumentVersion:
        return cls(
            data["version"],
            data["kind"],
            data["file_name"],
            data["sha256"],
            data["page_count"],
            _required(_datetime(data["created_at"]), "created_at"),
            data["download"],
        )


@dataclass(frozen=True)
class Signer:
    id: int
    name: str
    order: int
    identity_method: str
    state: str
    role: str | None = None
    signed_at: datetime | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Signer:
        return cls(
            data["id"],
            data["name"],
            data["order"],
            data["identity_method"],
            data["state"],
            data.get("role"),
            _datetime(data.get("signed_at")),
        )


@dataclass(frozen=True)
class SignRequest:
    id: int
    state: str
    signers: tuple[Signer, ...]
    document_sha256: str | None = None
    expires_at: datetime | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SignRequest:
        return cls(
            data["id"],
            data["state"],
            tuple(Signer.from_json(s) for s in data.get("signers") or ()),
            data.get("document_sha256"),
            _datetime(data.get("expires_at")),
        )


@dataclass(frozen=True)
class SignerSpec:
    """Who signs a request: a party, in which order, how they prove who they are."""

    partner_id: int
    order: int = 1
    identity_method: str = "email"
    role: str | None = None
    phone: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


@dataclass(frozen=True)
class SigningLink:
    signer_id: int
    url: str
    expires_at: datetime | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SigningLink:
        return cls(data["signer_id"], data["url"], _datetime(data.get("expires_at")))


@dataclass(frozen=True)
class Obligation:
    id: int
    name: str
    kind: str
    debtor: str
    state: str
    amount: Decimal | None = None
    due_date: date | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Obligation:
        return cls(
            data["id"],
            data["name"],
            data["kind"],
            data["debtor"],
            data["state"],
            _decimal(data.get("amount")),
            _date(data.get("due_date")),
        )


@dataclass(frozen=True)
class ContractSummary:
    id: int
    reference: str
    title: str
    type: str
    state: str
    company: str
    currency: str
    amount: Decimal
    updated_at: datetime
    date_start: date | None = None
    date_end: date | None = None

    @classmethod
    def _fields_of(cls, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": data["id"],
            "reference": data["reference"],
            "title": data["title"],
            "type": data["type"],
            "state": data["state"],
            "company": data["company"]["name"],
            "currency": data["currency"],
            "amount": _required(_decimal(data["amount"]), "amount"),
            "updated_at": _required(_datetime(data["updated_at"]), "updated_at"),
            "date_start": _date(data.get("date_start")),
            "date_end": _date(data.get("date_end")),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ContractSummary:
        return cls(**cls._fields_of(data))


@dataclass(frozen=True)
class Contract(ContractSummary):
    parties: tuple[Party, ...] = ()
    values: dict[str, str | None] = dataclasses.field(default_factory=dict)
    versions: tuple[DocumentVersion, ...] = ()
    sign_requests: tuple[SignRequest, ...] = ()
    obligations: tuple[Obligation, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Contract:
        return cls(
            **cls._fields_of(data),
            parties=tuple(Party.from_json(p) for p in data.get("parties") or ()),
            values={v["name"]: v.get("value") for v in data.get("variables") or ()},
            versions=tuple(DocumentVersion.from_json(v) for v in data.get("versions") or ()),
            sign_requests=tuple(SignRequest.from_json(r) for r in data.get("sign_requests") or ()),
            obligations=tuple(Obligation.from_json(o) for o in data.get("obligations") or ()),
        )


@dataclass(frozen=True)
class Verification:
    sha256: str
    valid: bool
    problem: str | None
    signatures: tuple[dict[str, Any], ...]
    document_problems: tuple[str, ...]
    contract_id: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Verification:
        return cls(
            data["sha256"],
            bool(data["valid"]),
            data.get("problem"),
            tuple(data.get("signatures") or ()),
            tuple(data.get("document_problems") or ()),
            data.get("contract_id"),
        )
