"""The ports: what services need from the outside world, as Protocols with our own DTOs.

Adapters implement them; tests use fakes that subclass nothing but honour the same shape.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from ordercenter.domain.addresses import ShippingAddress
from ordercenter.domain.bulk_operations import BulkOperationStatus
from ordercenter.domain.errors import DomainError, ErrorCode
from ordercenter.domain.money import Money
from ordercenter.domain.placement import ShippingChoice
from ordercenter.domain.snapshots import OrderSnapshot

# ---------------------------------------------------------------- time


class Clock(Protocol):
    def now(self) -> datetime:
        """The current aware UTC time."""
        ...


# ---------------------------------------------------------------- store side


class StoreError(DomainError):
    """The store platform refused or failed; `message` is the platform's own words."""

    code = ErrorCode.STORE_ERROR


@dataclass(frozen=True)
class StoreShopInfo:
    name: str
    currency: str


@dataclass(frozen=True)
class TrackingInfo:
    number: str
    company: str
    url: str | None = None


@dataclass(frozen=True)
class FulfillmentLine:
    line_gid: str
    quantity: int


@dataclass(frozen=True)
class OrderPage:
    orders: list[OrderSnapshot]
    end_cursor: str | None
    has_next_page: bool


class StorePlatform(Protocol):
    """One connected store (Shopify Admin GraphQL)."""

    def fetch_shop(self) -> StoreShopInfo: ...

    def iter_order_pages(self, *, updated_since: datetime | None) -> Iterator[OrderPage]:
        """Orders of every status (all of them, or those updated since the watermark)."""
        ...

    def create_fulfillment(self, order_gid: str, lines: list[FulfillmentLine], tracking: TrackingInfo,
                           *, notify_customer: bool) -> str:
        """Returns the fulfillment's id."""
        ...

    def update_tracking(self, fulfillment_id: str, tracking: TrackingInfo, *, notify_customer: bool) -> None: ...

    def refund(self, order_gid: str, lines: list[FulfillmentLine], shipping: Money | None, note: str,
               *, notify_customer: bool) -> str:
        """Returns the refund's id."""
        ...

    def refund_amount(self, order_gid: str, amount: Money, note: str, *, notify_customer: bool,
                      key: str | None = None) -> str:
        """Refund an amount alone (no lines), at most what is still refundable; returns the refund's id.
        With `key`, a refund of the order already made under that key is returned instead of a second."""
        ...

    def cancel_order(self, order_gid: str, *, reason: str, refund: bool, restock: bool, notify_customer: bool,
                     staff_note: str) -> None:
        """Cancel the store order (Shopify `orderCancel`), refunding and restocking as asked."""
        ...

    def duplicate_order(self, original: OrderSnapshot, *, tag: str, note: str) -> OrderSnapshot: ...

    def register_webhooks(self, callback_url: str, topics: list[str]) -> None: ...


@dataclass(frozen=True)
class BulkOperation:
    """A bulk query on the store, as last seen; `url` holds the JSONL result once it completed."""

    id: str
    status: BulkOperationStatus
    created_at: datetime
    completed_at: datetime | None = None
    error_code: str | None = None
    object_count: int = 0
    root_object_count: int = 0
    url: str | None = None
    partial_data_url: str | None = None


class StoreBulkExport(Protocol):
    """The store's bulk queries: export every order in the background, then read the result file."""

    def granted_scopes(self) -> frozenset[str]: ...

    def start_orders_export(self, *, created_since: datetime | None) -> BulkOperation:
        """Start the bulk query of every order (or those created since); StoreError when refused."""
        ...

    def operation(self, operation_id: str) -> BulkOperation: ...

    def iter_orders(self, url: str) -> Iterator[OrderSnapshot]:
        """The orders of a result file, each with its lines, read as a stream."""
        ...


@dataclass(frozen=True)
class WebhookHeaders:
    topic: str
    shop_domain: str
    signature: str
    webhook_id: str
    event_id: str | None
    triggered_at: datetime | None

    @property
    def dedupe_key(self) -> str:
        """One event delivered twice shares its event id; deliveries without one fall back to the webhook id."""
        return self.event_id or self.webhook_id


