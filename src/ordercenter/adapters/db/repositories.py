"""Repositories: every query takes the shop key first; nothing here commits."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, String, and_, cast, delete, func, literal, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from ordercenter.adapters.db import order_search, stage_counts
from ordercenter.domain.access import ApiToken, StaffUser
from ordercenter.domain.alerts import Alert, AlertKind
from ordercenter.domain.audit import OrderEvent
from ordercenter.domain.base import Base
from ordercenter.domain.cancellations import CancellationFollowUp, CancellationRequest
from ordercenter.domain.customer_refunds import CustomerRefundRequest
from ordercenter.domain.mappings import ProductMapping
from ordercenter.domain.messages import MessageDirection, SupplierMessage
from ordercenter.domain.order_counts import OrderStageCount
from ordercenter.domain.orders import LineItem, Order
from ordercenter.domain.outbox import EmailStatus, OutboxEmail
from ordercenter.domain.packaging import PackagingPreferences
from ordercenter.domain.polling import POLLED_STATUSES
from ordercenter.domain.reply_templates import ReplyTemplate
from ordercenter.domain.returns import OPEN_RETURN_STATUSES, ReturnRequest
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import CancellationStatus, CustomerRefundStatus, ReturnStatus, Stage, SupplierOrderStatus
from ordercenter.domain.supplier_orders import SupplierFailure, SupplierOrder
from ordercenter.domain.suppliers import SupplierAccount
from ordercenter.domain.web_sessions import SignInAttempt, WebSession
from ordercenter.domain.webhooks import PENDING_STATUSES, DeliveryStatus, WebhookDelivery

E = TypeVar("E", bound=Base)


def installed(shop_id: InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """The row's shop still has the app: background sweeps leave an uninstalled shop's rows alone."""
    return shop_id.in_(select(Shop.id).where(Shop.uninstalled_at.is_(None)))


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

    def get(self, shop_id: int, *, for_update: bool = False) -> Shop | None:
        if for_update:
            return self.session.scalars(select(Shop).where(Shop.id == shop_id).with_for_update()).first()
        return self.session.get(Shop, shop_id)

    def by_domain(self, domain: str) -> Shop | None:
        return self.session.scalars(select(Shop).where(Shop.domain == domain)).first()

    def all(self) -> Sequence[Shop]:
        return self.session.scalars(select(Shop).order_by(Shop.id)).all()

    def installed_ids(self) -> list[int]:
        """The shops that still have the app, the ones background sweeps work for."""
        return list(self.session.scalars(select(Shop.id).where(Shop.uninstalled_at.is_(None)).order_by(Shop.id)))


@dataclass(frozen=True)
class OrderFilter:
    stage: Stage | None = None
    search: str | None = None
    before_id: int | None = None  # keyset cursor: newest first, continue below this id
    limit: int = 50
    # The way back: the page just above this id (still returned newest first).
    after_id: int | None = None
    created_from: datetime | None = None  # placed on the store at or after
    created_before: datetime | None = None  # placed on the store before
    supplier_account_id: int | None = None  # with a supplier order on this account
    cancellation_pending: bool = False  # only orders with this after-sale flag (False: any)
    return_open: bool = False
    customer_refund_open: bool = False


class OrderRepository(ShopScopedRepository[Order]):
    entity = Order

    def by_platform_id(self, shop_id: int, platform_order_id: str, *, for_update: bool = False) -> Order | None:
        query = select(Order).where(Order.shop_id == shop_id, Order.platform_order_id == platform_order_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def by_platform_ids(self, shop_id: int, platform_order_ids: Sequence[str], *,
                        for_update: bool = False) -> dict[str, Order]:
        """The shop's orders with these platform ids, keyed by platform id (one query, lines loaded with them)."""
        if not platform_order_ids:
            return {}
        query = select(Order).where(Order.shop_id == shop_id, Order.platform_order_id.in_(list(platform_order_ids)))
        if for_update:
            query = query.order_by(Order.id).with_for_update()  # locks taken in one order: no deadlock
        return {order.platform_order_id: order for order in self.session.scalars(query)}

    def _filtered(self, shop_id: int, flt: OrderFilter):  # type: ignore[no-untyped-def]
        query = select(Order).where(Order.shop_id == shop_id)
        if flt.stage is not None:
            query = query.where(Order.stage == flt.stage)
        if flt.search and flt.search.strip():
            query = query.where(order_search.matching(self.session.get_bind().dialect.name, shop_id, flt.search))
        if flt.created_from is not None:
            query = query.where(Order.platform_created_at >= flt.created_from)
        if flt.created_before is not None:
            query = query.where(Order.platform_created_at < flt.created_before)
        if flt.supplier_account_id is not None:
            query = query.where(Order.id.in_(select(SupplierOrder.order_id).where(
                SupplierOrder.shop_id == shop_id, SupplierOrder.supplier_account_id == flt.supplier_account_id)))
        for flag, wanted in ((Order.cancellation_pending, flt.cancellation_pending),
                             (Order.return_open, flt.return_open),
                             (Order.customer_refund_open, flt.customer_refund_open)):
            if wanted:
                query = query.where(flag.is_(True))
        return query

    def page(self, shop_id: int, flt: OrderFilter) -> Sequence[Order]:
        query = self._filtered(shop_id, flt)
        if flt.after_id is not None:
            # Walk up from the cursor (oldest first, so the limit keeps the rows next to it), then show
            # them newest first like every other page.
            rows = self.session.scalars(query.where(Order.id > flt.after_id).order_by(Order.id.asc())
                                        .limit(flt.limit)).all()
            return list(reversed(rows))
        if flt.before_id is not None:
            query = query.where(Order.id < flt.before_id)
        return self.session.scalars(query.order_by(Order.id.desc()).limit(flt.limit)).all()

    def names_by_id(self, shop_id: int, order_ids: Sequence[int]) -> dict[int, str]:
        """The names ("#1017") of these orders of the shop, in one query; ids of other shops are left out."""
        if not order_ids:
            return {}
        return {row.id: row.name for row in self.session.execute(select(Order.id, Order.name).where(
            Order.shop_id == shop_id, Order.id.in_(list(order_ids))))}

    def seller_names(self, shop_id: int, order_ids: Sequence[int]) -> dict[int, list[str]]:
        """Per order: the sellers of its supplier orders not cancelled, in placement order (one query)."""
        if not order_ids:
            return {}
        rows = self.session.execute(select(SupplierOrder.order_id, SupplierOrder.seller_name).where(
            SupplierOrder.shop_id == shop_id, SupplierOrder.order_id.in_(list(order_ids)),
            SupplierOrder.status != SupplierOrderStatus.CANCELLED).add_columns(SupplierOrder.id)).all()
        names: dict[int, list[str]] = {}
        # Placement order sorted here: an ORDER BY would lead SQLite to walk the shop's whole index.
        for order_id, seller, _ in sorted(rows, key=lambda row: row[2]):
            if seller and seller not in names.setdefault(order_id, []):
                names[order_id].append(seller)
        return names

    def count(self, shop_id: int, flt: OrderFilter, *, cap: int) -> int:
        """How many orders match, counting no further than `cap` (a search's count must stay cheap)."""
        matched = self._filtered(shop_id, flt).with_only_columns(Order.id).limit(cap).subquery()
        return self.session.scalar(select(func.count()).select_from(matched)) or 0

    def stage_counts(self, shop_id: int) -> dict[Stage, int]:
        """The shop's orders per stage, from the counts kept with every change (no order is read)."""
        rows = self.session.execute(select(OrderStageCount.stage, OrderStageCount.orders).where(
            OrderStageCount.shop_id == shop_id, OrderStageCount.orders != 0)).all()
        return {stage: count for stage, count in rows}  # noqa: C416  (rows are Row objects)

    def recount_stages(self, shop_id: int) -> dict[Stage, int]:
        """Rebuild the shop's per-stage counts from its orders (a repair after a change made outside the app)."""
        return stage_counts.recount(self.session, shop_id)

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
            SupplierOrder.supplier_order_id.is_not(None), installed(SupplierOrder.shop_id),
            or_(SupplierOrder.next_poll_at.is_(None), SupplierOrder.next_poll_at <= now),
        ).order_by(SupplierOrder.next_poll_at.is_not(None), SupplierOrder.next_poll_at, SupplierOrder.id)
            .limit(limit)).all()

    def with_open_after_sale(self, limit: int) -> list[tuple[int, int]]:
        """(shop id, id) of supplier orders (every shop) with something open at the supplier to follow by
        API: a pending cancellation, an open dispute, or a message waiting for the seller's answer."""
        cancellations = select(CancellationRequest.supplier_order_id).where(
            CancellationRequest.status == CancellationStatus.PENDING, CancellationRequest.assisted.is_(False))
        # A dispute whose opening got no answer (still submitted, not assisted) is followed too: the
        # supplier may have opened it, and the next look adopts it.
        disputes = select(ReturnRequest.supplier_order_id).where(
            ReturnRequest.status.in_(sorted(OPEN_RETURN_STATUSES)),
            or_(ReturnRequest.supplier_dispute_id.is_not(None),
                and_(ReturnRequest.status == ReturnStatus.SUBMITTED, ReturnRequest.assisted.is_(False))))
        messages = select(SupplierMessage.supplier_order_id).where(
            SupplierMessage.direction == MessageDirection.TO_SUPPLIER, SupplierMessage.answered_at.is_(None),
            SupplierMessage.assisted.is_(False))
        rows = self.session.execute(select(SupplierOrder.shop_id, SupplierOrder.id).where(
            SupplierOrder.supplier_order_id.is_not(None), installed(SupplierOrder.shop_id),
            or_(SupplierOrder.id.in_(cancellations), SupplierOrder.id.in_(disputes), SupplierOrder.id.in_(messages)),
        ).order_by(SupplierOrder.id).limit(limit))
        return [(row.shop_id, row.id) for row in rows]

    def unanswered_drafts(self, shop_id: int, claimed_before: datetime, limit: int) -> Sequence[SupplierOrder]:
        """Claims with neither an answer nor a failure, older than the cut-off."""
        return self.session.scalars(select(SupplierOrder).where(
            SupplierOrder.shop_id == shop_id, SupplierOrder.status == SupplierOrderStatus.DRAFT,
            SupplierOrder.failure.is_(None),
            SupplierOrder.created_at < claimed_before).order_by(SupplierOrder.id).limit(limit)).all()

    def unconfirmed_drafts(self, shop_id: int, limit: int) -> Sequence[SupplierOrder]:
        """Claims whose outcome the supplier could not confirm (handed to a person, still asked again)."""
        return self.session.scalars(select(SupplierOrder).where(
            SupplierOrder.shop_id == shop_id, SupplierOrder.status == SupplierOrderStatus.DRAFT,
            SupplierOrder.failure == SupplierFailure.OUTCOME_UNKNOWN).order_by(SupplierOrder.id).limit(limit)).all()


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

    def for_supplier_order(self, shop_id: int, supplier_order_id: int, *,
                           pending_only: bool = False) -> Sequence[CancellationRequest]:
        """The requests of one supplier order, newest first."""
        query = select(CancellationRequest).where(CancellationRequest.shop_id == shop_id,
                                                  CancellationRequest.supplier_order_id == supplier_order_id)
        if pending_only:
            query = query.where(CancellationRequest.status == CancellationStatus.PENDING)
        return self.session.scalars(query.order_by(CancellationRequest.id.desc())).all()

    def page(self, shop_id: int, *, status: CancellationStatus | None, limit: int) -> Sequence[CancellationRequest]:
        """The shop's requests, newest first."""
        query = select(CancellationRequest).where(CancellationRequest.shop_id == shop_id)
        if status is not None:
            query = query.where(CancellationRequest.status == status)
        return self.session.scalars(query.order_by(CancellationRequest.id.desc()).limit(limit)).all()

    def unfinished_follow_ups(self, decided_before: datetime, limit: int) -> Sequence[CancellationRequest]:
        """Approved requests (every shop) whose store cancellation neither happened nor failed, oldest first."""
        return self.session.scalars(select(CancellationRequest).where(
            CancellationRequest.status == CancellationStatus.APPROVED,
            CancellationRequest.follow_up == CancellationFollowUp.CANCEL_ON_STORE,
            CancellationRequest.follow_up_done_at.is_(None), CancellationRequest.follow_up_error.is_(None),
            CancellationRequest.decided_at < decided_before, installed(CancellationRequest.shop_id))
            .order_by(CancellationRequest.decided_at, CancellationRequest.id).limit(limit)).all()

    def pending_requested_before(self, cut_off: datetime, limit: int) -> Sequence[CancellationRequest]:
        """Pending requests (every shop) asked before the cut-off, oldest first."""
        return self.session.scalars(select(CancellationRequest).where(
            CancellationRequest.status == CancellationStatus.PENDING, CancellationRequest.requested_at < cut_off,
            installed(CancellationRequest.shop_id))
            .order_by(CancellationRequest.requested_at, CancellationRequest.id).limit(limit)).all()


