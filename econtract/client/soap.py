"""The SOAP client: zeep from the service's WSDL, the REST client's typed results.

    >>> from econtract.client.soap import SoapClient
    >>> api = SoapClient("https://erp.example.com", "1b2c…", lang="zh-CN")
    >>> api.contract(reference="EC2026-00042").state
    'signed'

The results are the same classes as the REST client's (`econtract.client.models`), the
errors the same `ApiError` subclasses, by the fault's problem code. Operations that write
carry an idempotency key (a new one per call unless given), so a retry after a fault that
may be retried does not do the work twice. zeep is needed (``pip install zeep``).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import requests
import zeep
from zeep.exceptions import Fault
from zeep.helpers import serialize_object

from .errors import ApiError, RateLimited, TransportError, error_for
from .models import Contract, Obligation, SignerSpec, SigningLink, SignRequest, Verification

__all__ = ["SoapClient"]

NS = "urn:econtract:soap:v1"
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
# The REST API's names of what the SOAP service repeats as single elements.
PLURALS = {
    "party": "parties",
    "variable": "variables",
    "version": "versions",
    "sign_request": "sign_requests",
    "obligation": "obligations",
    "signer": "signers",
    "signature": "signatures",
    "problem": "problems",
    "document_problem": "document_problems",
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _rest_shape(value: Any, inside_list: bool = False) -> Any:
    """zeep's answer as the REST API's JSON: snake_case members, plural lists, text
    dates and decimal strings (what the typed models read)."""
    if isinstance(value, dict):
        shaped = {}
        for key, item in value.items():
            name = _snake(key)
            if isinstance(item, list) and name in PLURALS:
                name = PLURALS[name]
            shaped[name] = _rest_shape(item)
        return shaped
    if isinstance(value, list):
        return [_rest_shape(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _problem(fault: Fault) -> dict[str, Any]:
    problem: dict[str, Any] = {"code": "unknown", "status": 500, "title": fault.message}
    detail = fault.detail
    found = detail.find(f"{{{NS}}}Problem") if detail is not None else None
    if found is None:
        return problem
    for child in found:
        name = _snake(child.tag.split("}")[-1])
        if name == "error":
            problem.setdefault("errors", []).append(
                {_snake(e.tag.split("}")[-1]): e.text for e in child}
            )
        else:
            problem[name] = child.text
    problem["status"] = int(problem.get("status") or 500)
    return problem


class SoapClient:
    """econtract's SOAP service at ``base_url`` (the Odoo server), as the user of
    ``api_key`` (sent in the ``ApiKey`` header)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        lang: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        session = session or requests.Session()
        if lang:
            session.headers["Accept-Language"] = lang
        transport = zeep.Transport(session=session, timeout=timeout, operation_timeout=timeout)
        address = base_url.rstrip("/") + "/soap/econtract"
        try:
            self._zeep = zeep.Client(address + "?wsdl", transport=transport)
        except (requests.RequestException, zeep.exceptions.Error) as exc:
            raise TransportError(f"the WSDL could not be read: {exc}") from exc
        # Calls go to the server asked for, whatever address the WSDL names: the key is
        # sent with them.
        self._service = self._zeep.create_service(f"{{{NS}}}EContractBinding", address)
        self._key = api_key
        self.retries = retries
        self._sleep = sleep

    def _call(self, operation: str, idempotency_key: str | None = None, **arguments: Any) -> Any:
        headers = {"ApiKey": self._key}
        if idempotency_key is not None:
            headers["IdempotencyKey"] = idempotency_key
        arguments = {k: v for k, v in arguments.items() if v is not None}
        for attempt in range(self.retries + 1):
            try:
                answer = self._service[operation](**arguments, _soapheaders=headers)
                return _rest_shape(serialize_object(answer, dict))
            except Fault as fault:
                problem = _problem(fault)
                error: ApiError = error_for(problem["status"], problem)
                if problem["status"] not in RETRIED_STATUSES or attempt == self.retries:
                    raise error from fault
                wait = error.retry_after if isinstance(error, RateLimited) else 0.5 * 2**attempt
                self._sleep(min(float(wait), 30.0))
            except (requests.RequestException, zeep.exceptions.TransportError) as exc:
                if attempt == self.retries:
                    raise TransportError(f"{operation}: {exc}") from exc
                self._sleep(min(0.5 * 2**attempt, 30.0))
        raise AssertionError("unreachable")  # pragma: no cover

    def _write(self, operation: str, idempotency_key: str | None, **arguments: Any) -> Any:
        return self._call(operation, idempotency_key or str(uuid.uuid4()), **arguments)

    # ------------------------------------------------------------------ operations

    def contract(self, contract_id: int | None = None, *, reference: str | None = None) -> Contract:
        """A contract by its id or its reference (合同编号)."""
        answer = self._call("GetContract", contractId=contract_id, reference=reference)
        return Contract.from_json(answer)

    def create_contract(
        self,
        template_version_id: int,
        title: str,
        partner_ids: Sequence[int],
        *,
        values: dict[str, str | int | Decimal | date] | None = None,
        parties: dict[str, int] | None = None,
        amount: Decimal | None = None,
        currency: str | None = None,
        date_start: date | None = None,
        date_end: date | None = None,
        idempotency_key: str | None = None,
    ) -> Contract:
        """Draft a contract from a template version: ``values`` by variable name (text, a
        date, an amount as a Decimal or int), ``parties`` for variables that name a party
        (its id)."""
        typed: list[dict[str, Any]] = []
        for name, value in (values or {}).items():
            if isinstance(value, date):
                typed.append({"name": name, "date": value})
            elif isinstance(value, Decimal | int) and not isinstance(value, bool):
                typed.append({"name": name, "number": Decimal(value)})
            else:
                typed.append({"name": name, "text": str(value)})
        typed += [{"name": name, "partnerId": pid} for name, pid in (parties or {}).items()]
        answer = self._write(
            "CreateContract",
            idempotency_key,
            templateVersionId=template_version_id,
            title=title,
            partnerId=list(partner_ids),
            amount=amount,
            currency=currency,
            dateStart=date_start,
            dateEnd=date_end,
            value=typed,
        )
        return Contract.from_json(answer)

    def submit(self, contract_id: int, idempotency_key: str | None = None) -> Contract:
        answer = self._write("SubmitContract", idempotency_key, contractId=contract_id)
        return Contract.from_json(answer)

    def send_for_signature(
        self,
        contract_id: int,
        signers: Sequence[SignerSpec],
        *,
        seal_mode: str = "auto",
        idempotency_key: str | None = None,
    ) -> SignRequest:
        specs = [_rest_to_soap(signer.to_json()) for signer in signers]
        answer = self._write(
            "SendForSignature",
            idempotency_key,
            contractId=contract_id,
            signer=specs,
            sealMode=seal_mode,
        )
        return SignRequest.from_json(answer)

    def signing_link(self, request_id: int, signer_id: int) -> SigningLink:
        answer = self._call("GetSigningLink", signRequestId=request_id, signerId=signer_id)
        return SigningLink.from_json(answer)

    def download(
        self, contract_id: int, kind: str = "version", version: int | None = None
    ) -> bytes:
        """A document version (the latest unless ``version``), ``signed`` (the signed
        PDF), ``certificate`` or ``evidence`` (the package)."""
        answer = self._call("DownloadDocument", contractId=contract_id, kind=kind, version=version)
        return bytes(answer["content"])

    def verify(self, pdf: bytes, file_name: str | None = None) -> Verification:
        return Verification.from_json(self._call("VerifyDocument", content=pdf, fileName=file_name))

    def record_event(
        self, contract_id: int, event: str, day: date, note: str | None = None
    ) -> Contract:
        answer = self._write(
            "RecordFulfilmentEvent", None, contractId=contract_id, event=event, date=day, note=note
        )
        return Contract.from_json(answer)

    def fulfil(
        self,
        obligation_id: int,
        note: str,
        *,
        reference: str | None = None,
        day: date | None = None,
        idempotency_key: str | None = None,
    ) -> Obligation:
        answer = self._write(
            "FulfilObligation",
            idempotency_key,
            obligationId=obligation_id,
            note=note,
            reference=reference,
            date=day,
        )
        return Obligation.from_json(answer)


def _rest_to_soap(document: dict[str, Any]) -> dict[str, Any]:
    def camel(name: str) -> str:
        head, *rest = name.split("_")
        return head + "".join(part.title() for part in rest)

    return {camel(key): value for key, value in document.items()}
