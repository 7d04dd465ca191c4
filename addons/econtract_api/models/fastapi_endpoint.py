from starlette.middleware import Middleware

from odoo import fields, models


class FastapiEndpoint(models.Model):
    _inherit = "fastapi.endpoint"

    app = fields.Selection(
        selection_add=[("econtract", "Electronic Contracts")], ondelete={"econtract": "cascade"}
    )

    def _get_fastapi_routers(self):
        if self.app == "econtract":
            from ..routers import ROUTERS

            return ROUTERS
        return super()._get_fastapi_routers()

    def _get_fastapi_app_middlewares(self):
        middlewares = super()._get_fastapi_app_middlewares()
        if self.app == "econtract":
            from ..gate import ApiGate

            middlewares = [*middlewares, Middleware(ApiGate)]
        return middlewares

    def _prepare_fastapi_app_params(self):
        params = super()._prepare_fastapi_app_params()
        if self.app == "econtract":
            from ..routers import API_VERSION, OPENAPI_TAGS

            # No /docs or /redoc pages from a CDN: the machine serving the API may be
            # offline, and the page would load third-party code into Odoo's origin.
            params.update(
                version=API_VERSION,
                openapi_tags=OPENAPI_TAGS,
                docs_url=None,
                redoc_url=None,
            )
        return params
