"""The store's privacy requests: what we hold on a customer assembled for the merchant, a customer's personal
data erased, a shop erased entirely.

Applying the webhook only records the request (`record_request`, in the webhook's own apply). The work
runs right after in the background jobs (`complete_due`), because it needs the file store: an export is a
file and an erasure removes files. A crash in between leaves the request due; every step is safe to repeat.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from ordercenter.adapters.file_store import privacy_export_key, shop_folder
from ordercenter.adapters.ports import Clock, FileStore
from ordercenter.domain import audit
from ordercenter.domain.errors import DomainError, InvalidInput, NotFound
from ordercenter.domain.orders import Order
from ordercenter.domain.outbox import EmailKind, EmailStatus, OutboxEmail
from ordercenter.domain.privacy import (
    ERASED,
    ERASED_BODY,
    ERASED_ORDER_FIELDS,
    ComplianceBody,
    PrivacyRequest,
    PrivacyRequestKind,
    PrivacyRequestStatus,
    erased_address,
    personal_values,
    read_compliance,
    scrub,
    scrub_json,
)
from ordercenter.domain.webhook_topics import ORDER_TOPICS
from ordercenter.domain.webhooks import DeliveryStatus, WebhookDelivery
from ordercenter.services.outbox import notify_merchant
from ordercenter.services.uow import UnitOfWork

log = logging.getLogger(__name__)

MAX_LIST = 500


def record_request(uow: UnitOfWork, delivery: WebhookDelivery, body: ComplianceBody, *,
                   now: datetime) -> PrivacyRequest | None:
    """Record the request of an applied privacy webhook, once; None when its body names another shop."""
    with uow:
        shop = uow.shops.get(delivery.shop_id)
        if shop is None:
            return None
        if body.shop_domain.lower() != shop.domain:
            # Never erase one shop's data on a delivery addressed to another.
            log.warning("privacy webhook %s for %s names the shop %s: ignored", delivery.id, shop.domain,
                        body.shop_domain)
            return None
        existing = uow.privacy.for_delivery(delivery.shop_id, delivery.id)
        if existing is not None:
            return existing
        request = uow.privacy.add(PrivacyRequest(
            shop_id=delivery.shop_id, kind=body.kind, received_at=now, customer_ref=body.customer_id,
            platform_request_id=body.data_request_id, webhook_delivery_id=delivery.id))
        uow.commit()
        return request


def complete_due(uow: UnitOfWork, files: FileStore, clock: Clock, *, public_url: str | None = None,
                 limit: int = 20) -> int:
    """Do the recorded privacy requests (every shop, uninstalled ones too); returns how many were done."""
    with uow:
        due = uow.privacy.due(limit)
    done = 0
    for shop_id, request_id in due:
        try:
            _complete(uow, files, clock.now(), shop_id, request_id, public_url)
            done += 1
        except Exception as error:  # noqa: BLE001  (kept on the row and tried again; the others go on)
            # Our own errors name no personal data; another error's text may quote a row, so only its kind is kept.
            reason = error.message if isinstance(error, DomainError) else error.__class__.__name__
            log.warning("privacy request %s of shop %s failed: %s", request_id, shop_id, reason)
            with uow:
                row = uow.privacy.get(shop_id, request_id, for_update=True)
                if row is not None:
                    row.mark_failed_attempt(reason)
                    uow.commit()
    return done


def _complete(uow: UnitOfWork, files: FileStore, now: datetime, shop_id: int, request_id: int,
              public_url: str | None) -> None:
    with uow:
        request = uow.privacy.get(shop_id, request_id)
        kind = request.kind if request is not None else None
    if kind is PrivacyRequestKind.DATA_REQUEST:
        export_customer_data(uow, files, shop_id=shop_id, request_id=request_id, now=now, public_url=public_url)
    elif kind is PrivacyRequestKind.CUSTOMER_REDACT:
        redact_customer(uow, files, shop_id=shop_id, request_id=request_id, now=now)
    elif kind is PrivacyRequestKind.SHOP_REDACT:
        redact_shop(uow, files, shop_id=shop_id, request_id=request_id)


def _request(uow: UnitOfWork, shop_id: int, request_id: int, kind: PrivacyRequestKind) -> PrivacyRequest:
    request = uow.privacy.get(shop_id, request_id, for_update=True)
    if request is None or request.kind is not kind:
        raise NotFound(f"no {kind.value.replace('_', ' ')} {request_id}", field="request_id")
    return request


def _body_of(uow: UnitOfWork, request: PrivacyRequest) -> ComplianceBody:
    """What the store asked, read again from the delivery that brought the request."""
    delivery = (uow.webhooks.get(request.shop_id, request.webhook_delivery_id)
                if request.webhook_delivery_id is not None else None)
    if delivery is None:
        raise NotFound(f"privacy request {request.id} lost the webhook it came with", field="webhook_delivery_id")
    return read_compliance(delivery.topic, json.loads(delivery.body))


# ---------------------------------------------------------------- customers/data_request


def _plain(value: Any) -> Any:
    """A stored value as JSON: amounts as strings, times in ISO 8601, enums by value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _fields(row: object, names: Sequence[str]) -> dict[str, Any]:
    return {name: _plain(getattr(row, name)) for name in names}


