"""Deadlines: the facts that need the merchant by a certain time, as one list soonest first.

Each rule turns one kind of fact (copied from the database by the caller) into a `Deadline` or
nothing, given the time. The rules also hold the silence of a seller: when a follow-up is due and
when the suggestion to open a return/refund request is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from ordercenter.domain.cancellations import DECISION_ALERT_AFTER
from ordercenter.domain.customer_refunds import REPLY_ALERT_AFTER
from ordercenter.domain.policies import ProtectionRules, payment_deadline, protection_last_day
from ordercenter.domain.status import SupplierOrderStatus

PROTECTION_WARNING = timedelta(days=7)  # a closing window is listed from 7 days before its last day
REFUND_WARNING = timedelta(days=7)  # a refund is listed from 7 days before its last expected day
# The seller should answer within 48 hours; after a second silence (see `Silence`) the merchant is told
# to open a return/refund request.
REPLY_EXPECTED_WITHIN = timedelta(hours=48)
ESCALATE_AFTER = timedelta(hours=96)

# Supplier orders whose money is at stake while the parcel has not arrived (placed but unpaid ones
# have their payment deadline instead).
UNDELIVERED = frozenset({SupplierOrderStatus.PAID, SupplierOrderStatus.SHIPPED})


class DeadlineKind(StrEnum):
    """What falls due."""

    PROTECTION_CLOSING = "protection_closing"  # buyer protection of an undelivered order ends soon
    PAYMENT_DUE = "payment_due"  # an unpaid supplier order is closed by the supplier at its deadline
    REFUND_DUE = "refund_due"  # a supplier refund should arrive by its last expected day
    REFUND_OVERDUE = "refund_overdue"  # ... and has not
    CUSTOMER_UNANSWERED = "customer_unanswered"  # a customer's refund request waits for an answer
    SUPPLIER_SILENT = "supplier_silent"  # the seller has not answered our message
    CANCELLATION_PENDING = "cancellation_pending"  # the supplier has not decided a cancellation


@dataclass(frozen=True)
class Deadline:
    kind: DeadlineKind
    due_at: datetime  # aware UTC
    overdue: bool
    order_id: int
    order_name: str
    what_to_do: str  # one line
    supplier_order_id: int | None = None
    request_id: int | None = None  # the cancellation, return, customer refund request or message it is about

    @property
    def link(self) -> str:
        """The order's page, where every one of these is acted on."""
        return f"/orders/{self.order_id}"


def end_of_day(day: date) -> datetime:
    """The last second of a (UTC) day: a date deadline holds for the whole day."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def _fmt(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def sorted_deadlines(deadlines: Iterable[Deadline | None], limit: int | None = None) -> list[Deadline]:
    """Soonest first (ties: by order, then kind), at most `limit`."""
    found = sorted((d for d in deadlines if d is not None), key=lambda d: (d.due_at, d.order_id, d.kind.value))
    return found if limit is None else found[:limit]


# ---------------------------------------------------------------- facts and rules


@dataclass(frozen=True)
class ProtectionFacts:
    order_id: int
    order_name: str
    supplier_order_id: int
    number: str  # the supplier's order number
    status: SupplierOrderStatus
    placed_at: datetime
    delivered_at: datetime | None
    rules: ProtectionRules
    has_open_return: bool = False


def protection_deadline(facts: ProtectionFacts, now: datetime) -> Deadline | None:
    """An undelivered supplier order whose buyer protection closes within a week.

    Not listed once a return/refund request is open on it: the request was made in time, and the
    supplier refuses a second one; what matters then is the request's own progress.
    """
    if facts.status not in UNDELIVERED or facts.delivered_at is not None or facts.has_open_return:
        return None
    closes_on = protection_last_day(facts.placed_at, facts.rules, facts.delivered_at)
    days = (closes_on - now.date()).days
    if not 0 <= days <= PROTECTION_WARNING.days:
        return None
    due = end_of_day(closes_on)
    left = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
    return Deadline(DeadlineKind.PROTECTION_CLOSING, due, False, facts.order_id, facts.order_name,
                    f"Not delivered and buyer protection of {facts.number} closes {left} ({closes_on}): open a "
                    "return/refund request (not received) before then", facts.supplier_order_id)


@dataclass(frozen=True)
class PaymentFacts:
    order_id: int
    order_name: str
    supplier_order_id: int
    number: str
    placed_at: datetime
    payment_deadline: datetime | None  # the supplier's own, when it gave one


def payment_due(facts: PaymentFacts, now: datetime) -> Deadline:
    """An unpaid supplier order: pay it before the supplier closes it."""
    due = facts.payment_deadline or payment_deadline(facts.placed_at)
    overdue = now >= due
    what = (f"Payment deadline of {facts.number} passed: the supplier closes unpaid orders; reorder if it did"
            if overdue else f"Pay supplier order {facts.number} before {_fmt(due)} or the supplier closes it")
    return Deadline(DeadlineKind.PAYMENT_DUE, due, overdue, facts.order_id, facts.order_name, what,
                    facts.supplier_order_id)


@dataclass(frozen=True)
class RefundFacts:
    """A supplier refund on its way: of a return/refund request (`request` "return") or of an approved
    cancellation (`request` "cancellation")."""

    order_id: int
    order_name: str
    supplier_order_id: int
    request: str
    request_id: int
    expected_by: date
    amount: str = ""


def refund_deadline(facts: RefundFacts, now: datetime) -> Deadline | None:
    """A refund due within a week, or overdue (its last expected day passed and it has not arrived)."""
    due = end_of_day(facts.expected_by)
    what_refund = f"refund{' of ' + facts.amount if facts.amount else ''} ({facts.request} {facts.request_id})"
    if now > due:
        return Deadline(DeadlineKind.REFUND_OVERDUE, due, True, facts.order_id, facts.order_name,
                        f"The {what_refund} was due by {facts.expected_by} and has not arrived: ask the seller "
                        "(template where_is_my_refund), then AliExpress", facts.supplier_order_id, facts.request_id)
    if (facts.expected_by - now.date()).days > REFUND_WARNING.days:
        return None
    return Deadline(DeadlineKind.REFUND_DUE, due, False, facts.order_id, facts.order_name,
                    f"The {what_refund} should arrive by {facts.expected_by}: check the payment account and "
                    "record it when it arrives", facts.supplier_order_id, facts.request_id)


@dataclass(frozen=True)
class CustomerFacts:
    order_id: int
    order_name: str
    request_id: int
    customer: str
    received_at: datetime


def customer_deadline(facts: CustomerFacts, now: datetime) -> Deadline:
    """A customer's refund request not answered yet: customers expect an answer within a day."""
    due = facts.received_at + REPLY_ALERT_AFTER
    return Deadline(DeadlineKind.CUSTOMER_UNANSWERED, due, now >= due, facts.order_id, facts.order_name,
                    f"Answer {facts.customer or 'the customer'} about the refund request (received "
                    f"{_fmt(facts.received_at)}): propose a reply from a template and send it",
                    request_id=facts.request_id)


