"""Follow what the supplier holds after the sale for one supplier order: cancellations, disputes, messages.

Only suppliers that take after-sale actions by API (the sandbox) can be asked; with real AliExpress
these are assisted, and a cancellation's outcome is read from the order status by the tracking poller.
The supplier is asked outside any transaction; each part is then applied in its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ordercenter.adapters.ports import Clock, StorePlatform, SupplierPlatform
from ordercenter.adapters.supplier_after_sale import AfterSaleState, SupplierAfterSale
from ordercenter.domain.errors import DomainError, NotFound
from ordercenter.domain.shops import Shop
from ordercenter.domain.supplier_orders import SupplierOrder
from ordercenter.services import cancellation, returns, supplier_messages
from ordercenter.services.uow import UnitOfWork

log = logging.getLogger(__name__)

SupplierFor = Callable[[SupplierOrder], SupplierPlatform]
StoreFor = Callable[[Shop], StorePlatform]


def sync_after_sale(uow: UnitOfWork, supplier: SupplierPlatform, store: StorePlatform, clock: Clock, *,
                    shop_id: int, supplier_order_id: int) -> AfterSaleState | None:
    """Ask the supplier about this supplier order's after-sale requests and apply its answers; None when
    the supplier offers no after-sale API (assisted) or the order was never placed."""
    if not isinstance(supplier, SupplierAfterSale):
        return None
    with uow:
        so = uow.supplier_orders.get(shop_id, supplier_order_id)
        platform_id = so.supplier_order_id if so else None
    if platform_id is None:
        return None
    state = supplier.get_after_sale(platform_id)
    cancellation.apply_tickets(uow, store, clock, shop_id=shop_id, supplier_order_id=supplier_order_id,
                               tickets=state.cancellations)
    returns.apply_tickets(uow, clock, shop_id=shop_id, supplier_order_id=supplier_order_id, tickets=state.disputes)
    supplier_messages.apply_messages(uow, clock, shop_id=shop_id, supplier_order_id=supplier_order_id,
                                     messages=state.messages)
    return state


def follow_open_requests(uow: UnitOfWork, supplier_for: SupplierFor, store_for: StoreFor, clock: Clock, *,
                         limit: int = 100) -> int:
    """Every supplier order with an open after-sale request (all shops); returns how many answered."""
    with uow:
        due = uow.supplier_orders.with_open_after_sale(limit)
    answered = 0
    for shop_id, so_id in due:
        try:
            with uow:
                so = uow.supplier_orders.get(shop_id, so_id)
                shop = uow.shops.get(shop_id)
            if so is None or shop is None:
                raise NotFound(f"no supplier order {so_id}", field="supplier_order_id")
            if sync_after_sale(uow, supplier_for(so), store_for(shop), clock, shop_id=shop_id,
                               supplier_order_id=so_id) is not None:
                answered += 1
        except Exception as error:  # noqa: BLE001  (one supplier order's failure must not stop the others)
            message = error.message if isinstance(error, DomainError) else f"{error.__class__.__name__}: {error}"
            log.warning("after-sale sync of supplier order %s failed: %s", so_id, message)
    return answered
