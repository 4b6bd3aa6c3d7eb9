"""Fulfilling an order's fulfillment orders (fulfillmentCreate) and changing tracking afterwards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ordercenter.sandbox.shopify.records import Fulfillment, Order, TrackingInfo, gid
from ordercenter.sandbox.shopify.user_errors import UserError, UserErrorsRaised

FULFILLABLE_STATUSES = ("OPEN", "IN_PROGRESS")


@dataclass
class FulfillmentOrderRequest:
    fulfillment_order_id: int
    #: (fulfillment order line item id, quantity); None means every remaining line in full.
    lines: list[tuple[int, int]] | None


def tracking_from_input(raw: dict[str, object] | None, field_prefix: list[str]) -> list[TrackingInfo]:
    """FulfillmentTrackingInput → tracking entries, enforcing Shopify's number/numbers, url/urls rules."""
    if not raw:
        return []
    number, numbers = raw.get("number"), raw.get("numbers")
    url, urls = raw.get("url"), raw.get("urls")
    company = raw.get("company")
    errors: list[UserError] = []
    if number is not None and numbers:
        errors.append(UserError([*field_prefix, "numbers"], "Use either number or numbers, not both."))
    if url is not None and urls:
        errors.append(UserError([*field_prefix, "urls"], "Use either url or urls, not both."))
    if url is not None and number is None:
        errors.append(UserError([*field_prefix, "url"], "A tracking url requires a tracking number."))
    if errors:
        raise UserErrorsRaised(errors)
    company_name = str(company) if company is not None else None
    if numbers:
        url_list = [str(u) for u in urls] if isinstance(urls, list) else []
        return [
            TrackingInfo(number=str(n), company=company_name, url=url_list[i] if i < len(url_list) else None)
            for i, n in enumerate(numbers if isinstance(numbers, list) else [])
        ]
    if number is None and company_name is None:
        return []
    return [TrackingInfo(number=str(number) if number is not None else None, company=company_name,
                         url=str(url) if url is not None else None)]


def fulfil(
    order: Order,
    requests: list[FulfillmentOrderRequest],
    tracking: list[TrackingInfo],
    next_id: Callable[[str], int],
    now: datetime,
) -> Fulfillment:
    """Fulfil the requested quantities; all or nothing, raising UserErrorsRaised on bad input."""
    errors: list[UserError] = []
    planned: list[tuple[int, int, int]] = []  # (fo index, fo line index, quantity)
    prefix = ["fulfillment", "lineItemsByFulfillmentOrder"]
    if order.cancelled_at is not None:
        raise UserErrorsRaised([UserError(["fulfillment"], "Order is cancelled and cannot be fulfilled.")])
    for i, request in enumerate(requests):
        fo_index = next(
            (k for k, fo in enumerate(order.fulfillment_orders) if fo.id == request.fulfillment_order_id), None
        )
        if fo_index is None:
            errors.append(UserError([*prefix, str(i), "fulfillmentOrderId"], "Fulfillment order does not exist."))
            continue
        fo = order.fulfillment_orders[fo_index]
        if fo.status not in FULFILLABLE_STATUSES:
            errors.append(UserError(
                [*prefix, str(i), "fulfillmentOrderId"],
                f"Fulfillment order {gid('FulfillmentOrder', fo.id)} has an unfulfillable status= {fo.status}.",
            ))
            continue
        if request.lines is None:
            planned.extend((fo_index, k, line.remaining_quantity) for k, line in enumerate(fo.lines)
                           if line.remaining_quantity > 0)
            continue
        for j, (line_id, quantity) in enumerate(request.lines):
            line_index = next((k for k, line in enumerate(fo.lines) if line.id == line_id), None)
            field = [*prefix, str(i), "fulfillmentOrderLineItems", str(j)]
            if line_index is None:
                errors.append(UserError([*field, "id"], "Fulfillment order line item does not exist."))
            elif quantity <= 0 or quantity > fo.lines[line_index].remaining_quantity:
                errors.append(UserError(
                    [*field, "quantity"], "Invalid fulfillment order line item quantity requested."
                ))
            else:
                planned.append((fo_index, line_index, quantity))
    if not errors and not any(quantity for _, _, quantity in planned):
        errors.append(UserError(prefix, "Fulfillment order line items must contain items to fulfill."))
    if errors:
        raise UserErrorsRaised(errors)

    fulfilled: dict[int, int] = {}
    touched: set[int] = set()
    for fo_index, line_index, quantity in planned:
        line = order.fulfillment_orders[fo_index].lines[line_index]
        line.remaining_quantity -= quantity
        fulfilled[line.line_item_id] = fulfilled.get(line.line_item_id, 0) + quantity
        touched.add(fo_index)
    for fo_index in touched:
        fo = order.fulfillment_orders[fo_index]
        fo.status = "CLOSED" if all(line.remaining_quantity == 0 for line in fo.lines) else "IN_PROGRESS"
        fo.updated_at = now
    fulfillment = Fulfillment(
        id=next_id("Fulfillment"),
        name=f"{order.name}.{len(order.fulfillments) + 1}",
        status="SUCCESS",
        lines=list(fulfilled.items()),
        tracking=tracking,
        created_at=now,
        updated_at=now,
    )
    order.fulfillments.append(fulfillment)
    order.updated_at = now
    return fulfillment
