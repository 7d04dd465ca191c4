"""The SOAP service's two routes: its WSDL, and the operations."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from odoo.addons.econtract_api.problems import ApiProblem
from odoo.addons.econtract_api.routers.common import api_env

from econtract.soap import envelope as soap

from .gate import SCOPE_KEY, SoapRequest
from .soap import binding
from .soap.wsdl import wsdl

router = APIRouter()
XML = "text/xml; charset=utf-8"


def _location(model, location) -> list[str]:
    """A pydantic error's location in the request's element names."""
    path: list[str] = []
    for part in location:
        slot = next((s for s in binding.slots(model) if s.name == part), None)
        if slot is None:
            path.append(str(part))
            continue
        path.append(slot.element)
        if binding._is_model(slot.base):
            model = slot.base
    return path


@router.get("/econtract", include_in_schema=False)
def describe(request: Request) -> Response:
    """The WSDL (``?wsdl``). Its service address is the server's configured one
    (``web.base.url``, as in Odoo's own links), never the request's Host header: a client
    must not be sent elsewhere by whoever fetched the WSDL before it."""
    if "wsdl" not in {key.lower() for key in request.query_params}:
        return Response("Add ?wsdl for the service's description.\n", 404, media_type="text/plain")
    # sudo: the server's public address, which the anonymous caller may not read itself.
    base = api_env()["ir.config_parameter"].sudo().get_param("web.base.url") or ""
    return Response(wsdl(base.rstrip("/") + request.scope.get("root_path", "") + "/econtract"),
                    media_type=XML)  # fmt: skip


@router.post("/econtract", include_in_schema=False)
def call(request: Request) -> Response:
    """Run the operation the envelope's body names, as the API key's user."""
    soap_request: SoapRequest = request.scope[SCOPE_KEY]
    operation = soap_request.operation
    env = api_env()
    try:
        values = binding.read(operation.request, soap_request.envelope.operation)
        arguments = operation.request.model_validate(values)
        # The REST API's models validate again what the handler passes them.
        result = operation.handler(env, arguments)
    except binding.BindingError as exc:
        raise ApiProblem(
            422,
            "invalid_request",
            errors=[{"location": exc.location, "type": "xml", "message": str(exc)}],
        ) from exc
    except ValidationError as exc:
        raise ApiProblem(
            422,
            "invalid_request",
            errors=[
                {
                    "location": _location(operation.request, error["loc"]),
                    "type": error["type"],
                    "message": error["msg"],
                }
                for error in exc.errors()
            ],
        ) from exc
    element = binding.write(None, f"{operation.name}Response", result)
    return Response(soap.answer(element), media_type=XML)