@dataclass(frozen=True)
class ProtectionFacts:
    """What a supplier order's buyer protection is computed from: its dates and its account's rules."""

    supplier_order_id: int
    order_id: int
    status: SupplierOrderStatus
    placed_at: datetime | None
    delivered_at: datetime | None
    seller_type: str
    payment_method: str
    protection_days: int | None  # None: no account known (the defaults apply)
    days_after_delivery: int | None


class ReturnRepository(ShopScopedRepository[ReturnRequest]):
    entity = ReturnRequest

    def for_supplier_order(self, shop_id: int, supplier_order_id: int, *,
                           for_update: bool = False) -> Sequence[ReturnRequest]:
        """The requests of one supplier order, oldest first."""
        query = select(ReturnRequest).where(ReturnRequest.shop_id == shop_id,
                                            ReturnRequest.supplier_order_id == supplier_order_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query.order_by(ReturnRequest.id)).all()

    def page(self, shop_id: int, *, status: ReturnStatus | None = None, open_only: bool = False,
             limit: int = 100) -> Sequence[ReturnRequest]:
        """The shop's requests, newest first."""
        query = select(ReturnRequest).where(ReturnRequest.shop_id == shop_id)
        if status is not None:
            query = query.where(ReturnRequest.status == status)
        if open_only:
            query = query.where(ReturnRequest.status.in_(sorted(OPEN_RETURN_STATUSES)))
        return self.session.scalars(query.order_by(ReturnRequest.id.desc()).limit(limit)).all()

    def refunds_overdue(self, today: date, limit: int) -> Sequence[ReturnRequest]:
        """Issued refunds (every shop) not arrived although their last expected day is before `today`."""
        return self.session.scalars(select(ReturnRequest).where(
            ReturnRequest.status == ReturnStatus.REFUND_PENDING, ReturnRequest.refund_arrived_at.is_(None),
            ReturnRequest.refund_expected_by.is_not(None), ReturnRequest.refund_expected_by < today,
            installed(ReturnRequest.shop_id))
            .order_by(ReturnRequest.refund_expected_by, ReturnRequest.id).limit(limit)).all()

    def cancellation_refunds_overdue(self, today: date, limit: int) -> Sequence[CancellationRequest]:
        """Approved cancellations (every shop) whose refund has not arrived although its last expected day is
        before `today`: the other refund a supplier owes, followed here with the returns' refunds."""
        return self.session.scalars(select(CancellationRequest).where(
            CancellationRequest.status == CancellationStatus.APPROVED, CancellationRequest.refund_arrived_at.is_(None),
            CancellationRequest.refund_expected_by.is_not(None), CancellationRequest.refund_expected_by < today,
            installed(CancellationRequest.shop_id))
            .order_by(CancellationRequest.refund_expected_by, CancellationRequest.id).limit(limit)).all()

    def open_refund_alerts(self, limit: int) -> Sequence[Alert]:
        """Open overdue-refund alerts (every shop), to clear those whose refund has arrived since."""
        return self.session.scalars(select(Alert).where(
            Alert.kind == AlertKind.REFUND_OVERDUE, Alert.resolved_at.is_(None), installed(Alert.shop_id))
            .order_by(Alert.id).limit(limit)).all()

    def protection_facts(self, shop_id: int, order_ids: Sequence[int]) -> list[ProtectionFacts]:
        """The protection facts of every supplier order of these orders, in one query (a page of the list)."""
        if not order_ids:
            return []
        rows = self.session.execute(
            select(SupplierOrder.id, SupplierOrder.order_id, SupplierOrder.status, SupplierOrder.placed_at,
                   func.coalesce(SupplierOrder.delivered_at, SupplierOrder.completed_at).label("delivered_at"),
                   SupplierOrder.seller_type, SupplierOrder.payment_method, SupplierAccount.protection_days,
                   SupplierAccount.days_after_delivery)
            .outerjoin(SupplierAccount, (SupplierAccount.id == SupplierOrder.supplier_account_id)
                       & (SupplierAccount.shop_id == shop_id))
            .where(SupplierOrder.shop_id == shop_id, SupplierOrder.order_id.in_(list(order_ids)))).all()
        # Sorted here: an ORDER BY id would lead SQLite to walk the shop's index rather than look up the page's orders.
        rows = sorted(rows, key=lambda row: row.id)
        return [ProtectionFacts(row.id, row.order_id, row.status, row.placed_at, row.delivered_at, row.seller_type,
                                row.payment_method, row.protection_days, row.days_after_delivery) for row in rows]