def _order_document(uow: UnitOfWork, order: Order, addresses: set[str]) -> dict[str, Any]:
    """Everything held about one order: the order, its lines, what was bought for it and what followed."""
    shop_id = order.shop_id
    document = _fields(order, ("name", "platform_order_id", "email", "customer_name", "currency", "subtotal_price",
                               "total_shipping", "total_tax", "total_discounts", "total_price",
                               "financial_status", "fulfillment_status", "stage", "tags", "note",
                               "platform_created_at", "cancelled_at", "closed_at", "imported_at"))
    document["shipping_address"] = order.shipping_address_data
    document["lines"] = [_fields(line, ("title", "variant_title", "sku", "quantity", "unit_price"))
                         for line in order.lines]
    document["supplier_orders"] = [
        {**_fields(so, ("supplier_order_id", "seller_name", "status", "currency", "items_cost", "shipping_cost",
                        "shipping_method", "placed_at", "paid_at", "shipped_at", "delivered_at", "cancelled_at")),
         "lines": [_fields(line, ("supplier_product_id", "sku_attr", "quantity", "unit_cost")) for line in so.lines],
         "shipments": [_fields(s, ("tracking_number", "carrier", "tracking_url")) for s in so.shipments]}
        for so in uow.supplier_orders.for_order(shop_id, order.id)]
    document["cancellations"] = [
        _fields(c, ("reason", "note", "status", "requested_at", "decided_at", "decision_note", "refund_amount"))
        for c in uow.cancellations.for_order(shop_id, order.id)]
    document["returns"] = [
        _fields(r, ("kind", "reason", "description", "status", "currency", "amount_requested", "amount_refunded",
                    "opened_at", "closed_at")) for r in uow.returns.for_order(shop_id, order.id)]
    document["customer_refunds"] = [
        _fields(r, ("customer_name", "customer_email", "message", "reply", "status", "currency", "amount_requested",
                    "refund_amount", "received_at", "replied_at", "resolved_at"))
        for r in uow.customer_refunds.for_order(shop_id, order.id)]
    document["supplier_messages"] = [_fields(m, ("direction", "body", "sent_at"))
                                     for m in uow.messages.for_order(shop_id, order.id)]
    document["emails_to_the_customer"] = [
        _fields(e, ("to_address", "subject", "text_body", "status", "created_at", "sent_at"))
        for e in uow.outbox.for_order(shop_id, order.id) if e.to_address.lower() in addresses]
    document["timeline"] = [_fields(e, ("created_at", "type", "message"))
                            for e in uow.events.for_order(shop_id, order.id)]
    document["store_payload"] = order.raw_payload
    return document


def _data_request_email(request: PrivacyRequest, shop_name: str, names: list[str], public_url: str | None) -> str:
    held = (f"{len(names)} order(s) of this customer: {', '.join(names)}" if names
            else "no order of this customer (the file says so)")
    link = f"{public_url.rstrip('/')}/api/v1/privacy/data-requests/{request.id}/file" if public_url \
        else f"/api/v1/privacy/data-requests/{request.id}/file"
    return (f"A customer of {shop_name} asked for the personal data held about them (store customer "
            f"{request.customer_ref or 'without an id'}, data request {request.platform_request_id}).\n\n"
            f"Order Center holds {held}. Everything it holds on them is in one file:\n"
            f"  {link}  (with an API token)\n"
            f"  ordercenter privacy download {request.id} --to customer-data.json\n\n"
            "Send this file to the customer, with what Shopify gives you for the same request, at the e-mail "
            "address they use with your store, within 30 days of their request. The file holds personal data: "
            "delete your copy once you have answered.")


