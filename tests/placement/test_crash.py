"""A real process killed after the supplier accepted the order, then restarted: exactly one order."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from ordercenter.config import Settings
from ordercenter.domain.status import SupplierOrderStatus
from tests.placement.conftest import Placement


def child(placement: Placement, settings: Settings, mode: str, order_id: int) -> subprocess.Popen[str]:
    creds = placement.supplier.credentials()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERCENTER_")}
    env.update({
        "ORDERCENTER_DATA_DIR": str(settings.data_dir), "ORDERCENTER_SECRET_KEY": settings.secret_key or "",
        "AE_APP_KEY": creds["app_key"], "AE_APP_SECRET": creds["app_secret"],
        "AE_ACCESS_TOKEN": creds["access_token"], "AE_BASE_URL": placement.server.base_url,
        "AE_ACCOUNT_ID": str(placement.account_id), "SHOP_ID": str(placement.shop_id),
    })
    if settings.database_url:
        env["ORDERCENTER_DATABASE_URL"] = settings.database_url
    return subprocess.Popen([sys.executable, "-m", "tests.placement.crash_child", mode, str(order_id)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def test_a_process_killed_after_the_supplier_accepted_is_recovered_without_a_second_order(
        placement: Placement, settings: Settings) -> None:
    order_id = placement.order()
    # The supplier commits the order, then holds its answer long enough for us to kill the caller.
    placement.supplier.inject_fault("timeout_after_commit", method="aliexpress.ds.order.create", delay=60.0)
    first = child(placement, settings, "place", order_id)
    deadline = time.monotonic() + 30
    while not placement.supplier.orders():
        assert time.monotonic() < deadline, "the supplier never received the order"
        assert first.poll() is None, first.communicate()[0]
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    # given: the supplier holds one order, our database only the unanswered claim
    assert len(placement.supplier.orders()) == 1
    claims = placement.supplier_orders(order_id)
    assert [(so.status, so.supplier_order_id) for so in claims] == [  # type: ignore[attr-defined]
        (SupplierOrderStatus.DRAFT, None)]
    # when: the process starts again and finishes the job
    placement.supplier.faults.clear()
    second = child(placement, settings, "recover", order_id)
    output, _ = second.communicate(timeout=60)
    # then: the interrupted purchase was found, not repeated; the other seller's was placed once
    assert second.returncode == 0, output
    assert len(placement.supplier.orders()) == 2
    keys = {o.out_order_id for o in placement.supplier.orders()}
    assert keys == {so.idempotency_key for so in placement.supplier_orders(order_id)}  # type: ignore[attr-defined]
    assert {so.status for so in placement.supplier_orders(order_id)} == {  # type: ignore[attr-defined]
        SupplierOrderStatus.PLACED}