class CustomerRefundRepository(ShopScopedRepository[CustomerRefundRequest]):
    entity = CustomerRefundRequest

    def order_id_of(self, shop_id: int, request_id: int) -> int | None:
        """The order a request belongs to, read without loading the request."""
        return self.session.scalar(select(CustomerRefundRequest.order_id).where(
            CustomerRefundRequest.shop_id == shop_id, CustomerRefundRequest.id == request_id))

    def discard(self, request: CustomerRefundRequest) -> None:
        """Take back a request added in this transaction (it lost a race to record the same refund)."""
        self.session.delete(request)

    def claim_refund_decision(self, shop_id: int, request_id: int, amount: Decimal) -> bool:
        """Decide the refund of a request with no refund decided or made yet; of two callers exactly one wins."""
        result = self.session.execute(
            update(CustomerRefundRequest).where(
                CustomerRefundRequest.shop_id == shop_id, CustomerRefundRequest.id == request_id,
                CustomerRefundRequest.refund_amount.is_(None), CustomerRefundRequest.store_refund_id.is_(None))
            .values(refund_amount=amount).execution_options(synchronize_session=False))
        return bool(getattr(result, "rowcount", 0) == 1)

    def claim_store_refund(self, shop_id: int, request_id: int, store_refund_id: str) -> bool:
        """Set the store refund of a request that has none yet; of two callers exactly one wins."""
        result = self.session.execute(
            update(CustomerRefundRequest).where(
                CustomerRefundRequest.shop_id == shop_id, CustomerRefundRequest.id == request_id,
                CustomerRefundRequest.store_refund_id.is_(None))
            .values(store_refund_id=store_refund_id).execution_options(synchronize_session=False))
        return bool(getattr(result, "rowcount", 0) == 1)

    def by_store_refund(self, shop_id: int, store_refund_id: str) -> Sequence[CustomerRefundRequest]:
        """The requests that record this store refund (one, unless two deliveries raced), oldest first."""
        return self.session.scalars(select(CustomerRefundRequest).where(
            CustomerRefundRequest.shop_id == shop_id, CustomerRefundRequest.store_refund_id == store_refund_id)
            .order_by(CustomerRefundRequest.id)).all()

    def page(self, shop_id: int, *, status: CustomerRefundStatus | None, order_id: int | None,
             limit: int) -> Sequence[CustomerRefundRequest]:
        """The shop's requests, newest first."""
        query = select(CustomerRefundRequest).where(CustomerRefundRequest.shop_id == shop_id)
        if status is not None:
            query = query.where(CustomerRefundRequest.status == status)
        if order_id is not None:
            query = query.where(CustomerRefundRequest.order_id == order_id)
        return self.session.scalars(query.order_by(CustomerRefundRequest.id.desc()).limit(limit)).all()

    def new_received_before(self, cut_off: datetime, limit: int) -> list[tuple[int, int]]:
        """(shop id, id) of requests (every shop) still unanswered that arrived before the cut-off, oldest first."""
        rows = self.session.execute(select(CustomerRefundRequest.shop_id, CustomerRefundRequest.id).where(
            CustomerRefundRequest.status == CustomerRefundStatus.NEW, CustomerRefundRequest.received_at < cut_off,
            installed(CustomerRefundRequest.shop_id))
            .order_by(CustomerRefundRequest.received_at, CustomerRefundRequest.id).limit(limit))
        return [(row.shop_id, row.id) for row in rows]

    def answered_with_open_alert(self, subject_prefix: str, kind: AlertKind, limit: int) -> list[tuple[int, int]]:
        """(shop id, id) of requests (every shop) no longer new whose `kind` alert is still open."""
        open_subjects = select(Alert.subject).where(Alert.kind == kind, Alert.resolved_at.is_(None),
                                                    Alert.subject.like(f"{subject_prefix}%"))
        subject = literal(subject_prefix) + cast(CustomerRefundRequest.id, String)
        rows = self.session.execute(select(CustomerRefundRequest.shop_id, CustomerRefundRequest.id).where(
            CustomerRefundRequest.status != CustomerRefundStatus.NEW, subject.in_(open_subjects),
            installed(CustomerRefundRequest.shop_id))
            .order_by(CustomerRefundRequest.id).limit(limit))
        return [(row.shop_id, row.id) for row in rows]


