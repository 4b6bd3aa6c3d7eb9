"""Request and response models of preview, placement and packaging."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ordercenter.domain.placement import OrderPlan, PlannedItem, ShippingChoice
from ordercenter.entrypoints.api.request_models import RequestBody, RowId
from ordercenter.entrypoints.api.schemas import MoneyPublic
from ordercenter.services.packaging import PackagingView
from ordercenter.services.placement import PlacementOutcome


class OrderChoice(RequestBody):
    order_id: RowId
    shipping: dict[RowId, str] = Field(default_factory=dict, description="line item id → shipping method code")
    use_backup: bool = False


class PlacementSelection(RequestBody):
    orders: list[OrderChoice] = Field(min_length=1, max_length=500)
    auto_pay: bool = Field(default=False, description="Ask the supplier to charge the saved payment method")


class ShippingOptionPublic(BaseModel):
    code: str
    company: str
    cost: MoneyPublic
    min_days: int | None
    max_days: int | None
    tracked: bool

    @classmethod
    def of(cls, option: ShippingChoice) -> ShippingOptionPublic:
        return cls(code=option.code, company=option.company, cost=MoneyPublic.of(option.cost.amount,
                   option.cost.currency), min_days=option.min_days, max_days=option.max_days,
                   tracked=option.tracked)


class PlannedItemPublic(BaseModel):
    line_item_id: int
    title: str
    product_id: str
    sku_attr: str
    quantity: int
    unit_cost: MoneyPublic
    shipping: ShippingOptionPublic | None
    options: list[ShippingOptionPublic]
    from_backup: bool

    @classmethod
    def of(cls, item: PlannedItem) -> PlannedItemPublic:
        return cls(line_item_id=item.line_item_id, title=item.title, product_id=item.product_id,
                   sku_attr=item.sku_attr, quantity=item.quantity,
                   unit_cost=MoneyPublic.of(item.unit_cost.amount, item.unit_cost.currency),
                   shipping=ShippingOptionPublic.of(item.shipping) if item.shipping else None,
                   options=[ShippingOptionPublic.of(o) for o in item.options], from_backup=item.from_backup)


class SellerGroupPublic(BaseModel):
    seller_name: str
    items: list[PlannedItemPublic]
    items_cost: MoneyPublic
    shipping_cost: MoneyPublic


class BlockerPublic(BaseModel):
    kind: str
    message: str
    line_item_id: int | None


class OrderPreviewPublic(BaseModel):
    order_id: int
    order_name: str
    placeable: bool
    groups: list[SellerGroupPublic]
    blockers: list[BlockerPublic]
    sale_total: MoneyPublic
    supplier_cost: MoneyPublic | None
    expected_profit: MoneyPublic | None
    packaging_note: str

    @classmethod
    def of(cls, plan: OrderPlan) -> OrderPreviewPublic:
        cost, profit = plan.supplier_cost, plan.expected_profit
        return cls(
            order_id=plan.order_id, order_name=plan.order_name, placeable=plan.placeable,
            groups=[SellerGroupPublic(seller_name=g.seller_name, items=[PlannedItemPublic.of(i) for i in g.items],
                                      items_cost=MoneyPublic.of(g.items_cost.amount, g.currency),
                                      shipping_cost=MoneyPublic.of(g.shipping_cost.amount, g.currency))
                    for g in plan.groups],
            blockers=[BlockerPublic(kind=b.kind.value, message=b.message, line_item_id=b.line_item_id)
                      for b in plan.blockers],
            sale_total=MoneyPublic.of(plan.sale_total.amount, plan.sale_total.currency),
            supplier_cost=MoneyPublic.of(cost.amount, cost.currency) if cost else None,
            expected_profit=MoneyPublic.of(profit.amount, profit.currency) if profit else None,
            packaging_note=plan.packaging_note)


class PreviewPublic(BaseModel):
    data: list[OrderPreviewPublic]


class GroupResultPublic(BaseModel):
    seller_name: str
    result: str
    supplier_order_ids: list[str]
    message: str


class PlacementResultPublic(BaseModel):
    order_id: int
    order_name: str
    placed: bool
    summary: str
    groups: list[GroupResultPublic]
    blockers: list[str]

    @classmethod
    def of(cls, outcome: PlacementOutcome) -> PlacementResultPublic:
        return cls(order_id=outcome.order_id, order_name=outcome.order_name, placed=outcome.placed,
                   summary=outcome.summary, blockers=list(outcome.blockers),
                   groups=[GroupResultPublic(seller_name=g.seller_name, result=g.result.value,
                                             supplier_order_ids=list(g.supplier_order_ids), message=g.message)
                           for g in outcome.groups])


class PlacementResultsPublic(BaseModel):
    data: list[PlacementResultPublic]
    placed: int
    failed: int


class PackagingCreate(RequestBody):
    branded_packaging: bool = False
    no_invoice_or_prices: bool = True
    no_supplier_logo: bool = False
    note: str = Field(default="", max_length=1000)
    supplier_account_id: RowId | None = None


class PackagingPublic(BaseModel):
    supplier_account_id: int | None
    branded_packaging: bool
    no_invoice_or_prices: bool
    no_supplier_logo: bool
    note: str
    memo: str

    @classmethod
    def of(cls, view: PackagingView) -> PackagingPublic:
        return cls(**view.__dict__)


class ReorderRequest(RequestBody):
    use_backup: bool = Field(default=False, description="Order from the mapping's backup product")
    auto_pay: bool = False


class PayRequest(RequestBody):
    confirm: bool = Field(default=False, description="Pay even though the store order was cancelled or refunded")


class PaymentPublic(BaseModel):
    supplier_order_id: int
    paid: bool
    message: str
