"""The order timeline: an append-only log of typed events, written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base
from ordercenter.domain.duplicates import DuplicationPhase
from ordercenter.domain.events import StatusChanged
from ordercenter.domain.status import ActorKind


class OrderEventType(StrEnum):
    """What happened to an order; named <noun>_<past verb>."""

    ORDER_IMPORTED = "order_imported"  # first seen from the store
    ORDER_UPDATED = "order_updated"  # the store changed it (paid, cancelled, refunded, fulfilled)
    STAGE_CHANGED = "stage_changed"  # the derived stage moved
    SUPPLIER_ORDER_STATUS_CHANGED = "supplier_order_status_changed"  # a supplier order moved
    SUPPLIER_ORDER_PLACED = "supplier_order_placed"  # the supplier accepted a purchase
    SUPPLIER_ORDER_FAILED = "supplier_order_failed"  # placement or payment failed
    TRACKING_PUSHED = "tracking_pushed"  # a fulfilment with tracking reached the store
    CANCELLATION_REQUESTED = "cancellation_requested"
    CANCELLATION_DECIDED = "cancellation_decided"
    RETURN_OPENED = "return_opened"
    RETURN_STATUS_CHANGED = "return_status_changed"
    CUSTOMER_REFUND_RECEIVED = "customer_refund_received"
    CUSTOMER_REFUND_STATUS_CHANGED = "customer_refund_status_changed"
    NOTE_ADDED = "note_added"  # a person wrote on the timeline
    ORDER_DUPLICATED = "order_duplicated"  # a copy was created on the store
    ALERT_RAISED = "alert_raised"  # a supplier order is late, stalled or unpaid (domain/alerts.py)
    ALERT_RESOLVED = "alert_resolved"  # the alert's condition cleared
    SUPPLIER_MESSAGE_SENT = "supplier_message_sent"  # the merchant wrote to the seller
    SUPPLIER_MESSAGE_RECEIVED = "supplier_message_received"  # the seller answered
    CUSTOMER_REPLIED = "customer_replied"  # the merchant's answer e-mailed to the customer
    CUSTOMER_REFUNDED = "customer_refunded"  # money went back to the customer on the store
    ORDER_CANCELLED_ON_STORE = "order_cancelled_on_store"  # Order Center cancelled the store order
    EMAIL_QUEUED = "email_queued"  # an e-mail about this order was written to the outbox
    CUSTOMER_DATA_EXPORTED = "customer_data_exported"  # the order went into a customer's data request file
    CUSTOMER_REDACTED = "customer_redacted"  # the customer's personal data was erased at the store's request


class OrderEvent(Base):
    __tablename__ = "order_events"
    __table_args__ = (Index("ix_order_events_order_time", "shop_id", "order_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    type: Mapped[OrderEventType]
    actor_kind: Mapped[ActorKind]
    actor_id: Mapped[str | None] = mapped_column(default=None)
    message: Mapped[str]
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    related_event_id: Mapped[int | None] = mapped_column(ForeignKey("order_events.id"), default=None)
    created_at: Mapped[datetime]


def order_event(shop_id: int, order_id: int, type_: OrderEventType, at: datetime, message: str,
           actor: ActorKind = ActorKind.SYSTEM, actor_id: str | None = None,
           **parameters: Any) -> OrderEvent:
    return OrderEvent(shop_id=shop_id, order_id=order_id, type=type_, actor_kind=actor, actor_id=actor_id,
                      message=message, parameters=parameters, created_at=at)


def order_imported(shop_id: int, order_id: int, name: str, at: datetime, source: str) -> OrderEvent:
    return order_event(shop_id, order_id, OrderEventType.ORDER_IMPORTED, at, f"Order {name} imported from the store",
                  ActorKind.STORE, source=source)


def order_updated(shop_id: int, order_id: int, at: datetime, changes: dict[str, Any]) -> OrderEvent:
    summary = ", ".join(f"{k}: {v[0]} → {v[1]}" for k, v in changes.items())
    return order_event(shop_id, order_id, OrderEventType.ORDER_UPDATED, at, f"Updated on the store ({summary})",
                  ActorKind.STORE, changes={k: list(v) for k, v in changes.items()})


def stage_changed(shop_id: int, order_id: int, at: datetime, old: str, new: str,
                  reason: str | None) -> OrderEvent:
    message = f"Stage {old} → {new}" + (f" ({reason})" if reason else "")
    return order_event(shop_id, order_id, OrderEventType.STAGE_CHANGED, at, message, old=old, new=new, reason=reason)


def status_changed(shop_id: int, order_id: int, change: StatusChanged, actor: ActorKind,
                   actor_id: str | None = None) -> OrderEvent:
    type_ = {
        "supplier order": OrderEventType.SUPPLIER_ORDER_STATUS_CHANGED,
        "cancellation request": OrderEventType.CANCELLATION_DECIDED,
        "return request": OrderEventType.RETURN_STATUS_CHANGED,
        "customer refund request": OrderEventType.CUSTOMER_REFUND_STATUS_CHANGED,
    }[change.entity]
    message = f"{change.entity.capitalize()} {change.old} → {change.new}" + (
        f": {change.reason}" if change.reason else ""
    )
    return order_event(shop_id, order_id, type_, change.occurred_at, message, actor, actor_id,
                  entity_id=change.entity_id, old=change.old, new=change.new, reason=change.reason)


def note_added(shop_id: int, order_id: int, at: datetime, text: str, actor_id: str | None) -> OrderEvent:
    return order_event(shop_id, order_id, OrderEventType.NOTE_ADDED, at, text, ActorKind.STAFF, actor_id)


def supplier_order_placed(shop_id: int, order_id: int, at: datetime, supplier_order_id: str, seller: str,
                          cost: str, key: str, actor_id: str | None = None) -> OrderEvent:
    return order_event(shop_id, order_id, OrderEventType.SUPPLIER_ORDER_PLACED, at,
                       f"Placed with {seller or 'the supplier'} as order {supplier_order_id} ({cost})",
                       ActorKind.STAFF if actor_id else ActorKind.SYSTEM, actor_id,
                       supplier_order_id=supplier_order_id, idempotency_key=key, cost=cost)


def supplier_order_failed(shop_id: int, order_id: int, at: datetime, seller: str, reason: str,
                          failure: str) -> OrderEvent:
    return order_event(shop_id, order_id, OrderEventType.SUPPLIER_ORDER_FAILED, at,
                       f"{seller or 'The supplier'} did not take the order: {reason}", ActorKind.SUPPLIER,
                       reason=reason, failure=failure)


# ---------------------------------------------------------------- duplicating an order fulfilled by mistake
# All four are `order_duplicated` events; `phase` tells the steps apart (see domain/duplicates.py).


def duplicate_requested(shop_id: int, order_id: int, at: datetime, actor_id: str | None) -> OrderEvent:
    return order_event(shop_id, order_id, OrderEventType.ORDER_DUPLICATED, at,
                       "Duplicate requested on the store", ActorKind.STAFF, actor_id,
                       phase=DuplicationPhase.REQUESTED.value)


def duplicate_released(shop_id: int, order_id: int, at: datetime, claim_event_id: int, reason: str,
                       actor: ActorKind = ActorKind.SYSTEM, actor_id: str | None = None) -> OrderEvent:
    event = order_event(shop_id, order_id, OrderEventType.ORDER_DUPLICATED, at, f"Duplicate not created: {reason}",
                        actor, actor_id, phase=DuplicationPhase.RELEASED.value, reason=reason)
    event.related_event_id = claim_event_id
    return event


def order_duplicated(shop_id: int, order_id: int, at: datetime, copy_id: int, copy_name: str,
                     claim_event_id: int | None, actor: ActorKind, actor_id: str | None) -> OrderEvent:
    event = order_event(shop_id, order_id, OrderEventType.ORDER_DUPLICATED, at, f"Duplicated as {copy_name}",
                        actor, actor_id, phase=DuplicationPhase.DUPLICATED.value, copy_id=copy_id,
                        copy_name=copy_name)
    event.related_event_id = claim_event_id
    return event


def duplicate_linked(shop_id: int, copy_id: int, at: datetime, original_id: int, original_name: str,
                     actor: ActorKind, actor_id: str | None) -> OrderEvent:
    return order_event(shop_id, copy_id, OrderEventType.ORDER_DUPLICATED, at, f"Duplicate of {original_name}",
                       actor, actor_id, phase=DuplicationPhase.COPY_LINKED.value, original_id=original_id,
                       original_name=original_name)


def tracking_pushed(shop_id: int, order_id: int, at: datetime, *, supplier_order_id: int, number: str,
                    carrier: str, url: str | None, fulfillment_id: str | None, update: bool = False,
                    lines: int = 0) -> OrderEvent:
    """A package's tracking reached the store: a new fulfilment, or (`update`) a corrected one."""
    what = "Tracking updated on the store" if update else f"Fulfilled {lines} line(s) on the store"
    return order_event(shop_id, order_id, OrderEventType.TRACKING_PUSHED, at,
                       f"{what}: {carrier or 'carrier'} {number}", supplier_order_id=supplier_order_id,
                       number=number, carrier=carrier, url=url, fulfillment_id=fulfillment_id, update=update)


