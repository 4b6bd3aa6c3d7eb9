"""customers/redact: the customer's personal data erased from the shop; amounts, lines and supplier orders kept."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from ordercenter.domain.audit import OrderEventType
from ordercenter.domain.metadata import metadata
from ordercenter.domain.privacy import ERASED, PrivacyRequestStatus
from ordercenter.entrypoints.cli import main
from tests.privacy.conftest import ALICE, BOB, SHOP_A, SHOP_B, Person, World


def _texts_of_shop(world: World, shop_id: int) -> str:
    """Every value of every row of the shop, as one text to search."""
    found: list[str] = []
    with world.container.engine.connect() as connection:
        for table in metadata.sorted_tables:
            if "shop_id" in table.c:
                found.extend(str(row) for row in connection.execute(select(table).where(table.c.shop_id == shop_id)))
    return "\n".join(found)


def _traces_of(person: Person) -> list[str]:
    return [person.email, person.last, person.street, person.phone]


def _story(world: World) -> dict[str, Any]:
    """Alice bought at A (placed, paid), asked for a refund, got a reply and had her file sent; Bob bought at A,
    Alice also at B."""
    alice, bob, alice_at_b = (world.buy(SHOP_A.domain, ALICE), world.buy(SHOP_A.domain, BOB),
                              world.buy(SHOP_B.domain, ALICE))
    api = world.api[SHOP_A.domain]
    so = world.place(SHOP_A.domain, alice)
    refund = api.post(f"/orders/{alice.id}/customer-refunds",
                      json={"message": f"Hi, this is {ALICE.name} at {ALICE.street}, the box came crushed",
                            "amount": "5.00"}).json()
    assert api.post(f"/customer-refunds/{refund['id']}/reply", json={}).status_code == 200
    assert api.post(f"/supplier-orders/{so['id']}/messages",
                    json={"text": f"The parcel for {ALICE.name} came crushed; please send another"}).status_code == 201
    world.operator("compliance/customers/data_request", shop=SHOP_A.domain, customer=ALICE.email)
    world.settle()
    world.complete_privacy_requests()
    return {"alice": alice, "bob": bob, "alice_at_b": alice_at_b, "supplier_order": so, "refund": refund}


def test_customers_redact_erases_the_customer_and_keeps_amounts_lines_and_supplier_orders(
        world: World, capsys: pytest.CaptureFixture[str]) -> None:
    # given
    story = _story(world)
    alice = story["alice"]
    assert all(trace in _texts_of_shop(world, world.a) for trace in _traces_of(ALICE))
    files = world.container.settings.resolved_files_dir
    assert list(files.glob(f"shop-{world.a}/privacy/*.json"))

    # when: the store asks, sent by the sandbox's operator command, and the background jobs run
    operator_url = f"{world.url}/sandbox/shopify/_operator"
    assert main(["sandbox", "store", "compliance", "customers/redact", "--customer", ALICE.email,
                 "--url", operator_url]) == 0
    assert "sent customers/redact about customer" in capsys.readouterr().out
    world.settle()
    assert world.complete_privacy_requests() == 1

    # then: nothing of Alice is left anywhere in shop A, payloads included
    texts = _texts_of_shop(world, world.a)
    assert [trace for trace in _traces_of(ALICE) if trace in texts] == []
    with world.container.uow() as uow:
        order = uow.orders.get(world.a, alice.id)
        assert order is not None
        refund = uow.customer_refunds.get(world.a, story["refund"]["id"])
        supplier_orders = uow.supplier_orders.for_order(world.a, alice.id)
        events = uow.events.for_order(world.a, alice.id)
        requests = {r.kind.value: r for r in uow.privacy.page(world.a, limit=10)}
    assert (order.email, order.customer_name, order.raw_payload) == ("", "", None)
    assert order.shipping_address_data is not None
    assert {k: v for k, v in order.shipping_address_data.items() if v} == {
        "country": "United States", "country_code": "US", "province": "Illinois", "province_code": "IL"}
    assert order.note == f"Leave it with {ERASED}, please"
    # the money and the goods stay
    assert (order.total_price, order.currency) == (alice.total_price, alice.currency)
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines] == [
        (line.sku, line.quantity, line.unit_price) for line in alice.lines]
    [kept] = supplier_orders
    assert (kept.supplier_order_id, kept.status.value) == (story["supplier_order"]["supplier_order_id"], "paid")
    assert kept.items_cost > 0 and kept.lines
    assert refund is not None
    assert (refund.message, refund.customer_email, refund.amount_requested) == (ERASED, "", Decimal("5.00"))
    # the timeline tells of the erasure, naming the fields, not the values
    [erased] = [e for e in events if e.type is OrderEventType.CUSTOMER_REDACTED]
    assert "email" in erased.parameters["fields"] and "shipping_address" in erased.parameters["fields"]
    assert "customer's personal data erased" in erased.message.lower()
    # the file sent earlier is gone too; the request is recorded with the store's customer id only
    assert list(files.glob(f"shop-{world.a}/privacy/*.json")) == []
    assert requests["data_request"].file_key is None
    assert requests["customer_redact"].status is PrivacyRequestStatus.COMPLETED
    assert requests["customer_redact"].orders_matched == 1

    # and the neighbours keep theirs: Bob at A, Alice at B
    assert all(trace in texts for trace in _traces_of(BOB))
    bob = world.order(SHOP_A.domain, story["bob"].platform_order_id)
    assert bob is not None and (bob.email, bob.raw_payload is not None) == (BOB.email, True)
    assert all(trace in _texts_of_shop(world, world.b) for trace in _traces_of(ALICE))


def test_a_second_redaction_of_the_same_customer_is_done_too_and_erases_nothing_more(world: World) -> None:
    alice = world.buy(SHOP_A.domain, ALICE)
    for _ in range(2):
        world.operator("compliance/customers/redact", shop=SHOP_A.domain, customer=ALICE.email)
    world.settle()

    assert world.complete_privacy_requests() == 2
    assert world.complete_privacy_requests() == 0
    with world.container.uow() as uow:
        requests = uow.privacy.page(world.a, limit=10)
        order = uow.orders.get(world.a, alice.id)
    assert [(r.status, r.last_error) for r in requests] == [(PrivacyRequestStatus.COMPLETED, None)] * 2
    assert order is not None and (order.email, order.total_price) == ("", alice.total_price)
    assert ALICE.email not in _texts_of_shop(world, world.a)
