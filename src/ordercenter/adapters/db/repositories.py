"""Repositories: every query takes the shop key first; nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ordercenter.domain.access import ApiToken, StaffUser
from ordercenter.domain.alerts import Alert
from ordercenter.domain.audit import OrderEvent
from ordercenter.domain.base import Base
from ordercenter.domain.cancellations import CancellationRequest
from ordercenter.domain.customer_refunds import CustomerRefundRequest
from ordercenter.domain.mappings import ProductMapping
from ordercenter.domain.messages import MessageDirection, SupplierMessage
from ordercenter.domain.orders import LineItem, Order
from ordercenter.domain.outbox import EmailStatus, OutboxEmail
from ordercenter.domain.packaging import PackagingPreferences
from ordercenter.domain.polling import POLLED_STATUSES
from ordercenter.domain.reply_templates import ReplyTemplate
from ordercenter.domain.returns import OPEN_RETURN_STATUSES, ReturnRequest
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import CancellationStatus, Stage, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierOrder
from ordercenter.domain.suppliers import SupplierAccount
from ordercenter.domain.webhooks import DeliveryStatus, WebhookDelivery

E = TypeVar("E", bound=Base)


class ShopScopedRepository(Generic[E]):
    """get / get_for_update / add for an entity that carries `shop_id`."""

    entity: type[E]

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, item: E) -> E:
        self.session.add(item)
        return item

    def get(self, shop_id: int, item_id: int, *, for_update: bool = False) -> E | None:
        query = select(self.entity).where(
            self.entity.id == item_id,  # type: ignore[attr-defined]
            self.entity.shop_id == shop_id,  # type: ignore[attr-defined]
        )
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def for_order(self, shop_id: int, order_id: int) -> Sequence[E]:
        return self.session.scalars(
            select(self.entity).where(
                self.entity.shop_id == shop_id,  # type: ignore[attr-defined]
                self.entity.order_id == order_id,  # type: ignore[attr-defined]
            ).order_by(self.entity.id)  # type: ignore[attr-defined]
        ).all()


class ShopRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, shop: Shop) -> Shop:
        self.session.add(shop)
        return shop

    def get(self, shop_id: int) -> Shop | None:
        return self.session.get(Shop, shop_id)

    def by_domain(self, domain: str) -> Shop | None:
        return self.session.scalars(select(Shop).where(Shop.domain == domain)).first()

    def all(self) -> Sequence[Shop]:
        return self.session.scalars(select(Shop).order_by(Shop.id)).all()


@dataclass(frozen=True)
class OrderFilter:
    stage: Stage | None = None
    search: str | None = None
    before_id: int | None = None  # keyset cursor: newest first, continue below this id
    limit: int = 50


class OrderRepository(ShopScopedRepository[Order]):
    entity = Order

    def by_platform_id(self, shop_id: int, platform_order_id: str, *, for_update: bool = False) -> Order | None:
        query = select(Order).where(Order.shop_id == shop_id, Order.platform_order_id == platform_order_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def _filtered(self, shop_id: int, flt: OrderFilter):  # type: ignore[no-untyped-def]
        query = select(Order).where(Order.shop_id == shop_id)
        if flt.stage is not None:
            query = query.where(Order.stage == flt.stage)
        if flt.search:
            pattern = f"%{flt.search.strip().lower()}%"
            query = query.where(or_(func.lower(Order.name).like(pattern),
                                    func.lower(Order.customer_name).like(pattern),
                                    func.lower(Order.email).like(pattern)))
        return query

    def page(self, shop_id: int, flt: OrderFilter) -> Sequence[Order]:
        query = self._filtered(shop_id, flt)
        if flt.before_id is not None:
            query = query.where(Order.id < flt.before_id)
        return self.session.scalars(query.order_by(Order.id.desc()).limit(flt.limit)).all()

    def count(self, shop_id: int, flt: OrderFilter) -> int:
        subquery = self._filtered(shop_id, flt).with_only_columns(Order.id).subquery()
        return self.session.scalar(select(func.count()).select_from(subquery)) or 0

    def stage_counts(self, shop_id: int) -> dict[Stage, int]:
        rows = self.session.execute(
            select(Order.stage, func.count()).where(Order.shop_id == shop_id).group_by(Order.stage)
        ).all()
        return {stage: count for stage, count in rows}  # noqa: C416  (rows are Row objects)

    def id_by_name(self, shop_id: int, name: str) -> int | None:
        """The id of the shop's order with this name ("#1017"), the oldest if several carry it."""
        return self.session.scalars(select(Order.id).where(
            Order.shop_id == shop_id, Order.name == name).order_by(Order.id)).first()

    def with_variants(self, shop_id: int, variant_ids: set[str], *, stages: Sequence[Stage],
                      for_update: bool = False) -> Sequence[Order]:
        """Orders in these stages with a line of one of these variants, in id order (the lock order)."""
        if not variant_ids:
            return []
        with_variant = select(LineItem.order_id).where(LineItem.shop_id == shop_id,
                                                       LineItem.variant_id.in_(variant_ids))
        query = select(Order).where(Order.shop_id == shop_id, Order.stage.in_(stages),
                                    Order.id.in_(with_variant)).order_by(Order.id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).all()

    def copy_of(self, shop_id: int, original_id: int) -> Order | None:
        """The copy linked to this original (the oldest if several), or None."""
        return self.session.scalars(select(Order).where(
            Order.shop_id == shop_id, Order.duplicate_of_order_id == original_id).order_by(Order.id)).first()

    def unlinked_copies(self, shop_id: int) -> Sequence[Order]:
        """Unlinked orders whose note says they are a copy ("Duplicate of … (store order …"), in id order."""
        # The note is a plain column on every backend (tags are JSON), so it narrows the search; the
        # caller checks the tag.
        return self.session.scalars(select(Order).where(
            Order.shop_id == shop_id, Order.duplicate_of_order_id.is_(None),
            Order.note.like("%Duplicate of %(store order %")).order_by(Order.id)).all()

    def link_copy(self, shop_id: int, copy_id: int, original_id: int) -> bool:
        """Link the copy to its original unless it is linked already; True when this call linked it."""
        # A conditional UPDATE, so of two concurrent callers exactly one wins on every backend.
        result = self.session.execute(
            update(Order).where(Order.shop_id == shop_id, Order.id == copy_id, Order.duplicate_of_order_id.is_(None))
            .values(duplicate_of_order_id=original_id).execution_options(synchronize_session=False))
        return bool(getattr(result, "rowcount", 0) == 1)


