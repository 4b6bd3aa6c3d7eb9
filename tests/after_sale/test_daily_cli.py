"""The daily job from the command line, as a merchant runs it against a running Order Center: show an order,
preview, place everything ready (asked first), pay and look again at a supplier order."""

from __future__ import annotations

import os
import subprocess
import sys

from ordercenter.config import Settings
from tests.after_sale.conftest import AfterSale


def cli(settings: Settings, *args: str, answer: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERCENTER_")}
    env.update({"ORDERCENTER_DATA_DIR": str(settings.data_dir), "ORDERCENTER_SECRET_KEY": settings.secret_key or "",
                "COLUMNS": "200"})
    if settings.database_url:
        env["ORDERCENTER_DATABASE_URL"] = settings.database_url
    return subprocess.run([sys.executable, "-m", "ordercenter", *args], input=answer, capture_output=True, text=True,
                          env=env, timeout=120, check=False)


def test_place_all_shows_the_preview_and_places_nothing_unless_the_merchant_says_yes(
        after_sale: AfterSale, settings: Settings) -> None:
    after_sale.store.generate_orders("after.myshopify.com", 3, with_shipping_address=True)
    assert after_sale.store.wait_idle(20)
    orders = after_sale.wait_for_orders(3)
    ready = [o for o in orders if o["stage"] == "to_order"]
    assert ready

    refused = cli(settings, "orders", "place", "--all", answer="n\n")
    assert refused.returncode == 1, refused.stderr
    assert "preview" in refused.stdout and ready[0]["name"] in refused.stdout
    assert all(o["stage"] == "to_order" for o in after_sale.api.get("/orders").json()["data"] if o in ready)
    assert all(after_sale.order(o["id"])["supplier_orders"] == [] for o in ready)

    placed = cli(settings, "orders", "place", "--all", "--yes")
    assert placed.returncode == 0, placed.stderr
    assert "placed" in placed.stdout
    assert any(after_sale.order(o["id"])["supplier_orders"] for o in ready)


def test_a_supplier_order_is_paid_refreshed_and_shown_from_the_command_line(
        after_sale: AfterSale, settings: Settings) -> None:
    placed = after_sale.placed(paid=False)
    name = after_sale.order(placed.order_id)["name"]

    preview = cli(settings, "orders", "preview", name)
    assert preview.returncode == 0 and "awaiting_payment" in preview.stdout, preview.stdout + preview.stderr

    paid = cli(settings, "supplier-orders", "pay", str(placed.supplier_order_id), "--yes")
    assert paid.returncode == 0, paid.stderr
    assert paid.stdout.startswith("paid")
    after_sale.supplier.ship(placed.supplier_number, carrier="Cainiao")
    refreshed = cli(settings, "supplier-orders", "refresh", str(placed.supplier_order_id))
    assert refreshed.returncode == 0, refreshed.stderr
    assert "paid → shipped" in refreshed.stdout

    shown = cli(settings, "orders", "show", name)
    assert shown.returncode == 0, shown.stderr
    for expected in (name, "in_transit", placed.supplier_number, "shipped", "timeline"):
        assert expected in shown.stdout

    unknown = cli(settings, "supplier-orders", "pay", "999999", "--yes")
    assert unknown.returncode == 2 and unknown.stderr.count("\n") == 1 and "999999" in unknown.stderr
