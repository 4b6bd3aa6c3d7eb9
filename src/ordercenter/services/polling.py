"""The tracking poller: which open supplier orders are due for a look, and a look on demand.

Each order is synced in its own units of work, so one supplier or store failure is recorded on that
order (and its next look scheduled as usual, so it cannot spin) while the others go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ordercenter.adapters.ports import Clock, StorePlatform, SupplierPlatform
from ordercenter.domain.errors import DomainError, NotAllowed, NotFound
from ordercenter.domain.shops import Shop
from ordercenter.domain.supplier_orders import SupplierOrder
from ordercenter.domain.suppliers import SupplierAccount
from ordercenter.services.after_sale_sync import StoreFor, SupplierFor, sync_after_sale
from ordercenter.services.tracking import SyncResult, record_poll_failure, sync_supplier_order
from ordercenter.services.uow import UnitOfWork

log = logging.getLogger(__name__)



@contextmanager
def clients(uow: UnitOfWork, supplier_for_account: Callable[[SupplierAccount], SupplierPlatform],
            store_for_shop: StoreFor) -> Iterator[tuple[SupplierFor, StoreFor]]:
    """`supplier_for` / `store_for` that build one client per supplier account and per shop (from the
    composition root's factories) and close them all when the block ends."""
    suppliers: dict[int, SupplierPlatform] = {}
    stores: dict[int, StorePlatform] = {}

    def supplier_for(so: SupplierOrder) -> SupplierPlatform:
        account_id = so.supplier_account_id
        if account_id is None:
            raise NotAllowed("this supplier order names no supplier account", field="supplier_account_id")
        if account_id not in suppliers:
            with uow:
                account = uow.supplier_accounts.get(so.shop_id, account_id)
            if account is None:
                raise NotFound(f"no supplier account {account_id}", field="supplier_account_id")
            suppliers[account_id] = supplier_for_account(account)
        return suppliers[account_id]

    def store_for(shop: Shop) -> StorePlatform:
        if shop.id not in stores:
            stores[shop.id] = store_for_shop(shop)
        return stores[shop.id]

    try:
        yield supplier_for, store_for
    finally:
        for client in [*suppliers.values(), *stores.values()]:
            close = getattr(client, "close", None)  # HTTP clients hold connection pools
            if callable(close):
                close()


def poll_due(uow: UnitOfWork, supplier_for: SupplierFor, store_for: StoreFor, clock: Clock, *,
             limit: int = 50) -> int:
    """Sync up to `limit` supplier orders whose next look is due (all shops); returns how many answered."""
    with uow:
        due = list(uow.supplier_orders.due_for_polling(clock.now(), limit))
        shops = {so.shop_id: uow.shops.get(so.shop_id) for so in due}
    answered = 0
    for so in due:
        shop = shops.get(so.shop_id)
        try:
            if shop is None:
                raise NotFound(f"no shop {so.shop_id}", field="shop")
            sync_supplier_order(uow, supplier_for(so), store_for(shop), clock, shop_id=so.shop_id,
                                supplier_order_id=so.id)
            answered += 1
        except Exception as error:  # noqa: BLE001  (recorded on the order; the next one must still run)
            message = error.message if isinstance(error, DomainError) else f"{error.__class__.__name__}: {error}"
            log.warning("tracking sync of supplier order %s failed: %s", so.id, message)
            record_poll_failure(uow, clock, shop_id=so.shop_id, supplier_order_id=so.id, message=message)
    return answered


def refresh_one(uow: UnitOfWork, supplier_for: SupplierFor, store_for: StoreFor, clock: Clock, *,
                shop_id: int, supplier_order_id: int) -> SyncResult:
    """Look at one supplier order now (the merchant pressed refresh), its after-sale requests too; the
    supplier's refusal is kept on the order and raised to the caller."""
    with uow:
        so = uow.supplier_orders.get(shop_id, supplier_order_id)
        shop = uow.shops.get(shop_id)
        if so is None or shop is None:
            raise NotFound(f"no supplier order {supplier_order_id}", field="supplier_order_id")
    try:
        supplier, store = supplier_for(so), store_for(shop)
        result = sync_supplier_order(uow, supplier, store, clock, shop_id=shop_id, supplier_order_id=supplier_order_id)
        sync_after_sale(uow, supplier, store, clock, shop_id=shop_id, supplier_order_id=supplier_order_id)
        return result
    except DomainError as error:
        record_poll_failure(uow, clock, shop_id=shop_id, supplier_order_id=supplier_order_id,
                            message=error.message)
        raise