class SupplierOrderRepository(ShopScopedRepository[SupplierOrder]):
    entity = SupplierOrder

    def due_for_polling(self, now: datetime, limit: int) -> Sequence[SupplierOrder]:
        """Open supplier orders (every shop) whose next look is due, never-looked-at and most overdue first."""
        return self.session.scalars(select(SupplierOrder).where(
            SupplierOrder.status.in_(sorted(POLLED_STATUSES)),
            SupplierOrder.supplier_order_id.is_not(None),
            or_(SupplierOrder.next_poll_at.is_(None), SupplierOrder.next_poll_at <= now),
        ).order_by(SupplierOrder.next_poll_at.is_not(None), SupplierOrder.next_poll_at, SupplierOrder.id)
            .limit(limit)).all()

    def with_open_after_sale(self, limit: int) -> list[tuple[int, int]]:
        """(shop id, id) of supplier orders (every shop) with something open at the supplier to follow by
        API: a pending cancellation, an open dispute, or a message waiting for the seller's answer."""
        cancellations = select(CancellationRequest.supplier_order_id).where(
            CancellationRequest.status == CancellationStatus.PENDING, CancellationRequest.assisted.is_(False))
        disputes = select(ReturnRequest.supplier_order_id).where(
            ReturnRequest.status.in_(sorted(OPEN_RETURN_STATUSES)), ReturnRequest.supplier_dispute_id.is_not(None))
        messages = select(SupplierMessage.supplier_order_id).where(
            SupplierMessage.direction == MessageDirection.TO_SUPPLIER, SupplierMessage.answered_at.is_(None),
            SupplierMessage.assisted.is_(False))
        rows = self.session.execute(select(SupplierOrder.shop_id, SupplierOrder.id).where(
            SupplierOrder.supplier_order_id.is_not(None),
            or_(SupplierOrder.id.in_(cancellations), SupplierOrder.id.in_(disputes), SupplierOrder.id.in_(messages)),
        ).order_by(SupplierOrder.id).limit(limit))
        return [(row.shop_id, row.id) for row in rows]

    def unanswered_drafts(self, shop_id: int, claimed_before: datetime, limit: int) -> Sequence[SupplierOrder]:
        """Claims with neither an answer nor a failure, older than the cut-off."""
        return self.session.scalars(select(SupplierOrder).where(
            SupplierOrder.shop_id == shop_id, SupplierOrder.status == SupplierOrderStatus.DRAFT,
            SupplierOrder.failure.is_(None),
            SupplierOrder.created_at < claimed_before).order_by(SupplierOrder.id).limit(limit)).all()


