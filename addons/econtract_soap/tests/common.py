import zeep
from lxml import etree
from zeep.plugins import HistoryPlugin

from odoo.tests.common import Opener
from odoo.tools import mute_logger

from odoo.addons.econtract_api.tests.common import ApiCommon
from odoo.addons.econtract_soap.soap.binding import NS
from odoo.addons.econtract_soap.soap.wsdl import schema_element

SOAP = "/soap/econtract"
ENV = "http://schemas.xmlsoap.org/soap/envelope/"


class SoapCommon(ApiCommon):
    """zeep clients of the service, from its WSDL, and raw envelopes for what zeep would
    never send."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.schema = etree.XMLSchema(schema_element())

    def client(self, wsse=None):
        """A zeep client from the served WSDL; ``self.history`` keeps its last exchange."""
        self.history = HistoryPlugin()
        # Odoo's opener flushes this transaction before each request, as the server shares it.
        transport = zeep.Transport(session=Opener(self.env.cr), timeout=30, operation_timeout=60)
        return zeep.Client(
            self.base_url() + SOAP + "?wsdl",
            transport=transport,
            wsse=wsse,
            plugins=[self.history],
        )

    def call(self, client, operation, key=None, idempotency_key=None, **arguments):
        headers = {}
        if key is not False:
            headers["ApiKey"] = key or self.key
        if idempotency_key:
            headers["IdempotencyKey"] = idempotency_key
        with mute_logger("odoo.addons.econtract_api.gate"):
            return client.service[operation](**arguments, _soapheaders=headers)

    def assert_answer_valid(self):
        """The last answer's body element is valid against the WSDL's schema."""
        body = self.history.last_received["envelope"].find(f"{{{ENV}}}Body")
        self.schema.assertValid(body[0])

    def post(self, envelope, headers=None, key=True):
        """``(status, fault code or None, root)`` of a raw POST."""
        sent = {"Content-Type": "text/xml; charset=utf-8"}
        sent.update(headers or {})
        data = envelope if isinstance(envelope, bytes) else envelope.encode()
        with mute_logger("odoo.addons.econtract_api.gate"):
            response = self.opener.post(self.base_url() + SOAP, data=data, headers=sent, timeout=30)
        root = etree.fromstring(response.content)
        code = root.findtext(f".//{{{NS}}}Problem/{{{NS}}}code")
        return response.status_code, code, root

    def envelope(self, operation_xml, key=None, extra_headers=""):
        api_key = f"<ec:ApiKey>{key or self.key}</ec:ApiKey>" if key is not False else ""
        return (
            f'<soap:Envelope xmlns:soap="{ENV}" xmlns:ec="{NS}"><soap:Header>{api_key}'
            f"{extra_headers}</soap:Header><soap:Body>{operation_xml}</soap:Body></soap:Envelope>"
        )
