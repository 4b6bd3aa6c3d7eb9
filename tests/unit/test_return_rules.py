"""Return/refund rules and buyer protection as pure functions: windows, amounts, actions, the supplier's statuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from ordercenter.domain import return_rules as rules
from ordercenter.domain.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed
from ordercenter.domain.money import Money
from ordercenter.domain.policies import PaymentMethod, ProtectionRules, is_business_day
from ordercenter.domain.protection import protection, refund_eta
from ordercenter.domain.return_rules import ReturnAction
from ordercenter.domain.returns import ReturnKind, ReturnReason
from ordercenter.domain.status import RETURN_TRANSITIONS, ReturnStatus, SupplierOrderStatus

RS = ReturnStatus
PLACED = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
RULES = ProtectionRules(window_days=90, days_after_delivery=15)


# ---------------------------------------------------------------- the protection window


def test_the_window_is_open_on_day_90_and_closed_on_day_91_with_the_date_it_closed() -> None:
    last = rules.check_window_open(PLACED + timedelta(days=90), PLACED, RULES)
    assert last == PLACED.date() + timedelta(days=90)
    with pytest.raises(NotAllowed) as error:
        rules.check_window_open(PLACED + timedelta(days=91), PLACED, RULES)
    assert f"closed on {last.isoformat()}" in error.value.message
    assert "90 days after it was placed" in error.value.message
    assert error.value.field == "protection"


def test_a_confirmed_delivery_closes_the_window_15_days_later_and_says_so() -> None:
    delivered = PLACED + timedelta(days=10)
    with pytest.raises(NotAllowed) as error:
        rules.check_window_open(delivered + timedelta(days=16), PLACED, RULES, delivered)
    assert f"closed on {(delivered + timedelta(days=15)).date().isoformat()}" in error.value.message
    assert "15 days after delivery" in error.value.message


def test_the_protection_view_counts_days_left_to_zero_on_the_last_day() -> None:
    def view(days: int, delivered: datetime | None = None) -> tuple[int | None, bool]:
        found = protection(placed_at=PLACED, delivered_at=delivered, rules=RULES, ship_to_country="FR",
                           seller_type="standard", payment_method="card", payer_country="FR",
                           now=PLACED + timedelta(days=days))
        return found.days_left, found.is_open

    assert view(90) == (0, True)
    assert view(91) == (-1, False)
    assert view(20, PLACED + timedelta(days=10)) == (5, True)  # 15 days after delivery on day 10


def test_a_choice_seller_to_the_us_has_a_free_return_and_a_standard_seller_none() -> None:
    def free_return(seller: str, country: str) -> str | None:
        return protection(placed_at=PLACED, delivered_at=None, rules=RULES, ship_to_country=country,
                          seller_type=seller, payment_method="card", payer_country=country, now=PLACED).free_return

    assert free_return("choice", "US") is not None and "free return" in (free_return("choice", "US") or "")
    assert free_return("standard", "US") is None
    assert free_return("choice", "JP") is None  # not in the free-return table


# ---------------------------------------------------------------- refund arrival in the payer's working days


def test_a_saudi_payers_refund_counts_sunday_as_a_working_day_and_skips_friday_and_saturday() -> None:
    friday = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)  # no public holiday in SA or the US nearby
    saudi = refund_eta(PaymentMethod.CARD, "SA", now=friday, issued_at=friday)
    american = refund_eta(PaymentMethod.CARD, "US", now=friday, issued_at=friday)
    assert saudi.business_days == (3, 20)
    # Three working days after a Friday: Sun 12, Mon 13, Tue 14 in Riyadh; Mon 13, Tue 14, Wed 15 in New York.
    assert saudi.window.earliest == date(2026, 4, 14)
    assert american.window.earliest == date(2026, 4, 15)
    assert not is_business_day(date(2026, 4, 10), "SA") and not is_business_day(date(2026, 4, 11), "SA")
    assert is_business_day(date(2026, 4, 12), "SA")
    assert saudi.window.latest.weekday() not in (4, 5)  # never lands on a Friday or a Saturday
    assert saudi.issued


def test_an_israeli_payers_refund_also_rests_on_friday_and_saturday() -> None:
    sunday = date(2026, 4, 12)
    assert is_business_day(sunday, "IL") and not is_business_day(date(2026, 4, 17), "IL")
    eta = refund_eta(PaymentMethod.PAYPAL, "IL", now=datetime(2026, 4, 10, tzinfo=UTC))
    assert eta.window.earliest == date(2026, 4, 14) and not eta.issued


# ---------------------------------------------------------------- what a request may ask


def test_a_reason_not_in_the_list_names_the_field_and_the_choices() -> None:
    with pytest.raises(InvalidInput) as error:
        rules.parse_reason("changed_my_mind")
    assert error.value.field == "reason"
    assert "not_as_described" in error.value.message


def test_an_amount_above_what_was_paid_is_refused_naming_amount() -> None:
    paid = Money(Decimal("25.40"), "USD")
    assert rules.parse_requested_amount("25.40", paid).amount == Decimal("25.40")
    for bad in ("25.41", "0", "-3", "12.345", "a lot"):
        with pytest.raises(InvalidInput) as error:
            rules.parse_requested_amount(bad, paid)
        assert error.value.field == "amount", bad


def test_what_earlier_requests_recovered_is_not_asked_twice() -> None:
    left = rules.refundable(Money(Decimal("30.00"), "USD"), [Money(Decimal("10.00"), "USD")])
    assert left == Money(Decimal("20.00"), "USD")
    with pytest.raises(InvalidInput, match="more than was paid"):
        rules.parse_requested_amount("20.01", left)


def test_nothing_can_be_sent_back_when_nothing_arrived() -> None:
    with pytest.raises(InvalidInput) as error:
        rules.check_kind_fits_reason(ReturnKind.RETURN_AND_REFUND, ReturnReason.NOT_RECEIVED)
    assert error.value.field == "kind"
    rules.check_kind_fits_reason(ReturnKind.REFUND_ONLY, ReturnReason.NOT_RECEIVED)


def test_other_needs_a_description_and_proof_is_needed_for_what_a_photo_shows() -> None:
    with pytest.raises(InvalidInput) as error:
        rules.check_description(ReturnReason.OTHER, "   ")
    assert error.value.field == "description"
    assert rules.needs_evidence(ReturnReason.DAMAGED) and not rules.needs_evidence(ReturnReason.NOT_RECEIVED)


@pytest.mark.parametrize("status", [SupplierOrderStatus.DRAFT, SupplierOrderStatus.PLACED, SupplierOrderStatus.PAID])
def test_before_shipping_a_return_is_refused_pointing_to_a_cancellation(status: SupplierOrderStatus) -> None:
    with pytest.raises(NotAllowed) as error:
        rules.check_can_open(status, "8198")
    assert "cancel" in error.value.message and "not shipped yet" in error.value.message


def test_a_second_open_request_is_a_conflict() -> None:
    rules.check_no_other_request([])
    with pytest.raises(Conflict, match="request 7 is already open"):
        rules.check_no_other_request([7])


# ---------------------------------------------------------------- merchant actions per status


def test_a_refused_dispute_can_be_escalated_once_or_closed() -> None:
    assert rules.allowed_actions(RS.REJECTED) == [ReturnAction.ESCALATE, ReturnAction.CLOSE]
    assert rules.allowed_actions(RS.REJECTED, escalated=True) == [ReturnAction.CLOSE]
    with pytest.raises(Conflict, match="escalated already"):
        rules.check_action(RS.REJECTED, ReturnAction.ESCALATE, escalated=True)
    assert rules.close_status(RS.REJECTED) is RS.CLOSED
    assert rules.close_status(RS.UNDER_REVIEW) is RS.WITHDRAWN


def test_an_action_the_status_does_not_allow_says_what_is_possible() -> None:
    with pytest.raises(NotAllowed) as error:
        rules.check_action(RS.UNDER_REVIEW, ReturnAction.SHIP_RETURN)
    assert "under_review" in error.value.message and "escalate" in error.value.message
    assert rules.allowed_actions(RS.REFUNDED) == []


def test_every_allowed_action_has_a_status_it_can_lead_to() -> None:
    # A merchant action must never meet a table that refuses it.
    leads = {ReturnAction.RECORD_DISPUTE: RS.UNDER_REVIEW, ReturnAction.SHIP_RETURN: RS.RETURN_SHIPPED,
             ReturnAction.REFUND_ISSUED: RS.REFUND_PENDING, ReturnAction.REFUND_ARRIVED: RS.REFUNDED}
    for status, actions in rules.ALLOWED_ACTIONS.items():
        for action in actions:
            if action in leads:
                assert RETURN_TRANSITIONS.can(status, leads[action]), (status, action)
            if action is ReturnAction.CLOSE:
                assert RETURN_TRANSITIONS.can(status, rules.close_status(status)), status


# ---------------------------------------------------------------- the supplier's dispute statuses


def test_the_route_to_a_status_walks_every_step_the_table_allows() -> None:
    steps = rules.route_to(ReturnKind.RETURN_AND_REFUND, RS.UNDER_REVIEW, RS.REFUNDED)
    assert steps == [RS.APPROVED, RS.AWAITING_RETURN, RS.RETURN_SHIPPED, RS.REFUND_PENDING, RS.REFUNDED]
    current = RS.UNDER_REVIEW
    for step in steps:
        RETURN_TRANSITIONS.check(current, step)
        current = step
    assert rules.route_to(ReturnKind.REFUND_ONLY, RS.UNDER_REVIEW, RS.REFUND_PENDING) == [RS.APPROVED,
                                                                                          RS.REFUND_PENDING]


def test_a_late_answer_never_moves_a_request_back() -> None:
    assert rules.route_to(ReturnKind.RETURN_AND_REFUND, RS.RETURN_SHIPPED, RS.AWAITING_RETURN) == []
    assert rules.route_to(ReturnKind.REFUND_ONLY, RS.REFUNDED, RS.UNDER_REVIEW) == []


def test_a_refused_dispute_decided_after_escalation_passes_back_under_review() -> None:
    assert rules.route_to(ReturnKind.REFUND_ONLY, RS.REJECTED, RS.REFUND_PENDING) == [
        RS.UNDER_REVIEW, RS.APPROVED, RS.REFUND_PENDING]


def test_the_suppliers_statuses_map_to_ours_and_a_platform_close_is_a_final_refusal() -> None:
    assert rules.supplier_target("WAIT_SELLER_RESPONSE", decided_by=None) is RS.UNDER_REVIEW
    assert rules.supplier_target("SELLER_REFUSED", decided_by="seller") is RS.REJECTED
    assert rules.supplier_target("WAIT_BUYER_RETURN", decided_by="seller") is RS.AWAITING_RETURN
    assert rules.supplier_target("CLOSED", decided_by="platform") is RS.REJECTED
    assert rules.supplier_target("SOMETHING_NEW", decided_by=None) is None
    with pytest.raises(InvalidTransition):
        RETURN_TRANSITIONS.check(RS.REFUNDED, RS.UNDER_REVIEW)


def test_the_return_address_and_ship_by_date_are_read_from_the_instructions() -> None:
    text = ("Send the item back to Shop 12, Return Dept., Bldg 4, 18 Keji Rd, Nanshan, Shenzhen 518057, CN, "
            "quoting dispute D5000001, with a tracked service, by 2026-03-20. Then give us the return tracking number.")
    address, ship_by = rules.parse_return_instructions(text)
    assert address == "Shop 12, Return Dept., Bldg 4, 18 Keji Rd, Nanshan, Shenzhen 518057, CN"
    assert ship_by == date(2026, 3, 20)
    assert rules.parse_return_instructions("Keep the item.") == (None, None)
