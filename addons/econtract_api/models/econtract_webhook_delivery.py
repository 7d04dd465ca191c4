import json
import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.econtract_base.models.econtract_guard_mixin import clean

from econtract.webhooks import (
    HEADER_DELIVERY,
    HEADER_EVENT,
    DeliveryError,
    backoff,
    post,
    sign,
)

from .econtract_webhook import _allow_private

_logger = logging.getLogger(__name__)

DEFAULT_ATTEMPTS = 10
DEFAULT_TIMEOUT = 10.0
DEFAULT_BASE_DELAY = 60.0
DEFAULT_MAX_DELAY = 3600.0
DEFAULT_RETENTION_DAYS = 90
BATCH = 100


class EcontractWebhookDelivery(models.Model):
    """One event for one webhook: its body as sent, where it stands, and its attempts.

    Written in the transaction of the change it reports and sent by the delivery job once
    that transaction committed; each attempt is kept before the next is tried. Delivered is
    a 2xx answer. Failures are retried with capped exponential back-off until the
    attempts run out, then the delivery is a dead letter, which an administrator may send
    again. Receivers tell retries apart by the event id (``X-Econtract-Delivery``).
    """

    _name = "econtract.webhook.delivery"
    _description = "Webhook Delivery"
    _order = "id desc"

    webhook_id = fields.Many2one(
        "econtract.webhook", required=True, readonly=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one(related="webhook_id.company_id", store=True, index=True)
    event_uuid = fields.Char(string="Event ID", required=True, readonly=True, index=True)
    topic = fields.Char(string="Event", required=True, readonly=True)
    contract_id = fields.Many2one("econtract.contract", readonly=True, ondelete="set null")
    ledger_event_id = fields.Many2one(
        "econtract.ledger.event", string="Evidence", readonly=True, ondelete="set null"
    )
    body = fields.Text(required=True, readonly=True)
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("retrying", "Retrying"),
            ("delivered", "Delivered"),
            ("dead", "Dead Letter"),
        ],
        required=True,
        readonly=True,
        default="pending",
        index=True,
    )
    attempt_count = fields.Integer(string="Attempts", readonly=True)
    next_attempt_at = fields.Datetime(readonly=True, index=True)
    delivered_at = fields.Datetime(readonly=True)
    last_status = fields.Integer(string="Last Answer", readonly=True)
    last_error = fields.Char(readonly=True)
    attempt_ids = fields.One2many("econtract.webhook.attempt", "delivery_id", readonly=True)

    _sql_constraints = [
        ("event_webhook_uniq", "unique(webhook_id, event_uuid)", "An event is queued once."),
    ]

    @api.model
    def _queue(self, items):
        """Queue ``(webhook, topic, body, contract id, ledger event id)`` items; the job is
        woken when this transaction commits (never before)."""
        # sudo: deliveries are the engine's records, queued for any change being reported.
        deliveries = (
            clean(self)
            .sudo()
            .create(
                [
                    {
                        "webhook_id": webhook.id,
                        "event_uuid": json.loads(body)["id"],
                        "topic": topic,
                        "body": body,
                        "contract_id": contract_id,
                        "ledger_event_id": event_id,
                        "next_attempt_at": fields.Datetime.now(),
                    }
                    for webhook, topic, body, contract_id, event_id in items
                ]
            )
        )
        self._job()._trigger()
        return deliveries.sudo(False)

    def _job(self):
        # sudo: the job is woken by whoever's change it sends.
        return self.env.ref("econtract_api.ir_cron_webhook_deliver").sudo()

    # Manual redelivery -----------------------------------------------------------------

    def action_redeliver(self):
        """Send again (a dead letter, or a delivered event a receiver lost): one more attempt
        now, the same event id and body; the attempts so far stay in the log."""
        if not self.env.user.has_group("econtract_base.group_econtract_admin"):
            raise AccessError(_("Only contract administrators send webhooks again."))
        self.check_access("read")
        waiting = self.filtered(lambda d: d.state in ("pending", "retrying"))
        if waiting:
            raise UserError(
                _("%s is still being delivered.", ", ".join(waiting.mapped("event_uuid")))
            )
        # sudo: the state is the engine's; the administrator's read access was checked.
        self.sudo().write(
            {"state": "pending", "next_attempt_at": fields.Datetime.now(), "delivered_at": False}
        )
        self._job()._trigger()
        return True

    # The delivery job ------------------------------------------------------------------

    @api.model
    def _settings(self):
        # sudo: configuration the job reads, whoever woke it.
        param = self.env["ir.config_parameter"].sudo().get_param

        def number(name, default, kind=float):
            try:
                return kind(param(f"econtract_api.webhook_{name}") or default)
            except ValueError:
                return default

        return {
            "attempts": max(1, number("max_attempts", DEFAULT_ATTEMPTS, int)),
            "timeout": number("timeout", DEFAULT_TIMEOUT),
            "base": number("retry_base_seconds", DEFAULT_BASE_DELAY),
            "cap": number("retry_max_seconds", DEFAULT_MAX_DELAY),
        }

    @api.model
    def _cron_deliver(self):
        """Send what is due, one delivery per transaction (an answer is kept before the next
        request goes out); more than a batch left, the job runs again at once."""
        done = self._deliver_due(auto_commit=True)
        remaining = self._due_count()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    @api.model
    def _due_count(self):
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT count(*) FROM econtract_webhook_delivery d
              JOIN econtract_webhook w ON w.id = d.webhook_id AND w.active
             WHERE d.state IN ('pending', 'retrying')
               AND d.next_attempt_at <= %s
            """,
            (fields.Datetime.now(),),
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _deliver_due(self, limit=BATCH, auto_commit=False):
        """Send up to ``limit`` due deliveries, each locked while it is sent so that two
        workers never send the same one; returns how many were tried."""
        settings = self._settings()
        tried = 0
        while tried < limit:
            self.env.flush_all()  # what the last attempt wrote, before SQL reads the queue
            self.env.cr.execute(
                """
                SELECT d.id FROM econtract_webhook_delivery d
                  JOIN econtract_webhook w ON w.id = d.webhook_id AND w.active
                 WHERE d.state IN ('pending', 'retrying')
                   AND d.next_attempt_at <= %s
                 ORDER BY d.next_attempt_at, d.id
                 LIMIT 1
                   FOR UPDATE OF d SKIP LOCKED
                """,
                (fields.Datetime.now(),),
            )
            row = self.env.cr.fetchone()
            if not row:
                break
            # sudo: the job sends every company's deliveries with their webhooks' secrets.
            self.sudo().browse(row[0])._attempt(settings)
            tried += 1
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return tried

    def _send(self, settings):
        """POST the body, signed afresh: ``(status, error or False, answer excerpt, duration
        in ms, address)``; status 0 when no answer came."""
        body = self.body.encode()
        headers = {
            HEADER_EVENT: self.topic,
            HEADER_DELIVERY: self.event_uuid,
            **sign(self.webhook_id.secret, body),
        }
        try:
            outcome = post(
                self.webhook_id.url,
                body,
                headers,
                timeout=settings["timeout"],
                allow_private=_allow_private(self.env),
            )
        except DeliveryError as exc:
            return 0, str(exc)[:500], False, 0.0, False
        error = False if outcome.delivered else _("The receiver answered %s.", outcome.status)
        return outcome.status, error, outcome.excerpt or False, outcome.duration_ms, outcome.address

    def _attempt(self, settings):
        """One attempt: send the event, and keep what the receiver said."""
        self.ensure_one()
        webhook = self.webhook_id
        now = fields.Datetime.now()
        try:
            status, error, excerpt, duration, address = self._send(settings)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            # Whatever one delivery does, it fails alone: were it to stop the job, it would
            # stay first in the queue and hold every company's deliveries behind it.
            _logger.exception("Webhook %s: delivery %s failed", webhook.id, self.event_uuid)
            status, error, excerpt, duration, address = (
                0,
                f"{type(exc).__name__}: {exc}",
                False,
                0.0,
                False,
            )
            error = error[:500]
        count = self.attempt_count + 1
        self.env["econtract.webhook.attempt"].create(
            {
                "delivery_id": self.id,
                "attempted_at": now,
                "status": status,
                "error": error,
                "response_excerpt": excerpt,
                "duration_ms": duration,
                "address": address,
            }
        )
        values = {"attempt_count": count, "last_status": status, "last_error": error}
        if not error:
            values.update(state="delivered", delivered_at=now, next_attempt_at=False)
        elif count >= settings["attempts"]:
            values.update(state="dead", next_attempt_at=False)
            _logger.warning(
                "Webhook %s: delivery %s is a dead letter after %s attempts (%s)",
                webhook.id,
                self.event_uuid,
                count,
                error,
            )
        else:
            wait = backoff(count, base=settings["base"], cap=settings["cap"])
            values.update(state="retrying", next_attempt_at=now + timedelta(seconds=wait))
            self._job()._trigger(values["next_attempt_at"])
        self.write(values)

    @api.model
    def _gc_deliveries(self):
        """Forget delivered events older than the retention (econtract_api.
        webhook_retention_days); dead letters stay until they are sent or the webhook goes."""
        # sudo: the retention is configuration; the log is the engine's.
        days = int(
            self.env["ir.config_parameter"].sudo().get_param("econtract_api.webhook_retention_days")
            or DEFAULT_RETENTION_DAYS
        )
        limit = fields.Datetime.now() - timedelta(days=days)
        self.sudo().search([("state", "=", "delivered"), ("delivered_at", "<", limit)]).unlink()


class EcontractWebhookAttempt(models.Model):
    """One POST of a delivery: when, what the receiver answered, or why there was none."""

    _name = "econtract.webhook.attempt"
    _description = "Webhook Delivery Attempt"
    _order = "id desc"
    _log_access = False

    delivery_id = fields.Many2one(
        "econtract.webhook.delivery", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="delivery_id.company_id", store=True)
    attempted_at = fields.Datetime(required=True, readonly=True)
    status = fields.Integer(string="Answer", readonly=True, help="0: no answer came.")
    error = fields.Char(readonly=True)
    response_excerpt = fields.Text(string="Answer Body", readonly=True)
    duration_ms = fields.Float(string="Duration (ms)", readonly=True, digits=(16, 2))
    address = fields.Char(readonly=True, help="The address the request went to.")
