"""The sandbox supplier's after-sale desk from the command line: the seller decides cancellations and disputes,
pays a dispute's refund, answers a message, and shows what an order holds after the sale."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from decimal import Decimal

from tests.e2e.test_cli import run
from tests.e2e.test_sandbox_cli import Demo, assert_one_line_error, demo  # noqa: F401  (the fixture; the tests' parameter is it, hence F811 below)


def _paid_order(running: Demo) -> str:
    order_id = running.supplier_order()
    running.supplier.pay(order_id)
    return order_id


def _wide(running: Demo, *args: str) -> subprocess.CompletedProcess[str]:
    """A command whose tables must not wrap their cells."""
    return run("sandbox", *args, "--data-dir", str(running.data_dir), data_dir=running.data_dir,
               env={"COLUMNS": "220"})


def test_the_seller_rejects_one_cancellation_and_decides_another_by_its_rule(demo: Demo) -> None:  # noqa: F811
    demo.supplier.config.cancel_decision_delay = timedelta(hours=6)  # the seller takes its time
    rejected_order, ruled_order = _paid_order(demo), _paid_order(demo)
    first = demo.supplier.request_cancellation(rejected_order, "customer changed their mind")
    second = demo.supplier.request_cancellation(ruled_order, "out of stock")

    rejected, ruled, unknown = demo.sandbox_together(
        ["supplier", "cancellation", first.cancellation_id, "--reject", "--note", "packed already"],
        ["supplier", "cancellation", second.cancellation_id],
        ["supplier", "cancellation", "C404", "--approve"])

    assert rejected.returncode == 0, rejected.stderr
    assert f"cancellation {first.cancellation_id}" in rejected.stdout and "rejected: packed already" in rejected.stdout
    assert ruled.returncode == 0, ruled.stderr
    assert "approved" in ruled.stdout  # not shipped: the seller's rule approves
    assert demo.supplier.order(rejected_order).end_reason is None
    assert demo.supplier.order(ruled_order).end_reason == "CANCELED"
    assert_one_line_error(unknown, "refused", "No cancellation C404")
    # a decided request stays decided: approving it afterwards changes nothing
    again = demo.sandbox("supplier", "cancellation", first.cancellation_id, "--approve")
    assert again.returncode == 0 and "rejected" in again.stdout
    assert [c.outcome for c in demo.supplier.after_sale_of(rejected_order)[0]] == ["rejected"]


def test_a_dispute_is_accepted_for_part_of_the_amount_then_its_refund_is_paid(demo: Demo) -> None:  # noqa: F811
    order_id = _paid_order(demo)
    demo.supplier.ship(order_id)
    dispute = demo.supplier.open_dispute(order_id, "refund_only", "damaged", "The lid is cracked", Decimal("4.00"),
                                         ["photo.jpg"])
    assert_one_line_error(demo.sandbox("supplier", "dispute", dispute.dispute_id), "--accept or --reject")

    accepted = demo.sandbox("supplier", "dispute", dispute.dispute_id, "--accept", "--refund-amount", "3.50",
                            "--note", "half the lid")

    assert accepted.returncode == 0, accepted.stderr
    assert "REFUND_PENDING" in accepted.stdout and "refund 3.50 USD" in accepted.stdout
    refunded = demo.sandbox("supplier", "refund-dispute", dispute.dispute_id)
    assert refunded.returncode == 0, refunded.stderr
    assert "REFUNDED" in refunded.stdout
    assert [r.amount for r in demo.supplier.order(order_id).refunds] == [Decimal("3.50")]
    assert_one_line_error(demo.sandbox("supplier", "refund-dispute", dispute.dispute_id), "nothing to refund")


def test_the_seller_answers_a_message_and_the_order_shows_its_after_sale(demo: Demo) -> None:  # noqa: F811
    order_id = _paid_order(demo)
    demo.supplier.set_silent(True)
    demo.supplier.send_message(order_id, "Where is my parcel?")
    demo.supplier.config.cancel_decision_delay = timedelta(hours=6)
    cancellation = demo.supplier.request_cancellation(order_id, "shipping too slow")

    replied = demo.sandbox("supplier", "reply", order_id, "Shipping tomorrow, sorry for the delay")

    assert replied.returncode == 0, replied.stderr
    messages = demo.supplier.after_sale_of(order_id)[2]
    assert [(m.from_seller, m.text) for m in messages] == [
        (False, "Where is my parcel?"), (True, "Shipping tomorrow, sorry for the delay")]
    shown = _wide(demo, "supplier", "after-sale", order_id)
    assert shown.returncode == 0, shown.stderr
    for text in (cancellation.cancellation_id, "pending", "Where is my parcel?", "Shipping tomorrow", "seller"):
        assert text in shown.stdout, text
    assert_one_line_error(demo.sandbox("supplier", "reply", order_id, "  "), "empty")
    assert_one_line_error(demo.sandbox("supplier", "after-sale", "404"), "refused", "does not exist")
