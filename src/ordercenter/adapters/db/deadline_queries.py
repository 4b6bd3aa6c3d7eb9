"""The shop-wide reads behind the deadlines list: each one bounded, scoped by shop, soonest first,
with the order's name joined in (no query per row)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ordercenter.domain.cancellations import CancellationRequest
from ordercenter.domain.customer_refunds import CustomerRefundRequest
from ordercenter.domain.deadlines import (
    PROTECTION_WARNING,
    UNDELIVERED,
    CancellationFacts,
    CustomerFacts,
    PaymentFacts,
    ProtectionFacts,
    RefundFacts,
    SilenceFacts,
)
from ordercenter.domain.messages import MessageDirection, SupplierMessage
from ordercenter.domain.orders import Order
from ordercenter.domain.policies import ProtectionRules
from ordercenter.domain.returns import OPEN_RETURN_STATUSES, ReturnRequest
from ordercenter.domain.status import CancellationStatus, CustomerRefundStatus, ReturnStatus, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierOrder
from ordercenter.domain.suppliers import SupplierAccount


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _money(amount: object, currency: str) -> str:
    return f"{amount:.2f} {currency}" if amount is not None else ""


class DeadlineQueries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def closing_protection(self, shop_id: int, now: datetime, limit: int) -> list[ProtectionFacts]:
        """Undelivered supplier orders whose protection window (counted from placing, per supplier account)
        closes between today and a week from now."""
        accounts = self.session.execute(select(SupplierAccount.id, SupplierAccount.protection_days,
                                               SupplierAccount.days_after_delivery)
                                        .where(SupplierAccount.shop_id == shop_id)).all()
        rules: list[tuple[int | None, ProtectionRules]] = [
            (row.id, ProtectionRules(row.protection_days, row.days_after_delivery)) for row in accounts]
        rules.append((None, ProtectionRules()))
        open_returns = select(ReturnRequest.supplier_order_id).where(
            ReturnRequest.shop_id == shop_id, ReturnRequest.status.in_(sorted(OPEN_RETURN_STATUSES)))
        today = now.date()
        found: list[ProtectionFacts] = []
        for account_id, rule in rules:  # one query per supplier account (a handful), each bounded
            # Undelivered, so the window closes `window_days` after the day of placing.
            earliest = _midnight(today - timedelta(days=rule.window_days))
            latest = _midnight(today + PROTECTION_WARNING + timedelta(days=1 - rule.window_days))
            account = (SupplierOrder.supplier_account_id.is_(None) if account_id is None
                       else SupplierOrder.supplier_account_id == account_id)
            rows = self.session.execute(
                select(SupplierOrder.id, SupplierOrder.order_id, SupplierOrder.supplier_order_id,
                       SupplierOrder.status, SupplierOrder.placed_at, SupplierOrder.delivered_at, Order.name,
                       SupplierOrder.id.in_(open_returns).label("has_open_return"))
                .join(Order, Order.id == SupplierOrder.order_id)
                .where(SupplierOrder.shop_id == shop_id, Order.shop_id == shop_id, account,
                       SupplierOrder.status.in_(sorted(UNDELIVERED)), SupplierOrder.delivered_at.is_(None),
                       SupplierOrder.placed_at >= earliest, SupplierOrder.placed_at < latest)
                .order_by(SupplierOrder.placed_at, SupplierOrder.id).limit(limit)).all()
            found += [ProtectionFacts(row.order_id, row.name, row.id, row.supplier_order_id or str(row.id), row.status,
                                      row.placed_at, row.delivered_at, rule, bool(row.has_open_return))
                      for row in rows]
        return found

    def unpaid(self, shop_id: int, limit: int) -> list[PaymentFacts]:
        """Placed supplier orders not paid yet, the supplier's deadline (else the placing time) first."""
        rows = self.session.execute(
            select(SupplierOrder.id, SupplierOrder.order_id, SupplierOrder.supplier_order_id, SupplierOrder.placed_at,
                   SupplierOrder.payment_deadline, Order.name)
            .join(Order, Order.id == SupplierOrder.order_id)
            .where(SupplierOrder.shop_id == shop_id, Order.shop_id == shop_id,
                   SupplierOrder.status == SupplierOrderStatus.PLACED, SupplierOrder.placed_at.is_not(None))
            .order_by(func.coalesce(SupplierOrder.payment_deadline, SupplierOrder.placed_at), SupplierOrder.id)
            .limit(limit)).all()
        return [PaymentFacts(row.order_id, row.name, row.id, row.supplier_order_id or str(row.id), row.placed_at,
                             row.payment_deadline) for row in rows]

    def refunds_expected(self, shop_id: int, *, today: date, until: date, limit: int) -> list[RefundFacts]:
        """Refunds on their way whose last expected day is `until` or earlier: of returns in refund_pending
        (not arrived), and of approved cancellations whose refund the merchant has not seen arrive."""
        returns = self.session.execute(
            select(ReturnRequest.id, ReturnRequest.order_id, ReturnRequest.supplier_order_id,
                   ReturnRequest.refund_expected_by, ReturnRequest.amount_refunded, ReturnRequest.amount_requested,
                   ReturnRequest.currency, Order.name)
            .join(Order, Order.id == ReturnRequest.order_id)
            .where(ReturnRequest.shop_id == shop_id, Order.shop_id == shop_id,
                   ReturnRequest.status == ReturnStatus.REFUND_PENDING, ReturnRequest.refund_arrived_at.is_(None),
                   ReturnRequest.refund_expected_by.is_not(None), ReturnRequest.refund_expected_by <= until)
            .order_by(ReturnRequest.refund_expected_by, ReturnRequest.id).limit(limit)).all()
        cancellations = self.session.execute(
            select(CancellationRequest.id, CancellationRequest.order_id, CancellationRequest.supplier_order_id,
                   CancellationRequest.refund_expected_by, CancellationRequest.refund_amount,
                   CancellationRequest.currency, Order.name)
            .join(Order, Order.id == CancellationRequest.order_id)
            .where(CancellationRequest.shop_id == shop_id, Order.shop_id == shop_id,
                   CancellationRequest.status == CancellationStatus.APPROVED,
                   CancellationRequest.refund_expected_by.is_not(None),
                   CancellationRequest.refund_arrived_at.is_(None),
                   CancellationRequest.refund_expected_by <= until)
            .order_by(CancellationRequest.refund_expected_by, CancellationRequest.id).limit(limit)).all()
        return ([RefundFacts(row.order_id, row.name, row.supplier_order_id, "return", row.id, row.refund_expected_by,
                             _money(row.amount_refunded if row.amount_refunded is not None else row.amount_requested,
                                    row.currency)) for row in returns]
                + [RefundFacts(row.order_id, row.name, row.supplier_order_id, "cancellation", row.id,
                               row.refund_expected_by, _money(row.refund_amount, row.currency))
                   for row in cancellations])

    def unanswered_customers(self, shop_id: int, limit: int) -> list[CustomerFacts]:
        """Customer refund requests nobody has answered yet, oldest first."""
        rows = self.session.execute(
            select(CustomerRefundRequest.id, CustomerRefundRequest.order_id, CustomerRefundRequest.customer_name,
                   CustomerRefundRequest.customer_email, CustomerRefundRequest.received_at, Order.name)
            .join(Order, Order.id == CustomerRefundRequest.order_id)
            .where(CustomerRefundRequest.shop_id == shop_id, Order.shop_id == shop_id,
                   CustomerRefundRequest.status == CustomerRefundStatus.NEW)
            .order_by(CustomerRefundRequest.received_at, CustomerRefundRequest.id).limit(limit)).all()
        return [CustomerFacts(row.order_id, row.name, row.id, row.customer_name or row.customer_email,
                              row.received_at) for row in rows]

    def awaiting_reply(self, shop_id: int, limit: int) -> list[SilenceFacts]:
        """Threads with messages of ours the seller has not answered, by their oldest such message."""
        since = func.min(SupplierMessage.sent_at)
        rows = self.session.execute(
            select(SupplierMessage.supplier_order_id, SupplierMessage.order_id, since.label("since"),
                   func.count().label("waiting"), SupplierOrder.supplier_order_id.label("number"), Order.name)
            .join(SupplierOrder, SupplierOrder.id == SupplierMessage.supplier_order_id)
            .join(Order, Order.id == SupplierMessage.order_id)
            .where(SupplierMessage.shop_id == shop_id, Order.shop_id == shop_id, SupplierOrder.shop_id == shop_id,
                   SupplierMessage.direction == MessageDirection.TO_SUPPLIER, SupplierMessage.answered_at.is_(None))
            .group_by(SupplierMessage.supplier_order_id, SupplierMessage.order_id, SupplierOrder.supplier_order_id,
                      Order.name)
            .order_by(since, SupplierMessage.supplier_order_id).limit(limit)).all()
        return [SilenceFacts(row.order_id, row.name, row.supplier_order_id, row.number or str(row.supplier_order_id),
                             row.since, row.waiting) for row in rows]

    def pending_cancellations(self, shop_id: int, limit: int) -> list[CancellationFacts]:
        """Cancellation requests the supplier has not decided, oldest first."""
        rows = self.session.execute(
            select(CancellationRequest.id, CancellationRequest.order_id, CancellationRequest.supplier_order_id,
                   CancellationRequest.requested_at, CancellationRequest.assisted,
                   SupplierOrder.supplier_order_id.label("number"), Order.name)
            .join(SupplierOrder, SupplierOrder.id == CancellationRequest.supplier_order_id)
            .join(Order, Order.id == CancellationRequest.order_id)
            .where(CancellationRequest.shop_id == shop_id, Order.shop_id == shop_id,
                   SupplierOrder.shop_id == shop_id, CancellationRequest.status == CancellationStatus.PENDING)
            .order_by(CancellationRequest.requested_at, CancellationRequest.id).limit(limit)).all()
        return [CancellationFacts(row.order_id, row.name, row.supplier_order_id, row.id,
                                  row.number or str(row.supplier_order_id), row.requested_at, row.assisted)
                for row in rows]
