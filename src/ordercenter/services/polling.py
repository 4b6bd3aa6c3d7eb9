"""The tracking poller: which open supplier orders are due for a look, and a look on demand.

Each order is synced in its own units of work, so one supplier or store failure is recorded on that
order (and its next look scheduled as usual, so it cannot spin) while the others go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from ordercenter.adapters.ports import Clock, StorePlatform, SupplierError, SupplierErrorKind, SupplierPlatform
from ordercenter.domain.errors import DomainError, NotAllowed, NotFound
from ordercenter.domain.shops import Shop
from ordercenter.domain.supplier_orders import SupplierOrder
from ordercenter.domain.suppliers import SupplierAccount
from ordercenter.services import suppliers
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
    """Sync up to `limit` supplier orders whose next look is due (all shops); returns how many answered.

    A supplier account whose credentials are refused is tried once per run at most: its first order is
    the try, and its other orders wait for the account's next try (doubling, capped), so a revoked
    token costs one call and one log line per try instead of one per order per minute.
    """
    now = clock.now()
    with uow:
        due = list(uow.supplier_orders.due_for_polling(now, limit))
        shops = {so.shop_id: uow.shops.get(so.shop_id) for so in due}
        accounts = {so.supplier_account_id: uow.supplier_accounts.get(so.shop_id, so.supplier_account_id)
                    for so in due if so.supplier_account_id is not None}
    # Accounts not to be called in this run, with the time of their next try.
    waiting = {a.id: a.next_try_at for a in accounts.values() if a is not None and a.waiting_to_retry(now)}
    refused_before = {a.id for a in accounts.values() if a is not None and a.is_refused}
    deferred: list[tuple[int, int, datetime]] = []
    answered = 0
    for so in due:
        account = accounts.get(so.supplier_account_id) if so.supplier_account_id is not None else None
        if account is not None and account.id in waiting:
            until = waiting[account.id]
            if until is not None:
                deferred.append((so.shop_id, so.id, until))
            continue
        shop = shops.get(so.shop_id)
        try:
            if shop is None:
                raise NotFound(f"no shop {so.shop_id}", field="shop")
            sync_supplier_order(uow, supplier_for(so), store_for(shop), clock, shop_id=so.shop_id,
                                supplier_order_id=so.id)
            answered += 1
            if account is not None and account.id in refused_before:
                refused_before.discard(account.id)
                suppliers.record_credentials_accepted(uow, shop_id=so.shop_id, account_id=account.id,
                                                      now=clock.now())
        except SupplierError as error:
            if account is None or error.kind is not SupplierErrorKind.AUTH:
                _poll_failed(uow, clock, so, error.message)
                continue
            # The account's fault, not the order's: said once on the account, its orders wait.
            words = error.supplier_message or error.message
            until = suppliers.record_credentials_refused(uow, shop_id=so.shop_id, account_id=account.id,
                                                         message=words, now=clock.now())
            waiting[account.id] = until
            refused_before.add(account.id)
            if until is not None:
                deferred.append((so.shop_id, so.id, until))
        except Exception as error:  # noqa: BLE001  (recorded on the order; the next one must still run)
            _poll_failed(uow, clock, so, error.message if isinstance(error, DomainError)
                         else f"{error.__class__.__name__}: {error}")
    _defer(uow, deferred)
    return answered


def _poll_failed(uow: UnitOfWork, clock: Clock, so: SupplierOrder, message: str) -> None:
    log.warning("tracking sync of supplier order %s failed: %s", so.id, message)
    record_poll_failure(uow, clock, shop_id=so.shop_id, supplier_order_id=so.id, message=message)


def _defer(uow: UnitOfWork, deferred: list[tuple[int, int, datetime]]) -> None:
    """Move the next look of orders of a refused account to the account's next try (one transaction)."""
    if not deferred:
        return
    with uow:
        for shop_id, supplier_order_id, until in deferred:
            so = uow.supplier_orders.get(shop_id, supplier_order_id, for_update=True)
            if so is not None and (so.next_poll_at is None or so.next_poll_at < until):
                so.next_poll_at = until
                so.last_poll_error = "the supplier refuses the account's credentials: authorize it again"
        uow.commit()


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
