"""A shop with mapped products, a supplier account, and the sandbox supplier on a real local port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest

from ordercenter.adapters.aliexpress import SandboxAliExpressClient
from ordercenter.adapters.ports import SupplierPlatform
from ordercenter.bootstrap import Container
from ordercenter.domain.mappings import ProductMapping
from ordercenter.domain.shops import Shop
from ordercenter.domain.snapshots import OrderSnapshot
from ordercenter.domain.suppliers import SupplierAccount, SupplierPlatformKind
from ordercenter.sandbox.aliexpress import SandboxConfig, SandboxServer, SandboxSupplier
from ordercenter.services.ingestion import import_order
from ordercenter.services.placement_planning import SupplierResolver
from tests.factories import T0, snapshot

CABLE = "1005006000000001"  # TechNova gadgets store, sku "14:193" black
MUG = "1005006000000005"  # home store, sku "14:175" sage green
EARBUDS = "1005006000000003"  # out of stock
BANK = "1005006000000002"  # power bank


@dataclass
class Placement:
    container: Container
    supplier: SandboxSupplier
    server: SandboxServer
    shop_id: int
    account_id: int
    client: SandboxAliExpressClient

    def resolver(self, client: SupplierPlatform | None = None) -> SupplierResolver:
        chosen = client or self.client
        return lambda account_id: (self.account_id, chosen)

    def order(self, number: int = 1001, **changes: object) -> int:
        snap: OrderSnapshot = snapshot(number, **changes)  # type: ignore[arg-type]
        return import_order(self.container.uow(), shop_id=self.shop_id, snapshot=snap, at=T0, source="test").order_id

    def map(self, variant: int, product: str, sku_attr: str, *, backup: tuple[str, str] | None = None,
            country: str = "", shipping: str | None = None) -> None:
        with self.container.uow() as uow:
            uow.mappings.add(ProductMapping(
                shop_id=self.shop_id, variant_id=str(40_000_000_000 + variant), supplier_product_id=product,
                sku_attr=sku_attr, ship_to_country=country, shipping_method=shipping,
                supplier_account_id=self.account_id,
                backup_supplier_product_id=backup[0] if backup else None,
                backup_sku_attr=backup[1] if backup else None, created_at=T0, updated_at=T0))
            uow.commit()

    def supplier_orders(self, order_id: int) -> list[object]:
        with self.container.uow() as uow:
            return list(uow.supplier_orders.for_order(self.shop_id, order_id))


@pytest.fixture
def sandbox_supplier() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxSupplier(SandboxConfig())) as server:
        yield server


@pytest.fixture
def placement(container: Container, sandbox_supplier: SandboxServer) -> Iterator[Placement]:
    creds = sandbox_supplier.supplier.credentials()
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain="place.myshopify.com", name="Place", currency="USD", created_at=T0))
        uow.flush()
        account = uow.supplier_accounts.add(SupplierAccount(
            shop_id=shop.id, platform=SupplierPlatformKind.ALIEXPRESS, name="sandbox", app_key=creds["app_key"],
            app_secret_encrypted=container.secrets.encrypt(creds["app_secret"]), api_url=sandbox_supplier.base_url,
            created_at=T0))
        uow.commit()
        shop_id, account_id = shop.id, account.id
    client = SandboxAliExpressClient(creds["app_key"], creds["app_secret"], creds["access_token"],
                                     base_url=sandbox_supplier.base_url, rate_limit_per_second=1000.0, timeout=5.0,
                                     sleep=lambda seconds: None)
    world = Placement(container, sandbox_supplier.supplier, sandbox_supplier, shop_id, account_id, client)
    world.map(1, CABLE, "14:193")
    world.map(2, MUG, "14:175")
    yield world
    client.close()


def usd(amount: str) -> Decimal:
    return Decimal(amount)


Factory = Callable[..., int]