@dataclass(frozen=True)
class MappingFilter:
    variant_id: str | None = None
    supplier_product_id: str | None = None  # the primary or the backup product
    before_id: int | None = None  # keyset cursor: newest first, continue below this id
    limit: int = 50


class MappingRepository(ShopScopedRepository[ProductMapping]):
    entity = ProductMapping

    def delete(self, mapping: ProductMapping) -> None:
        """Remove a mapping loaded through this repository (so already scoped to its shop)."""
        self.session.delete(mapping)

    def _filtered(self, shop_id: int, flt: MappingFilter):  # type: ignore[no-untyped-def]
        query = select(ProductMapping).where(ProductMapping.shop_id == shop_id)
        if flt.variant_id is not None:
            query = query.where(ProductMapping.variant_id == flt.variant_id)
        if flt.supplier_product_id:
            query = query.where(or_(ProductMapping.supplier_product_id == flt.supplier_product_id,
                                    ProductMapping.backup_supplier_product_id == flt.supplier_product_id))
        return query

    def page(self, shop_id: int, flt: MappingFilter) -> Sequence[ProductMapping]:
        """Up to `flt.limit` matching mappings below the cursor, newest first."""
        query = self._filtered(shop_id, flt)
        if flt.before_id is not None:
            query = query.where(ProductMapping.id < flt.before_id)
        return self.session.scalars(query.order_by(ProductMapping.id.desc()).limit(flt.limit)).all()

    def count(self, shop_id: int, flt: MappingFilter) -> int:
        """How many mappings match the filter, whatever the cursor and limit."""
        return self.session.scalar(select(func.count()).select_from(self._filtered(shop_id, flt).subquery())) or 0

    def for_variants(self, shop_id: int, variant_ids: set[str]) -> Sequence[ProductMapping]:
        if not variant_ids:
            return []
        return self.session.scalars(select(ProductMapping).where(
            ProductMapping.shop_id == shop_id, ProductMapping.variant_id.in_(variant_ids))).all()


class SupplierAccountRepository(ShopScopedRepository[SupplierAccount]):
    entity = SupplierAccount

    def all(self, shop_id: int) -> Sequence[SupplierAccount]:
        return self.session.scalars(select(SupplierAccount).where(SupplierAccount.shop_id == shop_id)
                                    .order_by(SupplierAccount.id)).all()


class CancellationRepository(ShopScopedRepository[CancellationRequest]):
    entity = CancellationRequest


class ReturnRepository(ShopScopedRepository[ReturnRequest]):
    entity = ReturnRequest


class CustomerRefundRepository(ShopScopedRepository[CustomerRefundRequest]):
    entity = CustomerRefundRequest


class ReplyTemplateRepository(ShopScopedRepository[ReplyTemplate]):
    entity = ReplyTemplate


class MessageRepository(ShopScopedRepository[SupplierMessage]):
    entity = SupplierMessage

    def thread(self, shop_id: int, supplier_order_id: int) -> Sequence[SupplierMessage]:
        """The messages of one supplier order, oldest first."""
        return self.session.scalars(select(SupplierMessage).where(
            SupplierMessage.shop_id == shop_id, SupplierMessage.supplier_order_id == supplier_order_id)
            .order_by(SupplierMessage.sent_at, SupplierMessage.id)).all()


class OutboxRepository(ShopScopedRepository[OutboxEmail]):
    entity = OutboxEmail

    def by_dedupe_key(self, shop_id: int, dedupe_key: str) -> OutboxEmail | None:
        return self.session.scalars(select(OutboxEmail).where(
            OutboxEmail.shop_id == shop_id, OutboxEmail.dedupe_key == dedupe_key)).first()

    def due(self, now: datetime, limit: int) -> list[tuple[int, int]]:
        """(shop id, id) of pending e-mails (every shop) due now that no live sender holds, oldest first."""
        return [(row.shop_id, row.id) for row in self.session.execute(select(OutboxEmail.shop_id, OutboxEmail.id).where(
            OutboxEmail.status == EmailStatus.PENDING, OutboxEmail.next_attempt_at <= now,
            or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until < now),
        ).order_by(OutboxEmail.next_attempt_at, OutboxEmail.id).limit(limit))]

    def claim(self, email_id: int, now: datetime, until: datetime) -> bool:
        """Take one due e-mail for sending; of two senders exactly one wins (a conditional UPDATE)."""
        result = self.session.execute(
            update(OutboxEmail).where(
                OutboxEmail.id == email_id, OutboxEmail.status == EmailStatus.PENDING,
                or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until < now))
            .values(claimed_until=until).execution_options(synchronize_session=False))
        return bool(getattr(result, "rowcount", 0) == 1)

    def page(self, shop_id: int, *, status: EmailStatus | None, limit: int) -> Sequence[OutboxEmail]:
        query = select(OutboxEmail).where(OutboxEmail.shop_id == shop_id)
        if status is not None:
            query = query.where(OutboxEmail.status == status)
        return self.session.scalars(query.order_by(OutboxEmail.id.desc()).limit(limit)).all()


