"""Supplier accounts of the token's shop: what is connected and whether it still works (never secrets)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from ordercenter.adapters.ports import AfterSaleAction
from ordercenter.entrypoints.api.deps import ContainerDep, CurrentToken
from ordercenter.services import suppliers
from ordercenter.services.suppliers import SupplierAccountView

router = APIRouter(prefix="/suppliers", tags=["suppliers"])


class SupplierAccountPublic(BaseModel):
    id: int
    platform: str
    name: str
    app_key: str
    sandbox: bool
    buyer_account: str | None
    authorized: bool
    token_expires_at: datetime | None
    refresh_expires_at: datetime | None
    reauthorization_due: bool
    token_error: str | None
    capabilities: list[AfterSaleAction]
    last_error: str | None = None  # the supplier's words while it refuses the credentials
    failing_since: datetime | None = None
    next_try_at: datetime | None = None

    @classmethod
    def of(cls, view: SupplierAccountView) -> SupplierAccountPublic:
        return cls(id=view.id, platform=view.platform.value, name=view.name, app_key=view.app_key,
                   sandbox=view.sandbox, buyer_account=view.buyer_account, authorized=view.authorized,
                   token_expires_at=view.token_expires_at, refresh_expires_at=view.refresh_expires_at,
                   reauthorization_due=view.reauthorization_due, token_error=view.token_error,
                   capabilities=sorted(view.capabilities), last_error=view.last_error,
                   failing_since=view.failing_since, next_try_at=view.next_try_at)


class SupplierAccountsPublic(BaseModel):
    data: list[SupplierAccountPublic]
    count: int


@router.get("", response_model=SupplierAccountsPublic, summary="List the shop's supplier accounts")
def list_suppliers(container: ContainerDep, token: CurrentToken) -> SupplierAccountsPublic:
    views = suppliers.list_supplier_accounts(container.uow(), shop_id=token.shop_id, now=container.clock.now(),
                                             capabilities=container.supplier_capabilities)
    return SupplierAccountsPublic(data=[SupplierAccountPublic.of(v) for v in views], count=len(views))
