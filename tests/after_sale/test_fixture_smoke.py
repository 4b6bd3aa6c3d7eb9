"""The after-sale fixture itself: an order placed, paid and shipped in one call reaches in_transit."""

from __future__ import annotations

import pytest

from tests.after_sale.conftest import AfterSale


@pytest.mark.also_postgres
def test_a_placed_paid_and_shipped_order_is_in_transit(after_sale: AfterSale) -> None:
    placed = after_sale.placed(shipped=True)
    assert after_sale.order(placed.order_id)["stage"] == "in_transit"
