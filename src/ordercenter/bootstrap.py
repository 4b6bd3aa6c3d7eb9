"""The composition root: the one place that knows which concrete adapters run."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ordercenter.adapters.aliexpress.authorizer import AliExpressAuthorizer, check_access_token
from ordercenter.adapters.aliexpress.client import AliExpressClient
from ordercenter.adapters.aliexpress.gateway import DEFAULT_BASE_URL as ALIEXPRESS_BASE_URL
from ordercenter.adapters.aliexpress.sandbox_client import SandboxAliExpressClient
from ordercenter.adapters.clock import OffsetClock, SystemClock
from ordercenter.adapters.db.migrations import upgrade
from ordercenter.adapters.db.session import build_engine, build_session_factory
from ordercenter.adapters.file_store import LocalFileStore
from ordercenter.adapters.notify import LogNotifier, SmtpNotifier
from ordercenter.adapters.ports import (
    AfterSaleAction,
    Clock,
    FileStore,
    Notifier,
    StoreBulkExport,
    StorePlatform,
    StoreTokenRefresher,
    StoreWebhookCodec,
    SupplierAuthorizer,
    SupplierPlatform,
)
from ordercenter.adapters.secrets import SecretBox
from ordercenter.adapters.shared_budgets import share_budgets_through
from ordercenter.adapters.shopify.client import ShopifyClient
from ordercenter.adapters.shopify.codec import ShopifyWebhookCodec
from ordercenter.adapters.shopify.install import ShopifyInstaller
from ordercenter.config import Settings
from ordercenter.domain.api_versions import support_warning
from ordercenter.domain.errors import NotAllowed
from ordercenter.domain.shops import Shop
from ordercenter.domain.suppliers import SupplierAccount
from ordercenter.services import store_tokens
from ordercenter.services.placement_planning import SupplierResolver
from ordercenter.services.uow import SqlAlchemyUnitOfWork, UnitOfWork

log = logging.getLogger(__name__)


@dataclass
class Container:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    secrets: SecretBox

    def uow(self) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(self.session_factory)

    @property
    def uow_factory(self) -> Callable[[], UnitOfWork]:
        return self.uow

    def connect_store(self, domain: str, access_token: str, api_url: str | None) -> StorePlatform:
        """A Shopify client for a store (the `StoreConnector` port)."""
        return ShopifyClient(domain, access_token, api_url=api_url, api_version=self.settings.shopify_api_version)

    def api_version_warning(self) -> str | None:
        """A warning when the pinned Shopify API version is within 90 days of the end of its support."""
        return support_warning(self.settings.shopify_api_version, self.clock.now().date())

    def store_for(self, shop: Shop) -> StorePlatform:
        """The client of a connected shop, with its decrypted token (an expiring one refreshed first if due)."""
        if shop.access_token_encrypted is None:
            raise NotAllowed(f"{shop.domain} has no access token; connect it with 'ordercenter shops add'",
                             field="shop")
        if not shop.has_expiring_token:
            return self.connect_store(shop.domain, self.secrets.decrypt(shop.access_token_encrypted), shop.api_url)
        # Read from the database, not from `shop`: another worker may have refreshed it since it was loaded.
        token = store_tokens.current_access_token(self.uow(), self.store_token_refresher, self.secrets,
                                                  shop_id=shop.id, now=self.clock.now(),
                                                  public_url=self.settings.public_url)
        return self.connect_store(shop.domain, token, shop.api_url)

    def bulk_export_for(self, shop: Shop) -> StoreBulkExport:
        """The bulk queries of a connected shop's store (the `StoreBulkExport` port)."""
        store = self.store_for(shop)
        if not isinstance(store, ShopifyClient):
            raise NotAllowed(f"the connection of {shop.domain} runs no bulk queries; use --paged", field="shop")
        return store.bulk

    @property
    def store_token_refresher(self) -> StoreTokenRefresher:
        """The public app's side of the token refresh (its client id and secret)."""
        s = self.settings
        return ShopifyInstaller(s.shopify_client_id or "", s.shopify_client_secret or "",
                                s.shopify_scopes.split(","), s.shopify_api_url)

    @property
    def webhook_codec(self) -> StoreWebhookCodec:
        return ShopifyWebhookCodec()

    @property
    def webhook_callback_url(self) -> str:
        return self.settings.public_url.rstrip("/") + "/webhooks/shopify"

    # ------------------------------------------------------------ supplier side

    def _aliexpress_client(self, account_is_sandbox: bool, app_key: str, app_secret: str, access_token: str,
                           api_url: str | None) -> AliExpressClient:
        client_class = SandboxAliExpressClient if account_is_sandbox else AliExpressClient
        return client_class(app_key, app_secret, access_token, base_url=api_url or ALIEXPRESS_BASE_URL,
                            rate_limit_per_second=self.settings.supplier_rate_limit_per_second)

    def supplier_for(self, account: SupplierAccount) -> SupplierPlatform:
        """The client of an authorized supplier account; the sandbox client (after-sale by API) for a sandbox."""
        if account.access_token_encrypted is None:
            raise NotAllowed(f"the supplier account '{account.name}' is not authorized yet; run "
                             f"'ordercenter suppliers authorize {account.id}'", field="account")
        return self._aliexpress_client(account.is_sandbox, account.app_key,
                                       self.secrets.decrypt(account.app_secret_encrypted),
                                       self.secrets.decrypt(account.access_token_encrypted), account.api_url)

    def supplier_resolver(self, shop_id: int) -> SupplierResolver:
        """Supplier clients of one shop by account id (None: the shop's first account), built once per use."""
        clients: dict[int, SupplierPlatform] = {}

        def resolve(account_id: int | None) -> tuple[int, SupplierPlatform]:
            with self.uow() as uow:
                account = (uow.supplier_accounts.get(shop_id, account_id) if account_id is not None
                           else next(iter(uow.supplier_accounts.all(shop_id)), None))
            if account is None:
                raise NotAllowed("no supplier account is connected; add one with 'ordercenter suppliers add'",
                                 field="supplier_account")
            if account.id not in clients:
                clients[account.id] = self.supplier_for(account)
            return account.id, clients[account.id]

        return resolve

    def supplier_authorizer(self, account: SupplierAccount) -> SupplierAuthorizer:
        """The OAuth side of the account's app; a sandbox also serves the consent page at its own address."""
        return AliExpressAuthorizer(account.app_key, self.secrets.decrypt(account.app_secret_encrypted),
                                    api_base_url=account.api_url,
                                    authorize_base_url=account.api_url if account.is_sandbox else None)

    def supplier_capabilities(self, account: SupplierAccount) -> frozenset[AfterSaleAction]:
        """What the account can do by API after the sale (no secret needed to know it)."""
        with self._aliexpress_client(account.is_sandbox, account.app_key, "", "", account.api_url) as client:
            return client.capabilities

    def probe_supplier(self, *, app_key: str, app_secret: str, access_token: str, api_url: str | None,
                       sandbox: bool) -> None:
        """The `SupplierProbe` port: one cheap signed call; SupplierError when the token is refused."""
        with self._aliexpress_client(sandbox, app_key, app_secret, access_token, api_url) as client:
            check_access_token(client)

    @property
    def file_store(self) -> FileStore:
        """Evidence and other uploads, in the local folder ORDERCENTER_FILES_DIR (default data_dir/files)."""
        return LocalFileStore(self.settings.resolved_files_dir)

    @property
    def notifier(self) -> Notifier:
        """SMTP when ORDERCENTER_SMTP_URL is set, otherwise e-mails go to the log."""
        if self.settings.smtp_url:
            return SmtpNotifier(self.settings.smtp_url)
        return LogNotifier()


def bootstrap(settings: Settings, *, clock: Clock | None = None, migrate: bool = True) -> Container:
    """Build every adapter from settings; migrate the database unless told not to."""
    engine = build_engine(settings.resolved_database_url)
    # With Redis as the broker, every process paces one supplier app key through one shared budget.
    broker = settings.broker_url
    share_budgets_through(broker if broker and broker.startswith(("redis://", "rediss://")) else None)
    if migrate:
        upgrade(engine)
    container = Container(
        settings=settings,
        engine=engine,
        session_factory=build_session_factory(engine),
        clock=clock or (OffsetClock(settings.demo_clock_file) if settings.demo_clock_file else SystemClock()),
        secrets=SecretBox(settings.resolved_secret_key(), settings.previous_secret_keys),
    )
    # Every process (server, worker, demo, command) starts here, so the operator sees it whichever runs.
    warning = container.api_version_warning()
    if warning:
        log.warning(warning)
    return container
