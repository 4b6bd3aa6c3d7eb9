"""shop/redact: 48 hours after the uninstall, everything of the shop is erased; the other shop is untouched."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.privacy.conftest import ALICE, BOB, SHOP_A, SHOP_B, World


def test_shop_redact_leaves_no_row_and_no_file_of_the_shop_and_the_other_shop_untouched(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    # given: shop A with an order placed, a refund request and a data request file; shop B with its own
    alice = world.buy(SHOP_A.domain, ALICE)
    world.place(SHOP_A.domain, alice)
    assert world.api[SHOP_A.domain].post(f"/orders/{alice.id}/customer-refunds",
                                         json={"message": "Crushed box"}).status_code == 201
    world.operator("compliance/customers/data_request", shop=SHOP_A.domain, customer=ALICE.email)
    world.buy(SHOP_B.domain, BOB)
    world.operator("compliance/customers/data_request", shop=SHOP_B.domain, customer=BOB.email)
    world.settle()
    assert world.complete_privacy_requests() == 2
    files = world.container.settings.resolved_files_dir
    assert (files / f"shop-{world.a}").is_dir()
    b_rows, b_files = world.rows_of(world.b), sorted((files / f"shop-{world.b}").rglob("*"))
    assert b_files and any(b_rows.values())
    # the merchant uninstalls the app from A; 48 hours later the store asks for the shop's erasure
    world.operator("uninstall", shop=SHOP_A.domain)
    world.settle()

    # when
    world.operator("compliance/shop/redact", shop=SHOP_A.domain, callback_url=f"{world.url}/webhooks/shopify")
    world.settle()
    with caplog.at_level(logging.INFO, logger="ordercenter.services.privacy"):
        assert world.complete_privacy_requests() == 1

    # then: not one row of A in any table, its own row included, and no file of A
    left = {where: count for where, count in world.rows_of(world.a).items() if count}
    assert left == {}
    assert world.shop(SHOP_A.domain) is None
    assert not (files / f"shop-{world.a}").exists()
    # B is exactly as it was
    assert world.rows_of(world.b) == b_rows
    assert sorted((files / f"shop-{world.b}").rglob("*")) == b_files
    # the erasure is in the log, without anybody's personal data
    [logged] = [r.getMessage() for r in caplog.records if "shop/redact" in r.getMessage()]
    assert SHOP_A.domain in logged and ALICE.email not in logged and ALICE.last not in logged


def test_a_delivery_for_an_erased_shop_is_answered_as_for_an_unknown_shop(world: World) -> None:
    world.operator("compliance/shop/redact", shop=SHOP_A.domain)
    world.settle()
    world.complete_privacy_requests()

    world.operator("compliance/shop/redact", shop=SHOP_A.domain, callback_url=f"{world.url}/webhooks/shopify")
    assert world.store.wait_idle(20)
    [*_, last] = [d for d in world.store.webhooks.deliveries() if d.shop_domain == SHOP_A.domain]
    assert (last.topic, last.last_status) == ("shop/redact", 404)
    assert world.shop(SHOP_A.domain) is None
    assert httpx.get(f"{world.url}/healthz", timeout=5).status_code == 200
