"""The bridge the other way: a webhook that calls a third party's SOAP operation.

An OA system, an ERP or a bank rarely takes JSON webhooks; it has a WSDL. A SOAP webhook
is a webhook (the same events, the same queue written at commit, the same retries, dead
letters and log) whose delivery calls ``operation`` of the service at its WSDL URL with
zeep, its arguments taken from the event by the field mapping.
"""

import base64
import json
import re
import time
import urllib.parse

import zeep
from lxml.etree import XMLSyntaxError
from zeep.cache import InMemoryCache
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault, TransportError
from zeep.helpers import serialize_object
from zeep.wsse.username import UsernameToken

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.econtract_api.models.econtract_webhook import _allow_private

from econtract.soap.transport import GuardedTransport
from econtract.webhooks import DeliveryError

PARAMETER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
SOURCE = re.compile(r"^[a-z_]+(\.[a-z_]+)*$")
# A SOAP webhook's attempt, WSDL and schemas included, takes at most this many timeouts.
BUDGET_TIMEOUTS = 3


def _lookup(document, path):
    """The value at the dotted ``path`` of the event's JSON, or None."""
    for part in path.split("."):
        if not isinstance(document, dict):
            return None
        document = document.get(part)
    return document


class EcontractWebhook(models.Model):
    _inherit = "econtract.webhook"

    kind = fields.Selection(
        [("json", "Signed JSON"), ("soap", "SOAP call")],
        default="json",
        required=True,
        help="Signed JSON: the event is posted to the URL. SOAP call: the URL is a WSDL, "
        "and an operation of its service is called with the mapped fields.",
    )
    soap_operation = fields.Char(string="Operation", help="e.g. NotifyContractSigned")
    soap_auth = fields.Selection(
        [
            ("none", "None"),
            ("header", "Key in a SOAP header"),
            ("username_token", "WS-Security UsernameToken"),
            ("basic", "HTTP Basic"),
        ],
        string="Authentication",
        default="none",
        required=True,
    )
    soap_header = fields.Char(
        string="Header Element", help="The SOAP header carrying the key, e.g. ApiKey."
    )
    soap_username = fields.Char(string="User Name")
    soap_password = fields.Char(string="SOAP Password", groups="base.group_system", copy=False)
    new_soap_password = fields.Char(
        string="New Password or Key",
        compute="_compute_new_soap_password",
        inverse="_inverse_new_soap_password",
        help="Written, never shown again.",
    )
    mapping_ids = fields.One2many(
        "econtract.webhook.mapping", "webhook_id", string="Field Mapping", copy=True
    )

    def _compute_new_soap_password(self):
        self.new_soap_password = False

    def _inverse_new_soap_password(self):
        for webhook in self.filtered("new_soap_password"):
            # sudo: readable and writable by the system only; a contract administrator sets
            # it (checked by the write that got here) and never reads it back.
            webhook.sudo().soap_password = webhook.new_soap_password

    @api.constrains("kind", "soap_operation", "soap_auth", "soap_header", "soap_username")
    def _check_soap(self):
        for webhook in self.filtered(lambda w: w.kind == "soap"):
            if not PARAMETER.match(webhook.soap_operation or ""):
                raise ValidationError(_("A SOAP webhook names the operation it calls."))
            if webhook.soap_auth == "header" and not PARAMETER.match(webhook.soap_header or ""):
                raise ValidationError(_("Name the SOAP header that carries the key."))
            if webhook.soap_auth in ("username_token", "basic") and not webhook.soap_username:
                raise ValidationError(_("This authentication needs a user name."))

    def _soap_arguments(self, event):
        """The operation's keyword arguments, built from ``event`` (the delivery's JSON) by
        the mapping; a field whose source is empty is left out."""
        arguments = {}
        for line in self.mapping_ids.sorted(lambda m: (m.sequence, m.id)):
            value = line.constant if line.constant else _lookup(event, line.source)
            if value is None or value == "":
                continue
            *path, last = line.parameter.split(".")
            target = arguments
            for part in path:
                target = target.setdefault(part, {})
                if not isinstance(target, dict):
                    raise UserError(_("%s is both a value and a group.", line.parameter))
            target[last] = value
        return arguments

    def _soap_client(self, timeout):
        """A zeep client of the WSDL, through the guarded transport."""
        # sudo: the password is the system's; the job that calls this reads it to send.
        password = self.sudo().soap_password or ""
        headers = {}
        if self.soap_auth == "basic":
            pair = f"{self.soap_username}:{password}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        host = urllib.parse.urlsplit(self.url).hostname
        transport = GuardedTransport(
            timeout=timeout,
            allow_private=_allow_private(self.env),
            headers=headers,
            headers_host=host,
            budget=BUDGET_TIMEOUTS * timeout,  # the WSDL, its schemas and the call, in all
        )
        transport.cache = InMemoryCache(timeout=300)
        wsse = (
            UsernameToken(self.soap_username, password)
            if self.soap_auth == "username_token"
            else None
        )
        settings = zeep.Settings(
            strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        client = zeep.Client(self.url, transport=transport, wsse=wsse, settings=settings)
        address = client.service._binding_options.get("address") or ""
        if self.soap_auth != "none" and urllib.parse.urlsplit(address).hostname != host:
            # The credentials go where the WSDL says; only to the host it was fetched from.
            raise UserError(
                _(
                    "The WSDL sends calls to %(address)s, not to %(host)s where it was "
                    "fetched: its credentials would go there.",
                    address=address,
                    host=host,
                )
            )
        soap_headers = {self.soap_header: password} if self.soap_auth == "header" else None
        return client, transport, soap_headers

    # A change of where or how a SOAP webhook calls forgets its password: the password was
    # given for that service, and must not follow the webhook to another one.
    CREDENTIAL_FIELDS = frozenset({"url", "kind", "soap_auth", "soap_username", "soap_header"})

    def write(self, vals):
        forget = self.CREDENTIAL_FIELDS & set(vals) and not vals.get("new_soap_password")
        result = super().write(vals)
        if forget:
            # sudo: the password is the system's; forgetting it reads nothing.
            self.sudo().soap_password = False
        return result

    def action_check_wsdl(self):
        """Load the WSDL and check that the operation and the mapped fields exist."""
        self.ensure_one()
        self.check_access("write")
        try:
            client, _transport, _headers = self._soap_client(timeout=10)
            operations = client.service._binding._operations
            if self.soap_operation not in operations:
                raise UserError(
                    _(
                        "The service has no operation %(name)s; it has %(names)s.",
                        name=self.soap_operation,
                        names=", ".join(sorted(operations)),
                    )
                )
            given = operations[self.soap_operation].input
            signature = given.signature(as_output=False)
            top = {name for name, _element in given.body.type.elements}
        except (DeliveryError, ZeepError, XMLSyntaxError, ValueError) as exc:
            raise UserError(_("The WSDL could not be read: %s", exc)) from exc
        unknown = sorted({line.parameter.split(".")[0] for line in self.mapping_ids} - top)
        if unknown:
            raise UserError(
                _(
                    "%(operation)s has no parameters %(names)s. It takes: %(signature)s",
                    operation=self.soap_operation,
                    names=", ".join(unknown),
                    signature=signature,
                )
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": _("%s takes", self.soap_operation),
                "message": signature,
                "sticky": True,
            },
        }


