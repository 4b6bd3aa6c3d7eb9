"""Which facts become deadlines, when they fall due, and how a seller's silence is followed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ordercenter.domain.deadlines import (
    CancellationFacts,
    CustomerFacts,
    Deadline,
    DeadlineKind,
    PaymentFacts,
    ProtectionFacts,
    RefundFacts,
    SilenceFacts,
    WaitingMessage,
    cancellation_deadline,
    customer_deadline,
    end_of_day,
    payment_due,
    protection_deadline,
    refund_deadline,
    silence_deadline,
    silence_of,
    sorted_deadlines,
)
from ordercenter.domain.policies import ProtectionRules
from ordercenter.domain.status import SupplierOrderStatus
from tests.factories import T0

H = timedelta(hours=1)
D = timedelta(days=1)
SO = SupplierOrderStatus


def _protection(placed_days_ago: int, status: SupplierOrderStatus = SO.SHIPPED, *, open_return: bool = False,
                window: int = 90) -> ProtectionFacts:
    return ProtectionFacts(1, "#1001", 11, "8198", status, T0 - placed_days_ago * D, None,
                           ProtectionRules(window_days=window), has_open_return=open_return)


@pytest.mark.parametrize(("days_ago", "listed"), [(82, False), (83, True), (90, True), (91, False)])
def test_a_protection_window_is_listed_from_a_week_before_it_closes_until_its_last_day(days_ago: int,
                                                                                     listed: bool) -> None:
    assert (protection_deadline(_protection(days_ago), T0) is not None) is listed


def test_the_closing_deadline_holds_for_the_whole_last_day_and_names_it() -> None:
    deadline = protection_deadline(_protection(88), T0)
    assert deadline is not None
    last_day = (T0 - 88 * D).date() + timedelta(days=90)
    assert deadline.due_at == end_of_day(last_day)
    assert str(last_day) in deadline.what_to_do and "in 2 days" in deadline.what_to_do
    assert not deadline.overdue and deadline.link == "/orders/1"


@pytest.mark.parametrize("status", [SO.PLACED, SO.DELIVERED, SO.COMPLETED, SO.CANCELLED])
def test_only_paid_or_shipped_orders_not_delivered_have_a_closing_window_listed(
        status: SupplierOrderStatus) -> None:
    assert protection_deadline(_protection(88, status), T0) is None


def test_a_closing_window_with_a_return_request_open_is_not_listed() -> None:
    assert protection_deadline(_protection(88, open_return=True), T0) is None


def test_the_supplier_s_own_window_length_counts() -> None:
    assert protection_deadline(_protection(28, window=30), T0) is not None
    assert protection_deadline(_protection(28), T0) is None


def test_an_unpaid_order_is_due_at_the_supplier_s_deadline_else_twenty_days_after_placing() -> None:
    own = payment_due(PaymentFacts(1, "#1", 11, "8198", T0, T0 + D), T0)
    default = payment_due(PaymentFacts(1, "#1", 11, "8198", T0, None), T0)
    assert own.due_at == T0 + D and not own.overdue
    assert default.due_at == T0 + 20 * D
    late = payment_due(PaymentFacts(1, "#1", 11, "8198", T0, T0 + D), T0 + 2 * D)
    assert late.overdue and "passed" in late.what_to_do


def _refund(expected_by: date) -> RefundFacts:
    return RefundFacts(1, "#1", 11, "return", 5, expected_by, "12.40 USD")


def test_a_refund_is_due_within_its_last_week_then_overdue_the_day_after() -> None:
    assert refund_deadline(_refund(T0.date() + timedelta(days=8)), T0) is None
    due = refund_deadline(_refund(T0.date() + timedelta(days=7)), T0)
    assert due is not None and due.kind is DeadlineKind.REFUND_DUE and not due.overdue
    on_the_day = refund_deadline(_refund(T0.date()), T0)
    assert on_the_day is not None and on_the_day.kind is DeadlineKind.REFUND_DUE
    late = refund_deadline(_refund(T0.date() - timedelta(days=1)), T0)
    assert late is not None and late.kind is DeadlineKind.REFUND_OVERDUE and late.overdue
    assert "12.40 USD" in late.what_to_do and late.request_id == 5


def test_a_customer_waits_at_most_a_day_for_an_answer() -> None:
    waiting = customer_deadline(CustomerFacts(1, "#1", 7, "Jane Doe", T0), T0 + 23 * H)
    assert waiting.due_at == T0 + 24 * H and not waiting.overdue and "Jane Doe" in waiting.what_to_do
    assert customer_deadline(CustomerFacts(1, "#1", 7, "Jane Doe", T0), T0 + 25 * H).overdue


def test_an_undecided_cancellation_is_due_48_hours_after_asking_and_says_how_to_settle_it() -> None:
    by_api = cancellation_deadline(CancellationFacts(1, "#1", 11, 3, "8198", T0, assisted=False), T0 + 49 * H)
    assert by_api.due_at == T0 + 48 * H and by_api.overdue and "message the seller" in by_api.what_to_do
    by_hand = cancellation_deadline(CancellationFacts(1, "#1", 11, 3, "8198", T0, assisted=True), T0)
    assert not by_hand.overdue and "supplier's website" in by_hand.what_to_do


def test_a_silent_seller_is_due_48_hours_after_our_oldest_waiting_message() -> None:
    facts = SilenceFacts(1, "#1", 11, "8198", T0, 2)
    assert silence_deadline(facts, T0 + H).due_at == T0 + 48 * H
    assert "follow-up" in silence_deadline(facts, T0 + 49 * H).what_to_do
    assert silence_deadline(facts, T0 + 49 * H).overdue


def test_the_list_is_soonest_first_and_cut_to_the_limit() -> None:
    def deadline(hours: int, order_id: int) -> Deadline:
        return Deadline(DeadlineKind.PAYMENT_DUE, T0 + hours * H, False, order_id, f"#{order_id}", "pay")

    found = sorted_deadlines([deadline(5, 1), None, deadline(-2, 2), deadline(1, 3)], limit=2)
    assert [d.order_id for d in found] == [2, 3]


# ---------------------------------------------------------------- silence


def test_nothing_waiting_is_no_silence() -> None:
    assert silence_of([]) is None


def test_the_first_silence_ends_48_hours_after_the_oldest_waiting_message() -> None:
    silence = silence_of([WaitingMessage(T0 + 5 * H), WaitingMessage(T0)])
    assert silence is not None and silence.since == T0 and silence.newest == T0 + 5 * H
    assert not silence.reminder_due(T0 + 47 * H)
    assert silence.reminder_due(T0 + 48 * H)


def test_the_reminder_comes_once_per_silence() -> None:
    silence = silence_of([WaitingMessage(T0, reminded_at=T0 + 48 * H)])
    assert silence is not None and not silence.reminder_due(T0 + 60 * H)


def test_without_a_follow_up_the_second_silence_ends_96_hours_after_the_first_message() -> None:
    silence = silence_of([WaitingMessage(T0, reminded_at=T0 + 48 * H)])
    assert silence is not None
    assert not silence.escalation_due(T0 + 95 * H)
    assert silence.escalation_due(T0 + 96 * H)


def test_a_follow_up_gives_the_seller_48_more_hours_before_the_suggestion() -> None:
    silence = silence_of([WaitingMessage(T0, reminded_at=T0 + 49 * H), WaitingMessage(T0 + 60 * H)])
    assert silence is not None and silence.escalation_due_at == T0 + 108 * H
    assert not silence.escalation_due(T0 + 100 * H)
    assert silence.escalation_due(T0 + 108 * H)


def test_the_suggestion_comes_once_per_silence() -> None:
    silence = silence_of([WaitingMessage(T0, reminded_at=T0 + 48 * H, escalation_suggested_at=T0 + 96 * H)])
    assert silence is not None and not silence.escalation_due(T0 + 200 * H)