class ReplyTemplateRepository(ShopScopedRepository[ReplyTemplate]):
    entity = ReplyTemplate

    def for_shop(self, shop_id: int) -> Sequence[ReplyTemplate]:
        """The shop's edited templates, by key."""
        return self.session.scalars(select(ReplyTemplate).where(ReplyTemplate.shop_id == shop_id)
                                    .order_by(ReplyTemplate.key)).all()

    def by_key(self, shop_id: int, key: str, *, for_update: bool = False) -> ReplyTemplate | None:
        query = select(ReplyTemplate).where(ReplyTemplate.shop_id == shop_id, ReplyTemplate.key == key)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def delete(self, template: ReplyTemplate) -> None:
        """Remove an edited template loaded through this repository (the built-in wording applies again)."""
        self.session.delete(template)


class MessageRepository(ShopScopedRepository[SupplierMessage]):
    entity = SupplierMessage

    def thread(self, shop_id: int, supplier_order_id: int) -> Sequence[SupplierMessage]:
        """The messages of one supplier order, oldest first."""
        return self.session.scalars(select(SupplierMessage).where(
            SupplierMessage.shop_id == shop_id, SupplierMessage.supplier_order_id == supplier_order_id)
            .order_by(SupplierMessage.sent_at, SupplierMessage.id)).all()

    def delete(self, message: SupplierMessage) -> None:
        """Remove a message loaded through this repository (one the supplier never took)."""
        self.session.delete(message)

    def waiting(self, shop_id: int, supplier_order_id: int, *, for_update: bool = False) -> Sequence[SupplierMessage]:
        """Our messages of one thread the seller has not answered yet, oldest first."""
        query = select(SupplierMessage).where(
            SupplierMessage.shop_id == shop_id, SupplierMessage.supplier_order_id == supplier_order_id,
            SupplierMessage.direction == MessageDirection.TO_SUPPLIER, SupplierMessage.answered_at.is_(None),
        ).order_by(SupplierMessage.sent_at, SupplierMessage.id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).all()

    def silent_threads(self, waiting_since_before: datetime, limit: int) -> list[tuple[int, int]]:
        """(shop id, supplier order id) of threads (every shop) with a message of ours unanswered since before
        the cut-off and no return/refund suggestion made yet for that silence, longest silent first."""
        waiting = (SupplierMessage.direction == MessageDirection.TO_SUPPLIER) & SupplierMessage.answered_at.is_(None)
        suggested = select(SupplierMessage.supplier_order_id).where(
            waiting, SupplierMessage.escalation_suggested_at.is_not(None))
        since = func.min(SupplierMessage.sent_at)
        rows = self.session.execute(
            select(SupplierMessage.shop_id, SupplierMessage.supplier_order_id)
            .where(waiting, SupplierMessage.supplier_order_id.not_in(suggested), installed(SupplierMessage.shop_id))
            .group_by(SupplierMessage.shop_id, SupplierMessage.supplier_order_id)
            .having(since <= waiting_since_before)
            .order_by(since, SupplierMessage.supplier_order_id).limit(limit)).all()
        return [(row.shop_id, row.supplier_order_id) for row in rows]


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
            installed(OutboxEmail.shop_id),  # held while the shop is uninstalled, sent if it comes back
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
        """Deliveries stored but not applied (received, or failed and to be tried again), oldest first."""
        return self.session.scalars(select(WebhookDelivery).where(
            WebhookDelivery.next_attempt_at.is_not(None),
            WebhookDelivery.status.in_(sorted(PENDING_STATUSES))).order_by(WebhookDelivery.id).limit(limit)).all()

    def due(self, now: datetime, limit: int) -> Sequence[tuple[int, int]]:
        """(shop id, id) of the deliveries whose next try is due (every shop), the longest waiting first."""
        return [(row.shop_id, row.id) for row in self.session.execute(
            select(WebhookDelivery.shop_id, WebhookDelivery.id).where(
                WebhookDelivery.next_attempt_at.is_not(None), WebhookDelivery.next_attempt_at <= now,
                WebhookDelivery.status.in_(sorted(PENDING_STATUSES)))
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))]

    def never_tried(self, limit: int) -> Sequence[WebhookDelivery]:
        """Received deliveries not tried yet, oldest first, locked (PostgreSQL skips those another batch holds)."""
        return self.session.scalars(select(WebhookDelivery).where(
            WebhookDelivery.status == DeliveryStatus.RECEIVED, WebhookDelivery.attempts == 0,
            WebhookDelivery.next_attempt_at.is_not(None)).order_by(WebhookDelivery.id).limit(limit)
            .with_for_update(skip_locked=True)).all()

    def claim(self, shop_id: int, delivery_id: int, seen: datetime, until: datetime) -> bool:
        """Take a delivery for one try, if its schedule is still the one seen; of two workers exactly one wins."""
        result = self.session.execute(
            update(WebhookDelivery).where(
                WebhookDelivery.shop_id == shop_id, WebhookDelivery.id == delivery_id,
                WebhookDelivery.next_attempt_at == seen, WebhookDelivery.status.in_(sorted(PENDING_STATUSES)))
            .values(next_attempt_at=until).execution_options(synchronize_session=False))
        return bool(getattr(result, "rowcount", 0) == 1)

    def page(self, shop_id: int, *, statuses: Collection[DeliveryStatus] | None, before_id: int | None,
             limit: int) -> Sequence[WebhookDelivery]:
        """The shop's deliveries in these states (None: any), newest first, below the cursor."""
        query = select(WebhookDelivery).where(WebhookDelivery.shop_id == shop_id)
        if statuses is not None:
            query = query.where(WebhookDelivery.status.in_(list(statuses)))
        if before_id is not None:
            query = query.where(WebhookDelivery.id < before_id)
        return self.session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit)).all()


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