class EcontractWebhookMapping(models.Model):
    """One argument of a SOAP webhook's operation, and where in the event it comes from."""

    _name = "econtract.webhook.mapping"
    _description = "SOAP Webhook Field"
    _order = "sequence, id"
    _check_company_auto = True

    webhook_id = fields.Many2one(
        "econtract.webhook", required=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(related="webhook_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    parameter = fields.Char(
        required=True, help="The operation's parameter; dots for nested ones: contract.no"
    )
    source = fields.Char(
        help="A field of the event: type, created_at, company.name, contract.id, "
        "contract.reference, contract.title, contract.state, contract.amount, "
        "contract.currency, data.signer.name, data.reason, data.signed_sha256, "
        "data.obligation.id, evidence.leaf_hash…"
    )
    constant = fields.Char(help="A fixed value instead of a field of the event.")

    def write(self, vals):
        if "webhook_id" in vals and any(line.webhook_id.id != vals["webhook_id"] for line in self):
            raise UserError(_("A field belongs to its webhook; add one to the other webhook."))
        return super().write(vals)

    @api.constrains("parameter", "source", "constant")
    def _check_line(self):
        for line in self:
            if not PARAMETER.match(line.parameter or ""):
                raise ValidationError(_("%s is not a parameter name.", line.parameter))
            if bool(line.source) == bool(line.constant):
                raise ValidationError(
                    _("%s takes either a field of the event or a constant.", line.parameter)
                )
            if line.source and not SOURCE.match(line.source):
                raise ValidationError(_("%s is not a field of the event.", line.source))


class EcontractWebhookDelivery(models.Model):
    _inherit = "econtract.webhook.delivery"

    def _send(self, settings):
        """For a SOAP webhook: call its operation with the mapped fields of the event."""
        webhook = self.webhook_id
        if webhook.kind != "soap":
            return super()._send(settings)
        transport = None
        excerpt = None
        started = time.perf_counter()
        try:
            client, transport, headers = webhook._soap_client(settings["timeout"])
            arguments = webhook._soap_arguments(json.loads(self.body))
            result = client.service[webhook.soap_operation](**arguments, _soapheaders=headers)
        except Fault as exc:
            status, error = 500, _("The service answered a fault: %s", exc.message)
        except TransportError as exc:
            status, error = exc.status_code or 0, str(exc)
        except DeliveryError as exc:
            status, error = 0, str(exc)
        except (ZeepError, XMLSyntaxError, AttributeError, TypeError, ValueError) as exc:
            status, error = 0, _("The call could not be made: %s", exc)
        except UserError as exc:
            status, error = 0, exc.args[0]
        else:
            status, error = 200, False
            answer = serialize_object(result)
            excerpt = json.dumps(answer, ensure_ascii=False, default=str)[:2000]
        duration = round((time.perf_counter() - started) * 1000, 2)
        last = transport.last_answer if transport else None
        if excerpt is None and last is not None and "xml" in last.headers.get("content-type", ""):
            # An answer that is SOAP (a fault); not any page a URL led to.
            excerpt = last.content.decode("utf-8", "replace")[:2000]
        address = last.address if last else False
        return status, error and str(error)[:500], excerpt or False, duration, address
