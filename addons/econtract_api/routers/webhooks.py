"""Webhook subscriptions over REST, for the contract administrators of a company.

A subscription's secret is answered when it is created (if the caller did not choose it)
and when it is rotated, never otherwise. Deliveries can be listed and sent again.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Literal

from fastapi import Query, Response, status

from .. import schemas
from ..problems import ApiProblem
from .common import Env, RecordId, decode_cursor, encode_cursor, make_router, utc, visible

router = make_router()
MAX_PAGE = 200


def webhook_view(webhook) -> dict:
    return {
        "id": webhook.id,
        "name": webhook.name,
        "url": webhook.url,
        "events": webhook.topic_ids.mapped("code"),
        "active": webhook.active,
        "company": {"id": webhook.company_id.id, "name": webhook.company_id.name},
        "owner": {"id": webhook.user_id.id, "name": webhook.user_id.name},
        "pending": webhook.pending_count,
        "dead_letters": webhook.dead_count,
        "created_at": utc(webhook.create_date),
    }


def delivery_view(delivery) -> schemas.Delivery:
    return schemas.Delivery(
        id=delivery.id,
        event_id=delivery.event_uuid,
        type=delivery.topic,
        state=delivery.state,
        attempts=delivery.attempt_count,
        last_status=delivery.last_status if delivery.attempt_count else None,
        last_error=delivery.last_error or None,
        next_attempt_at=utc(delivery.next_attempt_at),
        delivered_at=utc(delivery.delivered_at),
        contract_id=delivery.contract_id.id or None,
        created_at=utc(delivery.create_date),
    )


def _topics(env, codes: list[str]):
    topics = env["econtract.webhook.topic"].search([("code", "in", codes)])
    unknown = sorted(set(codes) - set(topics.mapped("code")))
    if unknown:
        raise ApiProblem(
            422,
            "invalid_value",
            env._("No such events: %(codes)s.", codes=", ".join(unknown)),
        )
    return topics


def _webhook(env, webhook_id: int):
    return visible(
        env(context=dict(env.context, active_test=False)), "econtract.webhook", webhook_id
    )


@router.get("/webhook-events", tags=["webhooks"], response_model=list[schemas.WebhookTopic])
def list_topics(env: Env) -> list[schemas.WebhookTopic]:
    """The events a webhook may listen to."""
    return [
        schemas.WebhookTopic(code=t.code, name=t.name, description=t.description or None)
        for t in env["econtract.webhook.topic"].search([])
    ]


@router.get("/webhooks", tags=["webhooks"], response_model=list[schemas.Webhook])
def list_webhooks(env: Env) -> list[schemas.Webhook]:
    """The webhooks of the companies the key's user may see, archived ones too."""
    webhooks = env["econtract.webhook"].with_context(active_test=False).search([])
    return [schemas.Webhook(**webhook_view(webhook)) for webhook in webhooks]


@router.post(
    "/webhooks",
    tags=["webhooks"],
    response_model=schemas.WebhookCreated,
    status_code=status.HTTP_201_CREATED,
)
def create_webhook(env: Env, body: schemas.WebhookCreate) -> schemas.WebhookCreated:
    """Subscribe a URL to events of the key's user's current company. The answer carries
    the signing secret; keep it, it is not shown again."""
    secret = body.secret or secrets.token_urlsafe(32)
    webhook = env["econtract.webhook"].create(
        {
            "name": body.name,
            "url": body.url,
            "topic_ids": [(6, 0, _topics(env, body.events).ids)],
            "new_secret": secret,
        }
    )
    return schemas.WebhookCreated(**webhook_view(webhook), secret=secret)


@router.get("/webhooks/{webhook_id}", tags=["webhooks"], response_model=schemas.Webhook)
def get_webhook(env: Env, webhook_id: RecordId) -> schemas.Webhook:
    return schemas.Webhook(**webhook_view(_webhook(env, webhook_id)))


@router.patch("/webhooks/{webhook_id}", tags=["webhooks"], response_model=schemas.Webhook)
def update_webhook(env: Env, webhook_id: RecordId, body: schemas.WebhookUpdate) -> schemas.Webhook:
    """Change what is given: the name, URL, events, whether it is active, the secret."""
    webhook = _webhook(env, webhook_id)
    vals = {}
    for name in ("name", "url", "active"):
        if getattr(body, name) is not None:
            vals[name] = getattr(body, name)
    if body.events is not None:
        vals["topic_ids"] = [(6, 0, _topics(env, body.events).ids)]
    if body.secret is not None:
        vals["new_secret"] = body.secret
    if vals:
        webhook.write(vals)
    return schemas.Webhook(**webhook_view(webhook))


@router.delete("/webhooks/{webhook_id}", tags=["webhooks"], status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(env: Env, webhook_id: RecordId) -> Response:
    """Stop a webhook: deleted, or archived with its log if it has deliveries."""
    webhook = _webhook(env, webhook_id)
    if webhook.delivery_ids:
        webhook.active = False
    else:
        webhook.unlink()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/webhooks/{webhook_id}/rotate-secret", tags=["webhooks"], response_model=schemas.WebhookSecret
)
def rotate_secret(env: Env, webhook_id: RecordId) -> schemas.WebhookSecret:
    """A new generated secret; deliveries are signed with it from now on."""
    return schemas.WebhookSecret(secret=_webhook(env, webhook_id)._rotate_secret())


@router.post(
    "/webhooks/{webhook_id}/ping",
    tags=["webhooks"],
    response_model=schemas.Delivery,
    status_code=status.HTTP_202_ACCEPTED,
)
def ping(env: Env, webhook_id: RecordId) -> schemas.Delivery:
    """Queue a ``ping`` event to the webhook, sent once this call has ended."""
    return delivery_view(_webhook(env, webhook_id).action_ping())


@router.get(
    "/webhooks/{webhook_id}/deliveries", tags=["webhooks"], response_model=schemas.DeliveryPage
)
def list_deliveries(
    env: Env,
    webhook_id: RecordId,
    state: Annotated[
        list[Literal["pending", "retrying", "delivered", "dead"]] | None, Query()
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(max_length=256)] = None,
) -> schemas.DeliveryPage:
    """The webhook's deliveries, newest first, a page at a time."""
    webhook = _webhook(env, webhook_id)
    domain = [("webhook_id", "=", webhook.id)]
    if state:
        domain.append(("state", "in", state))
    if cursor:
        domain.append(("id", "<", decode_cursor(cursor)))
    found = env["econtract.webhook.delivery"].search(domain, order="id desc", limit=limit + 1)
    page = found[:limit]
    return schemas.DeliveryPage(
        items=[delivery_view(delivery) for delivery in page],
        next_cursor=encode_cursor(page[-1].id) if len(found) > limit else None,
    )


@router.post(
    "/webhook-deliveries/{delivery_id}/redeliver",
    tags=["webhooks"],
    response_model=schemas.Delivery,
    status_code=status.HTTP_202_ACCEPTED,
)
def redeliver(env: Env, delivery_id: RecordId) -> schemas.Delivery:
    """Send a dead letter (or a delivered event) again, with the same event id."""
    delivery = visible(env, "econtract.webhook.delivery", delivery_id)
    delivery.action_redeliver()
    return delivery_view(delivery)