class WebSessionRepository:
    """Sign-in sessions and attempts. Sessions are found by their token's digest, before any shop is known."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, web_session: WebSession) -> WebSession:
        self.session.add(web_session)
        return web_session

    def by_digest(self, digest: str) -> WebSession | None:
        return self.session.scalars(select(WebSession).where(WebSession.token_digest == digest)).first()

    def live_for_user(self, shop_id: int, staff_user_id: int, now: datetime) -> Sequence[WebSession]:
        """The user's sessions not signed out and not past their absolute end."""
        return self.session.scalars(select(WebSession).where(
            WebSession.shop_id == shop_id, WebSession.staff_user_id == staff_user_id,
            WebSession.revoked_at.is_(None), WebSession.expires_at > now).order_by(WebSession.id)).all()

    def add_attempt(self, attempt: SignInAttempt) -> None:
        self.session.add(attempt)

    def account_failures(self, email: str, since: datetime) -> list[datetime]:
        """Failed tries for this e-mail since `since` and after its latest successful sign-in."""
        last_success = select(func.max(SignInAttempt.attempted_at)).where(
            SignInAttempt.email == email, SignInAttempt.succeeded.is_(True)).scalar_subquery()
        return list(self.session.scalars(select(SignInAttempt.attempted_at).where(
            SignInAttempt.email == email, SignInAttempt.succeeded.is_(False), SignInAttempt.attempted_at >= since,
            or_(last_success.is_(None), SignInAttempt.attempted_at > last_success))))

    def address_failures(self, client_address: str, since: datetime) -> list[datetime]:
        return list(self.session.scalars(select(SignInAttempt.attempted_at).where(
            SignInAttempt.client_address == client_address, SignInAttempt.succeeded.is_(False),
            SignInAttempt.attempted_at >= since)))

    def prune_attempts(self, before: datetime) -> None:
        """Forget attempts no rule looks at any more."""
        self.session.execute(delete(SignInAttempt).where(SignInAttempt.attempted_at < before)
                             .execution_options(synchronize_session=False))

    def staff_of_shop(self, shop_id: int) -> Sequence[StaffUser]:
        """The shop's people, in the order they were added."""
        return self.session.scalars(select(StaffUser).where(StaffUser.shop_id == shop_id)
                                    .order_by(StaffUser.id)).all()
