from starlette.middleware import Middleware

from odoo import fields, models


class FastapiEndpoint(models.Model):
    _inherit = "fastapi.endpoint"

    app = fields.Selection(
        selection_add=[("econtract_soap", "Electronic Contracts (SOAP)")],
        ondelete={"econtract_soap": "cascade"},
    )

    def _get_fastapi_routers(self):
        if self.app == "econtract_soap":
            from ..routers import router

            return [router]
        return super()._get_fastapi_routers()

    def _get_fastapi_app_middlewares(self):
        middlewares = super()._get_fastapi_app_middlewares()
        if self.app == "econtract_soap":
            from ..gate import SoapGate

            middlewares = [*middlewares, Middleware(SoapGate)]
        return middlewares

    def _prepare_fastapi_app_params(self):
        params = super()._prepare_fastapi_app_params()
        if self.app == "econtract_soap":
            # The WSDL describes this service; an OpenAPI document would not.
            params.update(openapi_url=None, docs_url=None, redoc_url=None)
        return params