def export_customer_data(uow: UnitOfWork, files: FileStore, *, shop_id: int, request_id: int, now: datetime,
                         public_url: str | None = None) -> PrivacyRequest:
    """Write the file of everything this shop holds on the request's customer and e-mail the merchant."""
    with uow:
        request = _request(uow, shop_id, request_id, PrivacyRequestKind.DATA_REQUEST)
        if request.status is PrivacyRequestStatus.COMPLETED:
            return request
        body = _body_of(uow, request)
        shop = uow.shops.get(shop_id)
        assert shop is not None  # the request's foreign key
        orders = uow.privacy.orders_of_customer(shop_id, platform_ids=body.order_ids, email=body.email)
        addresses = {a.lower() for a in (body.email, *(o.email for o in orders)) if a}
        document = {
            "about": (f"Personal data held by Order Center for {shop.name} ({shop.domain}) on one customer, "
                      f"for the store's data request {body.data_request_id}"),
            "written_at": now.isoformat(),
            "customer": {"id": body.customer_id, "email": body.email, "phone": body.phone},
            "orders": [_order_document(uow, order, addresses) for order in orders],
        }
        key = privacy_export_key(shop_id, request.id)
        files.put(key, json.dumps(document, indent=2, ensure_ascii=False, default=str).encode(), "application/json")
        request.file_key, request.orders_matched = key, len(orders)
        request.complete(now)
        for order in orders:
            uow.events.add(audit.customer_data_exported(shop_id, order.id, now, privacy_request_id=request.id))
        notify_merchant(uow, shop_id=shop_id, kind=EmailKind.PRIVACY, now=now, dedupe_key=f"privacy:{request.id}",
                        subject=f"A customer asked for their data: the file is ready (privacy request {request.id})",
                        text=_data_request_email(request, shop.name, [o.name for o in orders], public_url))
        uow.commit()
        return request


# ---------------------------------------------------------------- customers/redact


def _scrub_email(row: OutboxEmail, values: list[str], *, to_customer: bool) -> None:
    if to_customer:
        row.to_address = ERASED
        if row.status is EmailStatus.PENDING:
            row.status = EmailStatus.SKIPPED  # never sent to an address that is erased
    row.subject = scrub(row.subject, values)
    row.text_body = scrub(row.text_body, values)
    if row.html_body is not None:
        row.html_body = scrub(row.html_body, values)


def _erase_order(uow: UnitOfWork, order: Order, values: list[str], addresses: set[str]) -> None:
    """The order's personal data out: its own fields emptied, the texts around it scrubbed."""
    shop_id = order.shop_id
    order.email, order.customer_name = "", ""
    order.shipping_address_data = erased_address(order.shipping_address_data)
    order.raw_payload = None
    order.note = scrub(order.note, values)
    for event in uow.events.for_order(shop_id, order.id):
        event.message = scrub(event.message, values)
        event.parameters = scrub_json(event.parameters, values)
    for refund in uow.customer_refunds.for_order(shop_id, order.id):
        # The customer's own words are theirs entirely; the merchant's answer keeps its content.
        refund.customer_email, refund.customer_name, refund.message = "", "", ERASED
        refund.reply = scrub(refund.reply, values) if refund.reply else refund.reply
        refund.reply_subject = scrub(refund.reply_subject, values) if refund.reply_subject else refund.reply_subject
    for message in uow.messages.for_order(shop_id, order.id):
        message.body = scrub(message.body, values)
    for cancellation in uow.cancellations.for_order(shop_id, order.id):
        cancellation.note = scrub(cancellation.note, values)
        if cancellation.decision_note:
            cancellation.decision_note = scrub(cancellation.decision_note, values)
    for dispute in uow.returns.for_order(shop_id, order.id):
        dispute.description = scrub(dispute.description, values)
    for alert in uow.alerts.for_order(shop_id, order.id):
        alert.message = scrub(alert.message, values)
    for email in uow.outbox.for_order(shop_id, order.id):
        _scrub_email(email, values, to_customer=email.to_address.lower() in addresses)


def _names_the_customer(delivery: WebhookDelivery, platform_ids: set[str], needles: list[str]) -> bool:
    """A stored delivery is the customer's: it names one of their orders or holds their e-mail or phone."""
    body = delivery.body.lower()
    if any(n.lower() in body for n in needles):
        return True
    try:
        payload = json.loads(delivery.body)
    except ValueError:
        return False
    if not isinstance(payload, dict):
        return False
    named = payload.get("id") if delivery.topic in ORDER_TOPICS else payload.get("order_id")
    return named is not None and str(named) in platform_ids


def _erase_deliveries(uow: UnitOfWork, request: PrivacyRequest, platform_ids: set[str],
                      needles: list[str]) -> None:
    # Another request of the same customer still to do erases (or exports from) its own body when it runs.
    waiting = uow.privacy.deliveries_still_to_do(request.shop_id) - {request.webhook_delivery_id}
    for delivery in uow.privacy.deliveries_mentioning(request.shop_id, [*platform_ids, *needles]):
        if delivery.id in waiting:
            continue
        if delivery.id == request.webhook_delivery_id or _names_the_customer(delivery, platform_ids, needles):
            delivery.body = ERASED_BODY
            if delivery.status in (DeliveryStatus.RECEIVED, DeliveryStatus.FAILED):
                # Its body is gone, so it can never be applied: no more tries.
                delivery.status, delivery.error = DeliveryStatus.IGNORED, "body erased (customers/redact)"
                delivery.next_attempt_at = None


