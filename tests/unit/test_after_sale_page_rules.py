"""Small rules of the after-sale pages: where a deadline is acted on, and how often a watched supplier
order is asked about."""

from __future__ import annotations

from datetime import UTC, datetime

from ordercenter.domain.deadlines import Deadline, DeadlineKind
from ordercenter.entrypoints.web.routes_cancel import RefreshThrottle
from ordercenter.entrypoints.web.routes_deadlines import KIND_WORDS, link_of

DUE = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _deadline(kind: DeadlineKind, *, request_id: int | None = None, supplier_order_id: int | None = None) -> Deadline:
    return Deadline(kind, DUE, False, order_id=7, order_name="#1007", what_to_do="do it",
                    supplier_order_id=supplier_order_id, request_id=request_id)


def test_a_deadline_about_a_request_links_to_the_request_and_the_others_to_their_order() -> None:
    assert link_of(_deadline(DeadlineKind.CUSTOMER_UNANSWERED, request_id=3)) == "/customer-refunds/3"
    assert link_of(_deadline(DeadlineKind.CANCELLATION_PENDING, request_id=4, supplier_order_id=9)) == \
        "/cancellations/4"
    assert link_of(_deadline(DeadlineKind.SUPPLIER_SILENT, supplier_order_id=9)) == "/supplier-orders/9/messages"
    assert link_of(_deadline(DeadlineKind.PAYMENT_DUE, supplier_order_id=9)) == "/orders/7"
    assert link_of(_deadline(DeadlineKind.REFUND_OVERDUE, request_id=5, supplier_order_id=9)) == "/orders/7"


def test_every_kind_of_deadline_has_its_words() -> None:
    assert set(KIND_WORDS) == set(DeadlineKind)


def test_a_watched_supplier_order_is_asked_about_once_however_many_pages_poll_it() -> None:
    throttle = RefreshThrottle()
    assert throttle.due((1, 10)) is True
    assert throttle.due((1, 10)) is False  # a second watcher, a moment later
    assert throttle.due((1, 11)) is True  # another supplier order
    assert throttle.due((2, 10)) is True  # the same id in another shop
