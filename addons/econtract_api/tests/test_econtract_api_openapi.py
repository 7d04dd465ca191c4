"""The OpenAPI document is the API's contract: schemathesis generates requests for every
route from it, and every answer must be one the document describes."""

from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_dict
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from odoo.tests import tagged
from odoo.tests.common import Opener
from odoo.tools import mute_logger

from .common import API, ApiCommon

EXAMPLES = 12
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
REJECTION = [not_a_server_error, status_code_conformance, negative_data_rejection]


@tagged("post_install", "-at_install")
class TestOpenApiContract(ApiCommon):
    def setUp(self):
        super().setUp()
        self.forget_rates()
        # Many requests in a few seconds, by one key: the limit is not what is tested here.
        self.env["ir.config_parameter"].set_param("econtract_api.rate_per_minute", "100000")
        self.env["ir.config_parameter"].set_param("econtract_api.rate_burst", "100000")
        self.env["ir.config_parameter"].set_param("econtract_api.heavy_per_minute", "100000")
        self.env["ir.config_parameter"].set_param("econtract_api.heavy_burst", "100000")
        self._signed()  # something to find, download and verify

    def _run(self, mode, checks, skip=()):
        document = self.url_open(API + "/openapi.json").json()
        schema = from_dict(document)
        session = Opener(self.env.cr)
        headers = {"Authorization": f"Bearer {self.key}", "Accept-Language": "en-US"}
        failures, tried = [], []
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.label in skip:
                continue
            tried.append(operation.label)

            @settings(
                max_examples=EXAMPLES,
                database=None,
                deadline=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                response = case.call(base_url=self.base_url() + API, session=session,
                                     headers=headers, timeout=60)  # fmt: skip
                case.validate_response(response, checks=checks)

            try:
                with mute_logger("odoo.addons.econtract_api.gate", "odoo.http"):
                    check()
            except (Exception, BaseExceptionGroup) as exc:  # pylint: disable=broad-exception-caught
                # each route's findings (schemathesis groups them), all reported at the end
                failures.append(f"{operation.label}: {str(exc)[:600]}")
        return tried, failures

    def test_every_route_answers_as_the_document_says(self):
        tried, failures = self._run(GenerationMode.POSITIVE, CONFORMANCE)
        self.assertGreaterEqual(len(tried), 20, tried)
        self.assertEqual(failures, [], "\n".join(failures))

    def test_every_route_refuses_what_the_document_does_not_allow(self):
        # A file's bytes are never invalid as such: /verify answers any upload with a report
        # (a "boolean" file is the file "true", which is not a readable PDF).
        _tried, failures = self._run(GenerationMode.NEGATIVE, REJECTION, skip={"POST /verify"})
        self.assertEqual(failures, [], "\n".join(failures))


@tagged("post_install", "-at_install")
class TestReferencePage(ApiCommon):
    def test_the_reference_page_renders_the_document_without_a_cdn(self):
        response = self.url_open(API + "/docs")
        self.assertEqual(response.status_code, 200)
        self.assertIn("default-src 'none'", response.headers["Content-Security-Policy"])
        self.assertNotRegex(response.text, r'(src|href)="(https?:)?//', "nothing from elsewhere")
        self.browser_js(
            API + "/docs",
            """
            const operations = document.querySelectorAll("details.op").length;
            const schemas = document.querySelectorAll("h3.schema").length;
            if (operations >= 20 && schemas >= 10) {
                console.log("test successful");
            } else {
                console.error(`rendered ${operations} operations, ${schemas} schemas`);
            }
            """,
            ready="document.getElementById('api-docs').dataset.rendered === '1'",
        )