def redact_customer(uow: UnitOfWork, files: FileStore, *, shop_id: int, request_id: int,
                    now: datetime) -> PrivacyRequest:
    """Erase the request's customer from this shop: name, e-mail, phone, address and stored payloads.

    Amounts, lines, supplier orders and the after-sale history stay, with the customer's values scrubbed
    from their texts; each order's timeline says what was erased, never the values.
    """
    with uow:
        request = _request(uow, shop_id, request_id, PrivacyRequestKind.CUSTOMER_REDACT)
        if request.status is PrivacyRequestStatus.COMPLETED:
            return request
        body = _body_of(uow, request)
        orders = uow.privacy.orders_of_customer(shop_id, platform_ids=body.order_ids, email=body.email,
                                                for_update=True)
        refunds = [r for o in orders for r in uow.customer_refunds.for_order(shop_id, o.id)]
        addresses = {a.lower() for a in (body.email, *(o.email for o in orders), *(r.customer_email for r in refunds))
                     if a}
        phones = [body.phone, *((o.shipping_address_data or {}).get("phone") for o in orders)]
        values = personal_values(emails=addresses, names=[*(o.customer_name for o in orders),
                                                          *(r.customer_name for r in refunds)],
                                 addresses=[o.shipping_address_data for o in orders], phones=phones)
        needles = sorted({*addresses, *(str(p) for p in phones if p)})
        platform_ids = {o.platform_order_id for o in orders} | set(body.order_ids)
        for order in orders:
            _erase_order(uow, order, values, addresses)
            uow.events.add(audit.customer_redacted(shop_id, order.id, now, privacy_request_id=request.id,
                                                   fields=list(ERASED_ORDER_FIELDS)))
        for email in uow.privacy.emails_to(shop_id, sorted(addresses)):
            _scrub_email(email, values, to_customer=True)
        _erase_deliveries(uow, request, platform_ids, needles)
        if request.customer_ref is not None:
            for export in uow.privacy.exports_of_customer(shop_id, request.customer_ref):
                assert export.file_key is not None  # selected for having one
                files.delete(export.file_key)
                export.file_key = None
        request.orders_matched = len(orders)
        request.complete(now)
        uow.commit()
        log.info("customers/redact: privacy request %s of shop %s erased the customer from %d order(s)",
                 request.id, shop_id, len(orders))
        return request


# ---------------------------------------------------------------- shop/redact


def redact_shop(uow: UnitOfWork, files: FileStore, *, shop_id: int, request_id: int) -> int:
    """Erase everything of the shop: its files, every row of every table, then the shop itself.

    Nothing is left to write a timeline on, so the erasure is logged (the shop's domain and counts only).
    A delivery for the domain afterwards is answered as for any unknown shop. Returns the rows erased.
    """
    with uow:
        _request(uow, shop_id, request_id, PrivacyRequestKind.SHOP_REDACT)
        shop = uow.shops.get(shop_id)
        assert shop is not None  # the request's foreign key
        domain = shop.domain
    files.delete_folder(shop_folder(shop_id))
    with uow:
        erased = uow.privacy.erase_shop(shop_id)
        uow.commit()
    log.info("shop/redact: %s (shop %s) erased at the store's request: %d rows and its files", domain, shop_id,
             erased)
    return erased


# ---------------------------------------------------------------- the merchant's side


@dataclass(frozen=True)
class PrivacyFile:
    name: str
    content: bytes


def list_requests(uow: UnitOfWork, *, shop_id: int, kind: PrivacyRequestKind | None = None,
                  limit: int = 100) -> Sequence[PrivacyRequest]:
    """The shop's privacy requests, newest first."""
    if not 1 <= limit <= MAX_LIST:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIST}", field="limit")
    with uow:
        return uow.privacy.page(shop_id, kind=kind, limit=limit)


def data_request_file(uow: UnitOfWork, files: FileStore, *, shop_id: int, request_id: int) -> PrivacyFile:
    """The file of one of the shop's data requests."""
    with uow:
        request = uow.privacy.get(shop_id, request_id)
    if request is None or request.kind is not PrivacyRequestKind.DATA_REQUEST:
        raise NotFound(f"no data request {request_id}", field="request_id")
    # The key was made from this shop's id; checking it again keeps a mix-up from ever crossing shops.
    if request.file_key is None or not request.file_key.startswith(f"{shop_folder(shop_id)}/"):
        state = ("is still being assembled" if request.status is PrivacyRequestStatus.RECEIVED
                 else "has no file (erased since, or it failed)")
        raise NotFound(f"data request {request_id} {state}", field="request_id")
    return PrivacyFile(request.file_key.rsplit("/", 1)[-1], files.get(request.file_key))