class StoreWebhookCodec(Protocol):
    """How the store platform signs and shapes its webhooks."""

    def shop_domain(self, headers: Mapping[str, str]) -> str | None: ...

    def signature(self, headers: Mapping[str, str]) -> str | None: ...

    def signature_well_formed(self, signature: str | None) -> bool:
        """Whether it can be a signature at all (checked before the body is read)."""
        ...

    def signature_valid(self, body: bytes, signature: str | None, secret: str) -> bool: ...

    def read_headers(self, headers: Mapping[str, str]) -> WebhookHeaders:
        """Raises InvalidInput naming the missing or malformed header."""
        ...

    def order_snapshot(self, payload: Mapping[str, Any]) -> OrderSnapshot:
        """Raises InvalidInput naming the missing or malformed field."""
        ...


class Secrets(Protocol):
    def encrypt(self, plaintext: str) -> str: ...

    def decrypt(self, ciphertext: str) -> str: ...


class SecretRotation(Protocol):
    """Moving stored secrets from old keys to the current one."""

    def is_current(self, ciphertext: str) -> bool: ...

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypted with the current key; ValueError when no known key decrypts it."""
        ...


@dataclass(frozen=True)
class StoreTokens:
    """What the store handed out at an install or a refresh, lifetimes in seconds as it said them.

    A non-expiring token (a merchant's custom app) has no lifetime and no refresh token.
    """

    access_token: str
    expires_in: int | None = None
    refresh_token: str | None = None
    refresh_token_expires_in: int | None = None


class StoreTokenRefused(StoreError):
    """The store refused the refresh token (invalid_grant, HTTP 400/401): only a new install helps."""


class StoreTokenRefresher(Protocol):
    def refresh(self, shop_domain: str, refresh_token: str, api_url: str | None) -> StoreTokens:
        """A new access token and a new refresh token; StoreTokenRefused when the store says no,
        StoreError when it could not be asked (try again later)."""
        ...


class StoreInstaller(Protocol):
    """The public-app install flow of the store platform (OAuth authorization code)."""

    @property
    def webhook_secret(self) -> str:
        """What signs the webhooks of an app installed this way (the app's client secret)."""
        ...

    @property
    def api_url(self) -> str | None: ...

    def authorize_url(self, shop_domain: str, redirect_uri: str, state: str) -> str: ...

    def callback_is_authentic(self, params: Mapping[str, str]) -> bool: ...

    def exchange_code(self, shop_domain: str, code: str) -> StoreTokens:
        """The shop's expiring offline tokens for a one-time code."""
        ...


class StoreConnector(Protocol):
    """Builds the client of one store from its domain, access token and (for sandboxes) API address."""

    def __call__(self, domain: str, access_token: str, api_url: str | None) -> StorePlatform: ...


# ---------------------------------------------------------------- supplier side


class AfterSaleAction(StrEnum):
    """After-sale actions a supplier may offer by API; the others are assisted (done on its website)."""

    CANCEL_ORDER = "cancel_order"
    OPEN_DISPUTE = "open_dispute"
    MESSAGE_SELLER = "message_seller"


class SupplierErrorKind(StrEnum):
    """Why the supplier refused, in categories the merchant can act on."""

    ALREADY_PLACED = "already_placed"  # same out_order_id seen before: look it up, never place again
    INVALID_ADDRESS = "invalid_address"
    OUT_OF_STOCK = "out_of_stock"
    DELIVERY_NOT_AVAILABLE = "delivery_not_available"
    PRODUCT_NOT_FOUND = "product_not_found"
    AUTH = "auth"  # bad credentials, expired token
    RATE_LIMITED = "rate_limited"
    TRANSIENT = "transient"  # timeouts, 5xx: the outcome is unknown
    PAYMENT = "payment"
    REJECTED = "rejected"  # any other refusal
    ORDER_NOT_FOUND = "order_not_found"  # the supplier does not know this order id


class SupplierError(DomainError):
    """The supplier refused or failed; `supplier_message` keeps its own words for the merchant."""

    code = ErrorCode.SUPPLIER_ERROR

    def __init__(self, kind: SupplierErrorKind, message: str, *, supplier_code: str | None = None,
                 supplier_message: str | None = None, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.kind = kind
        self.supplier_code = supplier_code
        self.supplier_message = supplier_message


@dataclass(frozen=True)
class SupplierSku:
    sku_id: str
    sku_attr: str
    price: Money
    stock: int


@dataclass(frozen=True)
class SupplierProduct:
    product_id: str
    title: str
    seller_id: str
    seller_name: str
    skus: list[SupplierSku]


# A shipping option of a freight quote is the domain's ShippingChoice (its `code` is passed back as the
# shipping method when placing).
FreightOption = ShippingChoice


@dataclass(frozen=True)
class PlacementItem:
    product_id: str
    sku_attr: str
    quantity: int
    shipping_method: str | None = None
    memo: str = ""


@dataclass(frozen=True)
class PlacementRequest:
    out_order_id: str  # our idempotency key
    address: ShippingAddress
    items: list[PlacementItem]
    auto_pay: bool = False


@dataclass(frozen=True)
class PlacementResult:
    supplier_order_ids: list[str]


@dataclass(frozen=True)
class SupplierOrderState:
    supplier_order_id: str
    status: str  # the platform's own value, e.g. WAIT_SELLER_SEND_GOODS
    logistics_status: str | None = None
    amount: Money | None = None
    end_reason: str | None = None
    paid_at: datetime | None = None
    created_at: datetime | None = None
    # When the supplier closes the order unpaid, from its own `gmt_create` + `pay_timeout_second`.
    pay_deadline: datetime | None = None


@dataclass(frozen=True)
class TrackingEvent:
    at: datetime
    description: str


@dataclass(frozen=True)
class PackageItem:
    """One item inside a package, as the supplier lists it (AliExpress `package_item_list`)."""

    product_id: str
    sku_attr: str
    quantity: int


@dataclass(frozen=True)
class TrackingPackage:
    number: str
    carrier: str
    url: str | None = None
    events: list[TrackingEvent] = field(default_factory=list)
    items: list[PackageItem] = field(default_factory=list)  # empty when the supplier does not say


class SupplierPlatform(Protocol):
    """One supplier account (AliExpress Open Platform)."""

    @property
    def capabilities(self) -> frozenset[AfterSaleAction]: ...

    def get_product(self, product_id: str, ship_to_country: str) -> SupplierProduct: ...

    def quote_freight(self, product_id: str, sku_id: str, quantity: int,
                      ship_to_country: str) -> list[FreightOption]: ...

    def place_order(self, request: PlacementRequest) -> PlacementResult:
        """Never places twice for the same `out_order_id`."""
        ...

    def get_order(self, supplier_order_id: str) -> SupplierOrderState: ...

    def get_tracking(self, supplier_order_id: str) -> list[TrackingPackage]: ...

    def find_orders_by_out_order_id(self, out_order_id: str) -> list[str] | None:
        """The supplier order ids placed under our key ([] when none); None when the platform
        cannot look up by our key (then an ambiguous placement must be checked by a person)."""
        ...


@dataclass(frozen=True)
class SupplierTokens:
    """What the supplier handed out for one account when it authorized our app or refreshed its tokens."""

    access_token: str
    refresh_token: str | None  # None when the supplier said it cannot be refreshed: re-authorize instead
    access_expires_at: datetime
    refresh_expires_at: datetime | None
    user_id: str = ""
    account: str = ""  # the buyer login that authorized us, for the merchant to recognise


class SupplierAuthorizer(Protocol):
    """The OAuth side of one supplier app (app key + secret): consent page, code exchange, refresh."""

    def authorize_url(self, redirect_uri: str, state: str) -> str: ...

    def exchange_code(self, code: str) -> SupplierTokens: ...

    def refresh(self, refresh_token: str) -> SupplierTokens:
        """New tokens; the old refresh token stops working, so the returned one must be kept."""
        ...


class SupplierProbe(Protocol):
    """Checks that an access token works with one cheap call; raises SupplierError (kind AUTH) when refused."""

    def __call__(self, *, app_key: str, app_secret: str, access_token: str, api_url: str | None,
                 sandbox: bool) -> None: ...


@runtime_checkable
class SupplierPayments(Protocol):
    """A supplier that takes payment for a placed order by API (the sandbox). AliExpress takes it on its
    website, or at placement with `try_to_pay` for accounts allowed to pay automatically."""

    def pay_order(self, supplier_order_id: str) -> None: ...


# ---------------------------------------------------------------- notifications and files


@dataclass(frozen=True)
class EmailMessage:
    to: str
    subject: str
    body: str  # plain text, always present
    html: str | None = None  # an HTML alternative, when there is one
    message_id: str | None = None  # "<…@…>": fixed by the outbox so a resend is the same message
    sender: str | None = None  # the shop's own sender; None: the server's


class Notifier(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class FileStore(Protocol):
    def put(self, key: str, content: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def delete_folder(self, folder: str) -> None: ...