class EventRepository(ShopScopedRepository[OrderEvent]):
    entity = OrderEvent

    def for_order(self, shop_id: int, order_id: int) -> Sequence[OrderEvent]:
        return self.session.scalars(select(OrderEvent).where(
            OrderEvent.shop_id == shop_id, OrderEvent.order_id == order_id)
            .order_by(OrderEvent.created_at, OrderEvent.id)).all()


class TokenRepository(ShopScopedRepository[ApiToken]):
    entity = ApiToken

    def by_digest(self, digest: str) -> ApiToken | None:
        return self.session.scalars(select(ApiToken).where(ApiToken.token_digest == digest)).first()

    def all(self, shop_id: int) -> Sequence[ApiToken]:
        return self.session.scalars(select(ApiToken).where(ApiToken.shop_id == shop_id).order_by(ApiToken.id)).all()


class StaffRepository(ShopScopedRepository[StaffUser]):
    entity = StaffUser

    def by_email(self, email: str) -> StaffUser | None:
        return self.session.scalars(select(StaffUser).where(StaffUser.email == email)).first()

    def emails_for_shop(self, shop_id: int) -> list[str]:
        """The e-mail addresses of the shop's staff, in id order."""
        return list(self.session.scalars(select(StaffUser.email).where(StaffUser.shop_id == shop_id)
                                         .order_by(StaffUser.id)))


class WebhookDeliveryRepository(ShopScopedRepository[WebhookDelivery]):
    entity = WebhookDelivery

    def by_dedupe_key(self, shop_id: int, dedupe_key: str) -> WebhookDelivery | None:
        return self.session.scalars(select(WebhookDelivery).where(
            WebhookDelivery.shop_id == shop_id, WebhookDelivery.dedupe_key == dedupe_key)).first()

    def pending(self, limit: int = 100) -> Sequence[WebhookDelivery]:
        """Deliveries stored but not applied (received, or failed and worth another try), oldest first."""
        return self.session.scalars(select(WebhookDelivery).where(
            WebhookDelivery.status.in_([DeliveryStatus.RECEIVED, DeliveryStatus.FAILED]),
            WebhookDelivery.attempts < 5).order_by(WebhookDelivery.id).limit(limit)).all()


class PackagingRepository(ShopScopedRepository[PackagingPreferences]):
    entity = PackagingPreferences

    def for_shop(self, shop_id: int) -> Sequence[PackagingPreferences]:
        return self.session.scalars(select(PackagingPreferences).where(PackagingPreferences.shop_id == shop_id)).all()

    def by_key(self, shop_id: int, supplier_account_key: int) -> PackagingPreferences | None:
        return self.session.scalars(select(PackagingPreferences).where(
            PackagingPreferences.shop_id == shop_id,
            PackagingPreferences.supplier_account_key == supplier_account_key)).first()


class AlertRepository(ShopScopedRepository[Alert]):
    entity = Alert

    def open_for_subject(self, shop_id: int, subject: str) -> Sequence[Alert]:
        return self.session.scalars(select(Alert).where(
            Alert.shop_id == shop_id, Alert.subject == subject, Alert.resolved_at.is_(None)).order_by(Alert.id)).all()

    def open_for_supplier_order(self, shop_id: int, supplier_order_id: int) -> Sequence[Alert]:
        return self.session.scalars(select(Alert).where(
            Alert.shop_id == shop_id, Alert.supplier_order_id == supplier_order_id,
            Alert.resolved_at.is_(None)).order_by(Alert.id)).all()

    def list(self, shop_id: int, *, open_only: bool, limit: int) -> Sequence[Alert]:
        query = select(Alert).where(Alert.shop_id == shop_id)
        if open_only:
            query = query.where(Alert.resolved_at.is_(None))
        return self.session.scalars(query.order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(limit)).all()
