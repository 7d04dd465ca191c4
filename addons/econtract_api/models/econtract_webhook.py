import json
import logging
import secrets
import uuid
from datetime import UTC

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_repr

from econtract.webhooks import AddressRefused, check_url

_logger = logging.getLogger(__name__)

#: Ledger event types and the webhook topics they are, by their payload where it decides.
LEDGER_TOPICS = {
    "contract.signing_sent": "contract.sent",
    "contract.signing_viewed": "signer.viewed",
    "contract.signed": "signer.signed",
    "contract.signing_declined": "signer.declined",
    "contract.signing_completed": "contract.completed",
    "contract.archived": "contract.archived",
    "obligation.due": "obligation.due",
    "obligation.overdue": "obligation.overdue",
    "obligation.fulfilled": "obligation.fulfilled",
    "obligation.waived": "obligation.waived",
}


def ledger_topic(event_type, payload):
    """The webhook topic of an evidence event, or None: approval and rejection are the
    contract's state changes out of approval."""
    if event_type == "contract.state_changed":
        if payload.get("to") == "approved":
            return "contract.approved"
        if payload.get("from") == "in_approval" and payload.get("to") == "draft":
            return "contract.rejected"
        if payload.get("to") == "cancelled":
            return "contract.cancelled"
        return None
    return LEDGER_TOPICS.get(event_type)


def _allow_private(env):
    # sudo: configuration, read for whoever's change is delivered.
    value = env["ir.config_parameter"].sudo().get_param("econtract_api.webhook_allow_private")
    return (value or "").strip().lower() in ("1", "true", "yes")


class EcontractWebhookTopic(models.Model):
    """What a subscription may listen to: one record per event type, shipped as data."""

    _name = "econtract.webhook.topic"
    _description = "Webhook Event Type"
    _order = "sequence, code"

    code = fields.Char(required=True, readonly=True)
    name = fields.Char(required=True, translate=True)
    description = fields.Text(translate=True)
    sequence = fields.Integer(default=10)

    _sql_constraints = [("code_uniq", "unique(code)", "An event type is listed once.")]

    @api.depends("code", "name")
    def _compute_display_name(self):
        for topic in self:
            topic.display_name = f"{topic.name} ({topic.code})"


