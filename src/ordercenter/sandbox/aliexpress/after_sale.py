"""The sandbox supplier's after-sale desk: cancellations, disputes (return/refund) and seller messages.

Rules it plays out (on the sandbox clock):
- an unpaid order cancels at once; a paid one waits `cancel_decision_delay` for the seller, who
  approves while it has not shipped and refuses once it has (shipping during the wait refuses it);
  a silent seller decides nothing by that rule until the operator decides or the seller speaks again;
- a dispute needs a shipped order and at most 15 days after completion; the seller agrees or refuses,
  a refused dispute can be escalated and the platform decides; a return-and-refund waits for the
  buyer's return parcel; the refund itself is a separate step (operator);
- the seller answers a message after `seller_reply_delay`, unless it has gone silent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from ordercenter.sandbox.aliexpress import records as r
from ordercenter.sandbox.aliexpress.catalog import Product
from ordercenter.sandbox.aliexpress.clock import SandboxClock
from ordercenter.sandbox.aliexpress.config import SandboxConfig
from ordercenter.sandbox.state_file import SavingLock

DISPUTE_WINDOW_AFTER_FINISH = timedelta(days=15)
DISPUTE_KINDS = frozenset({"refund_only", "return_and_refund"})
_OPEN_DISPUTE = frozenset({r.DISPUTE_WAIT_SELLER, r.DISPUTE_SELLER_REFUSED, r.DISPUTE_ARBITRATION,
                           r.DISPUTE_WAIT_RETURN, r.DISPUTE_RETURN_SHIPPED, r.DISPUTE_REFUND_PENDING})


class AfterSaleDesk:
    """Half of `SandboxSupplier` (which sets these attributes); every public method takes the lock."""

    config: SandboxConfig
    clock: SandboxClock
    _lock: SavingLock
    _orders: dict[str, r.OrderRecord]
    _catalog: dict[str, Product]
    _cancellations: dict[str, r.CancellationRecord]
    _disputes: dict[str, r.DisputeRecord]
    _messages: list[r.MessageRecord]
    _next_id: int

    def _init_after_sale(self) -> None:
        self._cancellations = {}
        self._disputes = {}
        self._messages = []
        self._next_id = 5000001

    def _new_id(self, prefix: str) -> str:
        number, self._next_id = self._next_id, self._next_id + 1
        return f"{prefix}{number}"

    def _order(self, order_id: str) -> r.OrderRecord:
        order = self._orders.get(str(order_id))
        if order is None:
            raise r.SandboxApiError("ORDER_NOT_FOUND", f"Order {order_id} does not exist for this buyer")
        return order

    def _restock(self, order: r.OrderRecord) -> None:
        for line in order.lines:
            sku = self._catalog[line.product_id].sku_by_id(line.sku_id)
            if sku is not None:
                sku.stock += line.quantity

    def _refund(self, order: r.OrderRecord, amount: Decimal, reason: str, now: datetime) -> None:
        if order.is_paid and amount > 0:
            order.refunds.append(r.RefundRecord(amount=amount, at=now, reason=reason))

    # ------------------------------------------------------------ cancellations

    def request_cancellation(self, order_id: str, reason: str) -> r.CancellationRecord:
        with self._lock:
            now = self._tick()
            order = self._order(order_id)
            if order.status == r.FINISH:
                raise r.SandboxApiError("ORDER_CANNOT_BE_CANCELLED", "The order is already closed")
            pending = next((c for c in self._cancellations.values()
                            if c.order_id == order.order_id and c.outcome == "pending"), None)
            if pending is not None:
                return pending
            delay = self.config.cancel_decision_delay if order.is_paid else timedelta(0)
            record = r.CancellationRecord(self._new_id("C"), order.order_id, reason, now, now + delay)
            self._cancellations[record.cancellation_id] = record
            if not order.is_paid:
                self._apply_cancellation(record, True, now, "unpaid orders cancel at once")
            else:
                order.status_before_cancel, order.status = order.status, r.IN_CANCEL
                if delay <= timedelta(0) and not self.config.seller_silent:
                    self._decide_by_rule(record, now)
            return record

    def decide_cancellation(self, cancellation_id: str, approve: bool | None = None,
                            note: str = "") -> r.CancellationRecord:
        """Operator: decide now; `approve=None` applies the seller's rule (approve unless shipped)."""
        with self._lock:
            now = self._tick()
            record = self._cancellations.get(cancellation_id)
            if record is None:
                raise r.SandboxApiError("CANCEL_REQUEST_NOT_FOUND", f"No cancellation {cancellation_id}")
            if record.outcome == "pending":
                if approve is None:
                    self._decide_by_rule(record, now)
                else:
                    self._apply_cancellation(record, approve, now, note or "decided by the seller")
            return record

    def _decide_by_rule(self, record: r.CancellationRecord, now: datetime) -> None:
        shipped = self._orders[record.order_id].shipped_at is not None
        note = "the seller has already shipped the order" if shipped else "not shipped yet: cancelled and refunded"
        self._apply_cancellation(record, not shipped, now, note)

    def _apply_cancellation(self, record: r.CancellationRecord, approve: bool, now: datetime, note: str) -> None:
        order = self._orders[record.order_id]
        record.outcome, record.decided_at, record.note = ("approved" if approve else "rejected"), now, note
        if approve:
            self._refund(order, order.amount - order.refunded, "order cancelled", now)
            order.status, order.end_reason, order.finished_at = r.FINISH, r.END_CANCELED, now
            self._restock(order)
        elif order.status == r.IN_CANCEL:
            order.status = order.status_before_cancel or r.WAIT_SELLER_SEND_GOODS
        order.status_before_cancel = None

    # ------------------------------------------------------------ disputes

    def open_dispute(self, order_id: str, kind: str, reason: str, description: str, amount: Decimal,
                     evidence: list[str]) -> r.DisputeRecord:
        with self._lock:
            now = self._tick()
            order = self._order(order_id)
            if kind not in DISPUTE_KINDS:
                raise r.SandboxApiError("INVALID_DISPUTE_TYPE", f"dispute type must be one of {sorted(DISPUTE_KINDS)}")
            if not reason.strip():
                raise r.SandboxApiError("DISPUTE_REASON_REQUIRED", "Please choose a reason")
            if order.shipped_at is None or order.end_reason == r.END_CANCELED:
                raise r.SandboxApiError("DISPUTE_NOT_ALLOWED",
                                        "A dispute can be opened once the order has shipped; cancel it instead")
            if order.finished_at is not None and now > order.finished_at + DISPUTE_WINDOW_AFTER_FINISH:
                raise r.SandboxApiError("DISPUTE_WINDOW_CLOSED", "The buyer protection period has ended")
            if any(d.order_id == order.order_id and d.status in _OPEN_DISPUTE for d in self._disputes.values()):
                raise r.SandboxApiError("DISPUTE_ALREADY_OPEN", "This order already has an open dispute")
            if amount <= 0 or amount > order.amount - order.refunded:
                raise r.SandboxApiError("REFUND_AMOUNT_INVALID",
                                        f"The refund amount must be between 0.01 and {order.amount - order.refunded}")
            record = r.DisputeRecord(self._new_id("D"), order.order_id, kind, reason, description, amount,
                                     list(evidence), now)
            self._disputes[record.dispute_id] = record
            return record

    def _dispute(self, dispute_id: str) -> r.DisputeRecord:
        record = self._disputes.get(dispute_id)
        if record is None:
            raise r.SandboxApiError("DISPUTE_NOT_FOUND", f"No dispute {dispute_id}")
        return record

    def decide_dispute(self, dispute_id: str, accept: bool, *, by: str = "seller",
                       refund_amount: Decimal | None = None, note: str = "") -> r.DisputeRecord:
        """Operator: the seller (or, after escalation, the platform) agrees or refuses."""
        with self._lock:
            now = self._tick()
            record = self._dispute(dispute_id)
            allowed = {r.DISPUTE_WAIT_SELLER} if by == "seller" else {
                r.DISPUTE_WAIT_SELLER, r.DISPUTE_SELLER_REFUSED, r.DISPUTE_ARBITRATION}
            if record.status not in allowed:
                raise r.SandboxApiError("DISPUTE_STATUS_ERROR", f"the {by} cannot decide a dispute in {record.status}")
            record.decided_by, record.note = by, note
            if not accept:
                record.status = r.DISPUTE_SELLER_REFUSED if by == "seller" else r.DISPUTE_CLOSED
                return record
            record.refund_amount = refund_amount if refund_amount is not None else record.amount
            if record.kind == "return_and_refund":
                order = self._orders[record.order_id]
                ship_by = (now + self.config.return_ship_within).date().isoformat()
                record.return_instructions = (
                    f"Send the item back to {order.store_name}, Return Dept., Bldg 4, 18 Keji Rd, Nanshan, "
                    f"Shenzhen 518057, CN, quoting dispute {record.dispute_id}, with a tracked service, by {ship_by}. "
                    "Then give us the return tracking number.")
                record.status = r.DISPUTE_WAIT_RETURN
            else:
                record.status = r.DISPUTE_REFUND_PENDING
            return record

    def escalate_dispute(self, dispute_id: str) -> r.DisputeRecord:
        with self._lock:
            self._tick()
            record = self._dispute(dispute_id)
            if record.status not in (r.DISPUTE_SELLER_REFUSED, r.DISPUTE_WAIT_SELLER):
                raise r.SandboxApiError("DISPUTE_STATUS_ERROR", f"a dispute in {record.status} cannot be escalated")
            record.status = r.DISPUTE_ARBITRATION
            return record

    def mark_return_shipped(self, dispute_id: str, tracking_number: str) -> r.DisputeRecord:
        with self._lock:
            self._tick()
            record = self._dispute(dispute_id)
            if record.status != r.DISPUTE_WAIT_RETURN:
                raise r.SandboxApiError("DISPUTE_STATUS_ERROR", "no return is expected for this dispute")
            record.status, record.return_tracking = r.DISPUTE_RETURN_SHIPPED, tracking_number
            return record

    def refund_dispute(self, dispute_id: str) -> r.DisputeRecord:
        """Operator: the agreed refund is paid out."""
        with self._lock:
            now = self._tick()
            record = self._dispute(dispute_id)
            if record.status not in (r.DISPUTE_REFUND_PENDING, r.DISPUTE_RETURN_SHIPPED):
                raise r.SandboxApiError("DISPUTE_STATUS_ERROR", f"nothing to refund in {record.status}")
            order = self._orders[record.order_id]
            amount = min(record.refund_amount or record.amount, order.amount - order.refunded)
            self._refund(order, amount, f"dispute {record.dispute_id}", now)
            record.status, record.refunded_at = r.DISPUTE_REFUNDED, now
            if order.refunded >= order.amount and order.status != r.FINISH:
                order.status, order.end_reason, order.finished_at = r.FINISH, r.END_REFUNDED, now
            return record

    # ------------------------------------------------------------ messages

    def send_message(self, order_id: str, text: str) -> r.MessageRecord:
        with self._lock:
            now = self._tick()
            order = self._order(order_id)
            if not text.strip():
                raise r.SandboxApiError("MESSAGE_EMPTY", "Please write a message")
            message = r.MessageRecord(self._new_id("M"), order.order_id, False, text, now,
                                      reply_due=now + self.config.seller_reply_delay)
            self._messages.append(message)
            self._answer_due_messages(now)
            return message

    def reply_as_seller(self, order_id: str, text: str) -> r.MessageRecord:
        """Operator: the seller writes (and so answers every waiting message of the order)."""
        with self._lock:
            now = self._tick()
            order = self._order(order_id)
            for message in self._messages:
                if message.order_id == order.order_id and not message.from_seller:
                    message.answered = True
            reply = r.MessageRecord(self._new_id("M"), order.order_id, True, text, now)
            self._messages.append(reply)
            return reply

    def set_silent(self, silent: bool) -> None:
        """Operator: a silent seller answers nothing until it speaks again."""
        with self._lock:
            self.config.seller_silent = silent

    def _answer_due_messages(self, now: datetime) -> None:
        if self.config.seller_silent:
            return
        for message in list(self._messages):
            if message.from_seller or message.answered or message.reply_due is None or message.reply_due > now:
                continue
            for other in self._messages:
                if other.order_id == message.order_id and not other.from_seller:
                    other.answered = True
            order = self._orders[message.order_id]
            text = (f"Hello dear friend, thank you for your message about order {order.order_id}. "
                    f"Its status is {order.status}; we are checking it and will do our best. Have a nice day!")
            self._messages.append(r.MessageRecord(self._new_id("M"), order.order_id, True, text, message.reply_due))

    # ------------------------------------------------------------ reading and time

    def after_sale_of(self, order_id: str) -> tuple[list[r.CancellationRecord], list[r.DisputeRecord],
                                                    list[r.MessageRecord]]:
        with self._lock:
            self._tick()
            order = self._order(order_id)
            return ([c for c in self._cancellations.values() if c.order_id == order.order_id],
                    [d for d in self._disputes.values() if d.order_id == order.order_id],
                    sorted((m for m in self._messages if m.order_id == order.order_id), key=lambda m: m.at))

    def _tick_after_sale(self, now: datetime) -> None:
        # A silent seller leaves paid cancellations pending; once it speaks again, the overdue ones are decided.
        for record in self._cancellations.values():
            if record.outcome == "pending" and record.decide_at <= now and not self.config.seller_silent:
                self._decide_by_rule(record, now)
        self._answer_due_messages(now)

    def _tick(self) -> datetime:
        raise NotImplementedError  # SandboxSupplier applies every time-based change, then returns now
