"""Read side of the store webhooks: the deliveries of a shop, newest first, and one with its body."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from ordercenter.domain.errors import InvalidInput, NotFound
from ordercenter.domain.webhooks import DeliveryStatus, WebhookDelivery
from ordercenter.services.uow import UnitOfWork

MAX_PAGE = 200


@dataclass(frozen=True)
class DeliveriesPage:
    deliveries: Sequence[WebhookDelivery]
    next_cursor: str | None  # None on the last page


def encode_cursor(delivery_id: int) -> str:
    return base64.urlsafe_b64encode(f"w:{delivery_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        prefix, _, value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition(":")
        if prefix != "w":
            raise ValueError
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("the cursor is not one this API gave out", field="cursor") from None


def list_deliveries(uow: UnitOfWork, *, shop_id: int, status: DeliveryStatus | None = None, limit: int = 50,
                    cursor: str | None = None) -> DeliveriesPage:
    """The shop's webhook deliveries in that state (any when None), newest first, a page at a time."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    before_id = decode_cursor(cursor) if cursor else None
    with uow:
        rows = list(uow.webhooks.page(shop_id, statuses=[status] if status else None, before_id=before_id,
                                      limit=limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return DeliveriesPage(rows, encode_cursor(rows[-1].id) if more and rows else None)


def get_delivery(uow: UnitOfWork, *, shop_id: int, delivery_id: int) -> WebhookDelivery:
    """One delivery of the shop, with what the store sent."""
    with uow:
        delivery = uow.webhooks.get(shop_id, delivery_id)
    if delivery is None:
        raise NotFound(f"no webhook delivery with id {delivery_id}", field="delivery_id")
    return delivery
