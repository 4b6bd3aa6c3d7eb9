"""The unit of work: one transaction, rolled back unless the service commits it."""

from __future__ import annotations

from contextlib import AbstractContextManager
from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.orm import Session, sessionmaker

from ordercenter.adapters.db import repositories as repos
from ordercenter.adapters.db.deadline_queries import DeadlineQueries
from ordercenter.adapters.db.encrypted_columns import EncryptedColumns
from ordercenter.adapters.db.privacy_queries import PrivacyQueries


class UnitOfWork(Protocol):
    shops: repos.ShopRepository
    orders: repos.OrderRepository
    supplier_orders: repos.SupplierOrderRepository
    mappings: repos.MappingRepository
    supplier_accounts: repos.SupplierAccountRepository
    cancellations: repos.CancellationRepository
    returns: repos.ReturnRepository
    customer_refunds: repos.CustomerRefundRepository
    events: repos.EventRepository
    tokens: repos.TokenRepository
    staff: repos.StaffRepository
    webhooks: repos.WebhookDeliveryRepository
    alerts: repos.AlertRepository
    packaging: repos.PackagingRepository
    messages: repos.MessageRepository
    outbox: repos.OutboxRepository
    reply_templates: repos.ReplyTemplateRepository
    web_sessions: repos.WebSessionRepository
    deadlines: DeadlineQueries
    privacy: PrivacyQueries
    encrypted: EncryptedColumns

    def __enter__(self) -> Self: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def flush(self) -> None: ...

    def savepoint(self) -> AbstractContextManager[object]: ...


class SqlAlchemyUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.shops = repos.ShopRepository(self.session)
        self.orders = repos.OrderRepository(self.session)
        self.supplier_orders = repos.SupplierOrderRepository(self.session)
        self.mappings = repos.MappingRepository(self.session)
        self.supplier_accounts = repos.SupplierAccountRepository(self.session)
        self.cancellations = repos.CancellationRepository(self.session)
        self.returns = repos.ReturnRepository(self.session)
        self.customer_refunds = repos.CustomerRefundRepository(self.session)
        self.events = repos.EventRepository(self.session)
        self.tokens = repos.TokenRepository(self.session)
        self.staff = repos.StaffRepository(self.session)
        self.webhooks = repos.WebhookDeliveryRepository(self.session)
        self.alerts = repos.AlertRepository(self.session)
        self.packaging = repos.PackagingRepository(self.session)
        self.messages = repos.MessageRepository(self.session)
        self.outbox = repos.OutboxRepository(self.session)
        self.reply_templates = repos.ReplyTemplateRepository(self.session)
        self.web_sessions = repos.WebSessionRepository(self.session)
        self.deadlines = DeadlineQueries(self.session)
        self.privacy = PrivacyQueries(self.session)
        self.encrypted = EncryptedColumns(self.session)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        # close() rolls back whatever was not committed without expiring loaded objects, so results
        # returned by a service stay readable after its unit of work ends.
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def flush(self) -> None:
        self.session.flush()

    def savepoint(self) -> AbstractContextManager[object]:
        """A nested transaction: an exception inside it undoes only what ran inside it."""
        return self.session.begin_nested()