class EcontractWebhook(models.Model):
    """A URL that is told of a company's contract events, as signed JSON.

    Deliveries are written in the transaction of the change they report (the change and its
    delivery exist together or not at all) and sent by a job afterwards, so a receiver never
    hears of a change that was rolled back, and a slow receiver never holds a signature up.
    The secret is written, never read back: only the sender uses it.
    """

    _name = "econtract.webhook"
    _description = "Webhook"
    _order = "name, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
        help="Only this company's contracts are reported.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
        ondelete="restrict",
        help="Only contracts this user may read are reported.",
    )
    url = fields.Char(string="URL", required=True)
    topic_ids = fields.Many2many("econtract.webhook.topic", string="Events", required=True)
    secret = fields.Char(groups="base.group_system", copy=False)
    new_secret = fields.Char(
        compute="_compute_new_secret",
        inverse="_inverse_new_secret",
        help="A new signing secret (at least 24 characters). It is never shown again; "
        "left empty at creation, one is generated and shown once.",
    )
    delivery_ids = fields.One2many("econtract.webhook.delivery", "webhook_id", readonly=True)
    dead_count = fields.Integer(string="Dead Letters", compute="_compute_counts")
    pending_count = fields.Integer(string="Pending", compute="_compute_counts")

    def _compute_new_secret(self):
        self.new_secret = False

    def _inverse_new_secret(self):
        for webhook in self.filtered("new_secret"):
            webhook._set_secret(webhook.new_secret)

    def _set_secret(self, secret):
        if len(secret or "") < 24:
            raise ValidationError(_("A webhook secret has at least 24 characters."))
        # sudo: the secret is readable and writable by the system only; an administrator of
        # contracts sets it (checked by the write that got here) and never reads it.
        self.sudo().secret = secret

    def _compute_counts(self):
        groups = {
            (webhook.id, state): count
            for webhook, state, count in self.env["econtract.webhook.delivery"]._read_group(
                [("webhook_id", "in", self.ids), ("state", "in", ("dead", "pending", "retrying"))],
                ["webhook_id", "state"],
                ["__count"],
            )
        }
        for webhook in self:
            webhook.dead_count = groups.get((webhook.id, "dead"), 0)
            webhook.pending_count = groups.get((webhook.id, "pending"), 0) + groups.get(
                (webhook.id, "retrying"), 0
            )

    @api.constrains("url")
    def _check_url(self):
        allow_private = _allow_private(self.env)
        for webhook in self:
            try:
                check_url(webhook.url, allow_private=allow_private)
            except AddressRefused as exc:
                raise ValidationError(
                    _("%(url)s cannot receive webhooks: %(reason)s", url=webhook.url, reason=exc)
                ) from exc

    @api.constrains("topic_ids")
    def _check_topics(self):
        if any(not webhook.topic_ids for webhook in self):
            raise ValidationError(_("A webhook listens to at least one event."))

    @api.constrains("user_id", "company_id")
    def _check_owner(self):
        for webhook in self:
            if webhook.company_id not in webhook.user_id.company_ids:
                raise ValidationError(
                    _("The owner of a webhook belongs to its company %s.", webhook.company_id.name)
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # Owners are who creates; the company is one of theirs (the rule checks it).
            vals.pop("user_id", None)
            if not vals.get("new_secret"):
                vals["new_secret"] = secrets.token_urlsafe(32)
        return super().create(vals_list)

    def write(self, vals):
        frozen = {"company_id", "user_id"} & set(vals)
        if frozen:
            raise UserError(
                _("A webhook's company and owner are set when it is created; create another.")
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_delivered(self):
        if self.delivery_ids:
            raise UserError(
                _("Webhooks that have deliveries are kept with their log: archive them instead.")
            )

    # Actions ---------------------------------------------------------------------------

    def _rotate_secret(self):
        """A new generated secret, returned once; the old one stops signing at once."""
        self.ensure_one()
        self.check_access("write")
        secret = secrets.token_urlsafe(32)
        self._set_secret(secret)
        return secret

    def action_rotate_secret(self):
        secret = self._rotate_secret()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning",
                "sticky": True,
                "title": _("New secret of %s", self.name),
                "message": _("%s — copy it now: it is not shown again.", secret),
            },
        }

    def action_ping(self):
        """Queue a ``ping`` to each webhook, to test the receiver and its verification."""
        self.check_access("write")
        deliveries = self.env["econtract.webhook.delivery"]
        for webhook in self:
            body = webhook._envelope("ping", {"message": _("It works.")}, None, None)
            deliveries |= deliveries._queue([(webhook, "ping", body, False, False)])
        return deliveries

    # Events ----------------------------------------------------------------------------

    @api.model
    def _subscribed(self, companies):
        # sudo: the change being reported may be made by anyone (an outside signer, a job);
        # the subscriptions of its company are looked up whoever made it.
        webhooks = self.sudo().search([("company_id", "in", companies.ids)])
        # An owner who left (archived, or no longer in the company) hears nothing more, and
        # the change goes through: their rules could not even be applied there.
        orphans = webhooks.filtered(
            lambda w: not w.user_id.active or w.company_id not in w.user_id.company_ids
        )
        for webhook in orphans:
            _logger.warning(
                "webhook %s is silent: its owner %s is not in %s any more",
                webhook.id,
                webhook.user_id.login,
                webhook.company_id.name,
            )
        return webhooks - orphans

    @api.model
    def _queue_ledger_events(self, events):
        """Queue, when the transaction is about to commit, a delivery per subscription of
        each evidence event it listens to: the contract is then described as the
        transaction leaves it (signed, not the approved it was when signing began)."""
        if not events.company_id or not self._subscribed(events.company_id):
            return
        cr = self.env.cr
        pending = cr.precommit.data.setdefault("econtract_webhook_events", [])
        if not pending:
            cr.precommit.add(self._flush_ledger_events)
        pending.extend(events.ids)

    @api.model
    def _flush_ledger_events(self):
        ids = self.env.cr.precommit.data.pop("econtract_webhook_events", [])
        # sudo: the events of whoever's change; a savepoint rolled back may have taken some.
        events = self.env["econtract.ledger.event"].sudo().browse(ids).exists().sorted("sequence")
        webhooks = self._subscribed(events.company_id)
        queued = []
        for event in events:
            payload = json.loads(event.canonical).get("payload") or {}
            topic = ledger_topic(event.event_type, payload)
            if not topic:
                continue
            listening = webhooks.filtered(
                lambda w, e=event, t=topic: (
                    w.company_id == e.company_id and t in w.topic_ids.mapped("code")
                )
            )
            for webhook in listening:
                # As the owner in the webhook's company, not in the companies the user
                # whose change this is had selected (the owner may not belong to them).
                contract = event.contract_id.with_user(webhook.user_id).with_context(
                    allowed_company_ids=webhook.company_id.ids
                )
                if not contract or not contract._filtered_access("read"):
                    continue
                body = webhook._envelope(topic, self._topic_data(event, payload), contract, event)
                queued.append((webhook, topic, body, contract.id, event.id))
        if queued:
            self.env["econtract.webhook.delivery"]._queue(queued)
            self.env.flush_all()

    @api.model
    def _topic_data(self, event, payload):
        """What an event says beyond its contract: the signer, the request, the obligation."""
        data = {}
        if "request" in payload:
            data["sign_request_id"] = payload["request"]
        if isinstance(payload.get("signer"), dict):
            # Its id, name, role and order; no addresses, phone numbers or devices.
            identity = payload["signer"]
            data["signer"] = {
                "id": identity.get("signer"),
                "name": (identity.get("partner") or {}).get("name"),
                "role": identity.get("role"),
                "order": identity.get("order"),
            }
        for key in ("reason", "signed_sha256", "archive_number", "retention_until"):
            if payload.get(key):
                data[key] = payload[key]
        if event.event_type.startswith("obligation."):
            # sudo: the obligation the event names, for its public facts; its contract's
            # readability by the webhook's owner was checked.
            obligation = (
                self.env["econtract.obligation"]
                .sudo()
                .browse(json.loads(event.canonical)["subject"]["id"])
            )
            data["obligation"] = {
                "id": obligation.id,
                "name": obligation.name,
                "kind": obligation.kind,
                "debtor": obligation.debtor,
                "amount": float_repr(obligation.amount, obligation.currency_id.decimal_places)
                if obligation.amount
                else None,
                "currency": obligation.currency_id.name,
                "due_date": obligation.date_due.isoformat() if obligation.date_due else None,
                "state": obligation.state,
            }
            if "days_overdue" in payload:
                data["days_overdue"] = payload["days_overdue"]
        return data

    def _envelope(self, topic, data, contract, event):
        """The body of one event, as JSON text: the same bytes in every attempt."""
        self.ensure_one()
        body = {
            "id": str(uuid.uuid4()),
            "type": topic,
            "created_at": fields.Datetime.now().replace(tzinfo=UTC).isoformat(),
            "company": {"id": self.company_id.id, "name": self.company_id.name},
            "data": data,
        }
        if contract:
            # sudo: the contract's summary, as its readability by the owner was checked.
            record = contract.sudo()
            body["contract"] = {
                "id": record.id,
                "reference": record.name,
                "title": record.title,
                "type": record.contract_type,
                "state": record.state,
                "state_reason": record.state_reason or None,
                "currency": record.currency_id.name,
                "amount": float_repr(record.amount, record.currency_id.decimal_places),
                "url": f"/api/v1/contracts/{record.id}",
            }
        if event:
            body["evidence"] = {"sequence": event.sequence, "leaf_hash": event.leaf_hash}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))