@dataclass(frozen=True)
class CancellationFacts:
    order_id: int
    order_name: str
    supplier_order_id: int
    request_id: int
    number: str
    requested_at: datetime
    assisted: bool


def cancellation_deadline(facts: CancellationFacts, now: datetime) -> Deadline:
    """A cancellation the supplier has not decided: 48 hours is too long for a parcel that may ship."""
    due = facts.requested_at + DECISION_ALERT_AFTER
    what = (f"Check the cancellation of {facts.number} on the supplier's website and record its decision"
            if facts.assisted else
            f"The supplier has not decided the cancellation of {facts.number}: message the seller, and record "
            "the decision if it came another way")
    return Deadline(DeadlineKind.CANCELLATION_PENDING, due, now >= due, facts.order_id, facts.order_name, what,
                    facts.supplier_order_id, facts.request_id)


# ---------------------------------------------------------------- silence of a seller


@dataclass(frozen=True)
class Silence:
    """A thread whose seller has not answered our messages since it last wrote.

    `since` is when the oldest of those messages was sent ("awaiting reply since"), `newest` the
    newest of them (a follow-up, when one was sent). The first silence ends 48 hours after `since`:
    the merchant is reminded to follow up. The second silence ends when the newest message has waited
    48 hours too and the whole silence has lasted 96 hours: the merchant is told to open a return/refund
    request while buyer protection lasts. Each step happens once per silence.
    """

    since: datetime
    newest: datetime
    reminded: bool = False
    escalation_suggested: bool = False

    @property
    def reminder_due_at(self) -> datetime:
        return self.since + REPLY_EXPECTED_WITHIN

    @property
    def escalation_due_at(self) -> datetime:
        return max(self.since + ESCALATE_AFTER, self.newest + REPLY_EXPECTED_WITHIN)

    def reminder_due(self, now: datetime) -> bool:
        return not self.reminded and now >= self.reminder_due_at

    def escalation_due(self, now: datetime) -> bool:
        return not self.escalation_suggested and now >= self.escalation_due_at

    def hours(self, now: datetime) -> int:
        return int((now - self.since).total_seconds() // 3600)


@dataclass(frozen=True)
class WaitingMessage:
    """One of our messages with no answer yet."""

    sent_at: datetime
    reminded_at: datetime | None = None
    escalation_suggested_at: datetime | None = None


def silence_of(waiting: Iterable[WaitingMessage]) -> Silence | None:
    """The silence made of these unanswered messages (None: nothing waits). The reminder and the
    suggestion are recorded on the oldest message, the one that began the silence."""
    ordered = sorted(waiting, key=lambda m: m.sent_at)
    if not ordered:
        return None
    first = ordered[0]
    return Silence(since=first.sent_at, newest=ordered[-1].sent_at, reminded=first.reminded_at is not None,
                   escalation_suggested=first.escalation_suggested_at is not None)


@dataclass(frozen=True)
class SilenceFacts:
    order_id: int
    order_name: str
    supplier_order_id: int
    number: str
    since: datetime  # the oldest of our messages waiting for an answer
    waiting: int  # how many of ours wait


def silence_deadline(facts: SilenceFacts, now: datetime) -> Deadline:
    """A seller who has not answered: due 48 hours after our oldest waiting message."""
    due = facts.since + REPLY_EXPECTED_WITHIN
    what = (f"The seller of {facts.number} has not answered since {_fmt(facts.since)}: send a follow-up "
            "(template follow_up)" if now >= due else
            f"Waiting for the seller of {facts.number} to answer (since {_fmt(facts.since)}); follow up if not "
            "by then")
    return Deadline(DeadlineKind.SUPPLIER_SILENT, due, now >= due, facts.order_id, facts.order_name, what,
                    facts.supplier_order_id)
