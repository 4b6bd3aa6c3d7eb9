"""The reads and deletions behind privacy requests: a customer's orders and deliveries, a shop erased."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.orm import Session

from ordercenter.domain.metadata import metadata
from ordercenter.domain.orders import Order
from ordercenter.domain.outbox import OutboxEmail
from ordercenter.domain.privacy import PrivacyRequest, PrivacyRequestKind, PrivacyRequestStatus
from ordercenter.domain.shops import Shop
from ordercenter.domain.webhooks import WebhookDelivery


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


class PrivacyQueries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, request: PrivacyRequest) -> PrivacyRequest:
        self.session.add(request)
        return request

    def get(self, shop_id: int, request_id: int, *, for_update: bool = False) -> PrivacyRequest | None:
        query = select(PrivacyRequest).where(PrivacyRequest.shop_id == shop_id, PrivacyRequest.id == request_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def for_delivery(self, shop_id: int, delivery_id: int) -> PrivacyRequest | None:
        return self.session.scalars(select(PrivacyRequest).where(
            PrivacyRequest.shop_id == shop_id, PrivacyRequest.webhook_delivery_id == delivery_id)).first()

    def page(self, shop_id: int, *, kind: PrivacyRequestKind | None = None, limit: int) -> Sequence[PrivacyRequest]:
        """The shop's requests, newest first."""
        query = select(PrivacyRequest).where(PrivacyRequest.shop_id == shop_id)
        if kind is not None:
            query = query.where(PrivacyRequest.kind == kind)
        return self.session.scalars(query.order_by(PrivacyRequest.id.desc()).limit(limit)).all()

    def due(self, limit: int) -> list[tuple[int, int]]:
        """(shop id, id) of requests (every shop, installed or not) still to do, oldest first."""
        rows = self.session.execute(select(PrivacyRequest.shop_id, PrivacyRequest.id).where(
            PrivacyRequest.status == PrivacyRequestStatus.RECEIVED).order_by(PrivacyRequest.id).limit(limit))
        return [(row.shop_id, row.id) for row in rows]

    def deliveries_still_to_do(self, shop_id: int) -> set[int]:
        """The deliveries of the shop's requests not done yet: each needs its body when its turn comes."""
        return {delivery_id for delivery_id in self.session.scalars(select(PrivacyRequest.webhook_delivery_id).where(
            PrivacyRequest.shop_id == shop_id, PrivacyRequest.status == PrivacyRequestStatus.RECEIVED))
            if delivery_id is not None}

    def exports_of_customer(self, shop_id: int, customer_ref: str) -> Sequence[PrivacyRequest]:
        return self.session.scalars(select(PrivacyRequest).where(
            PrivacyRequest.shop_id == shop_id, PrivacyRequest.kind == PrivacyRequestKind.DATA_REQUEST,
            PrivacyRequest.customer_ref == customer_ref, PrivacyRequest.file_key.is_not(None))).all()

    def orders_of_customer(self, shop_id: int, *, platform_ids: Sequence[str], email: str | None,
                           for_update: bool = False) -> Sequence[Order]:
        """The shop's orders named by the store, and those placed with the customer's e-mail address."""
        matches: list[ColumnElement[bool]] = [Order.platform_order_id.in_(list(platform_ids))] if platform_ids else []
        if email:
            matches.append(func.lower(Order.email) == email.lower())
        if not matches:
            return []
        query = select(Order).where(Order.shop_id == shop_id, or_(*matches)).order_by(Order.id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).all()

    def deliveries_mentioning(self, shop_id: int, needles: Sequence[str]) -> Sequence[WebhookDelivery]:
        """The shop's stored deliveries whose body holds any of the values (any case)."""
        wanted = [func.lower(WebhookDelivery.body).contains(n.lower(), autoescape=True) for n in needles if n]
        if not wanted:
            return []
        return self.session.scalars(select(WebhookDelivery).where(
            WebhookDelivery.shop_id == shop_id, or_(*wanted)).order_by(WebhookDelivery.id)).all()

    def emails_to(self, shop_id: int, addresses: Sequence[str]) -> Sequence[OutboxEmail]:
        if not addresses:
            return []
        return self.session.scalars(select(OutboxEmail).where(
            OutboxEmail.shop_id == shop_id,
            func.lower(OutboxEmail.to_address).in_([a.lower() for a in addresses]))).all()

    def erase_shop(self, shop_id: int) -> int:
        """Delete every row of the shop in every table, then the shop itself; returns how many rows went.

        Tables are emptied dependants first (the schema's foreign keys give the order), each with one
        statement per column that points at the shop, so tables added later are erased too.
        """
        erased = 0
        for table in reversed(metadata.sorted_tables):
            if table.name == Shop.__tablename__:
                continue
            for column in table.columns:
                if any(fk.column.table.name == Shop.__tablename__ for fk in column.foreign_keys):
                    erased += _count(self.session.execute(delete(table).where(column == shop_id)))
        shops = metadata.tables[Shop.__tablename__]
        erased += _count(self.session.execute(delete(shops).where(shops.c.id == shop_id)))
        self.session.expunge_all()  # the objects loaded before are gone from the database
        return erased
