"""Alerts: something that needs a person's eye (a late, stalled or unpaid supplier order, an undecided
cancellation, an overdue refund, an unanswered customer, a silent seller), raised and cleared by rules.

The supplier-order rules are a pure function of its facts and the time; the poller evaluates them
after each look. At most one alert of a kind is open per subject (a partial unique index backs this),
and an alert resolves itself when its condition no longer holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base
from ordercenter.domain.policies import payment_deadline, payment_warning_starts
from ordercenter.domain.status import SupplierOrderStatus

SO = SupplierOrderStatus

NO_TRACKING_AFTER = timedelta(days=7)  # after payment
STALLED_AFTER = timedelta(hours=48)  # since the newest tracking event


class AlertKind(StrEnum):
    """What is wrong with a supplier order."""

    NO_TRACKING_7_DAYS_AFTER_PAYMENT = "no_tracking_7_days_after_payment"  # paid a week ago, no parcel
    TRACKING_STALLED_48H = "tracking_stalled_48h"  # no carrier scan for two days while in transit
    PAST_GUARANTEED_DELIVERY = "past_guaranteed_delivery"  # the supplier's delivery promise has run out
    PAYMENT_DEADLINE_NEAR = "payment_deadline_near"  # unpaid, the supplier closes it within 3 days
    PAYMENT_DEADLINE_PASSED = "payment_deadline_passed"  # unpaid past the deadline
    CANCELLATION_UNDECIDED = "cancellation_undecided"  # a cancellation request waits 48 h for the supplier
    REFUND_OVERDUE = "refund_overdue"  # a supplier refund has not arrived by its last expected day
    CUSTOMER_UNANSWERED = "customer_unanswered"  # a customer's refund request waits 24 h for an answer
    SUPPLIER_SILENT = "supplier_silent"  # the seller has not answered a message for 48 h
    SHIPPED_AFTER_STORE_CANCEL = "shipped_after_store_cancel"  # shipped although the store order is gone
    STORE_REAUTHORIZATION_NEEDED = "store_reauthorization_needed"  # the store refused the refresh token
    WEBHOOK_FAILED = "webhook_failed"  # a store webhook could not be applied after every try
    PLACEMENT_UNCONFIRMED = "placement_unconfirmed"  # an interrupted placement the supplier could not confirm
    SUPPLIER_CREDENTIALS_REFUSED = "supplier_credentials_refused"  # a supplier account's every call is refused


_OPEN = text("resolved_at IS NULL")


def supplier_order_subject(supplier_order_id: int) -> str:
    """The subject of an alert about a supplier order."""
    return f"supplier_order:{supplier_order_id}"


def shop_subject(shop_id: int) -> str:
    """The subject of an alert about the shop itself (its connection to the store), with no order."""
    return f"shop:{shop_id}"


def webhook_delivery_subject(delivery_id: int) -> str:
    """The subject of an alert about a store webhook delivery that could not be applied."""
    return f"webhook_delivery:{delivery_id}"


def request_subject(kind: str, request_id: int) -> str:
    """The subject of an alert about an after-sale request (`kind`: cancellation, return, customer_refund…)."""
    return f"{kind}:{request_id}"


class Alert(Base):
    """Something that needs a person, about one subject (a supplier order or an after-sale request)."""

    __tablename__ = "alerts"
    __table_args__ = (
        # At most one open alert of a kind per subject; resolved ones are history and may repeat.
        Index("uq_alerts_open_subject", "subject", "kind", unique=True,
              sqlite_where=_OPEN, postgresql_where=_OPEN),
        Index("ix_alerts_shop_open", "shop_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    # None for an alert about the shop itself (see shop_subject).
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True, default=None)
    supplier_order_id: Mapped[int | None] = mapped_column(ForeignKey("supplier_orders.id"), index=True,
                                                          default=None)
    subject: Mapped[str] = mapped_column(default="")  # see supplier_order_subject / request_subject
    kind: Mapped[AlertKind]
    message: Mapped[str]
    raised_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def resolve(self, at: datetime) -> None:
        if self.resolved_at is None:
            self.resolved_at = at


@dataclass(frozen=True)
class AlertFacts:
    """What the rules look at, copied from a supplier order and its shipments."""

    status: SupplierOrderStatus
    placed_at: datetime | None
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    payment_deadline: datetime | None = None
    guaranteed_delivery_days: int | None = None
    has_tracking: bool = False
    last_movement_at: datetime | None = None  # newest carrier event of any package
    cancelled_on_store: bool = False  # the store order was cancelled
    has_return: bool = False  # a return/refund request was opened for this supplier order


def _fmt(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def alert_conditions(facts: AlertFacts, now: datetime) -> dict[AlertKind, str]:
    """Every alert whose condition holds now, with the message a merchant reads."""
    found: dict[AlertKind, str] = {}
    if facts.status is SO.PLACED and facts.placed_at is not None:
        deadline = facts.payment_deadline or payment_deadline(facts.placed_at)
        if now >= deadline:
            found[AlertKind.PAYMENT_DEADLINE_PASSED] = (
                f"not paid, and the payment deadline passed on {_fmt(deadline)}: the supplier closes unpaid orders")
        elif payment_warning_starts(facts.placed_at, deadline) <= now:
            found[AlertKind.PAYMENT_DEADLINE_NEAR] = f"not paid yet; pay before {_fmt(deadline)} or it is closed"
    if facts.status is SO.PAID and not facts.has_tracking and facts.paid_at is not None \
            and now >= facts.paid_at + NO_TRACKING_AFTER:
        days = (now - facts.paid_at).days
        found[AlertKind.NO_TRACKING_7_DAYS_AFTER_PAYMENT] = f"paid {days} days ago and still no tracking number"
    if facts.status is SO.SHIPPED and facts.has_tracking and facts.last_movement_at is not None \
            and now >= facts.last_movement_at + STALLED_AFTER:
        hours = int((now - facts.last_movement_at).total_seconds() // 3600)
        found[AlertKind.TRACKING_STALLED_48H] = (
            f"no tracking movement for {hours} hours (last on {_fmt(facts.last_movement_at)})")
    if facts.status in (SO.SHIPPED, SO.DELIVERED) and facts.cancelled_on_store and not facts.has_return:
        found[AlertKind.SHIPPED_AFTER_STORE_CANCEL] = (
            "the supplier shipped it although the store order was cancelled; open a return/refund request with "
            "the supplier to get the money back")
    if facts.status in (SO.PAID, SO.SHIPPED) and facts.guaranteed_delivery_days is not None:
        # The promise runs from shipping; before shipping we count from placement, which is what a
        # merchant's customer experiences.
        start = facts.shipped_at or facts.placed_at
        if start is not None:
            due = start + timedelta(days=facts.guaranteed_delivery_days)
            if now >= due:
                found[AlertKind.PAST_GUARANTEED_DELIVERY] = (
                    f"not delivered within the guaranteed {facts.guaranteed_delivery_days} days (due {_fmt(due)}); "
                    "a refund can be claimed from the supplier")
    return found