def alert_raised(shop_id: int, order_id: int, at: datetime, *, supplier_order_id: int | None, kind: str,
                 message: str) -> OrderEvent:
    return order_event(shop_id, order_id, OrderEventType.ALERT_RAISED, at, f"Alert: {message}",
                       supplier_order_id=supplier_order_id, kind=kind)


def alert_resolved(shop_id: int, order_id: int, at: datetime, *, supplier_order_id: int | None,
                   kind: str) -> OrderEvent:
    return order_event(shop_id, order_id, OrderEventType.ALERT_RESOLVED, at,
                       f"Alert cleared: {kind.replace('_', ' ')}", supplier_order_id=supplier_order_id, kind=kind)


def customer_data_exported(shop_id: int, order_id: int, at: datetime, *, privacy_request_id: int) -> OrderEvent:
    return order_event(shop_id, order_id, OrderEventType.CUSTOMER_DATA_EXPORTED, at,
                       f"Included in the customer's data request file (privacy request {privacy_request_id})",
                       ActorKind.STORE, privacy_request_id=privacy_request_id)


def customer_redacted(shop_id: int, order_id: int, at: datetime, *, privacy_request_id: int,
                      fields: list[str]) -> OrderEvent:
    """The erasure, named by the fields it emptied; never the erased values."""
    return order_event(shop_id, order_id, OrderEventType.CUSTOMER_REDACTED, at,
                       f"Customer's personal data erased at the store's request (privacy request "
                       f"{privacy_request_id}): {', '.join(fields)}", ActorKind.STORE,
                       privacy_request_id=privacy_request_id, fields=fields)
