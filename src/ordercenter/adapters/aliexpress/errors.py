"""AliExpress errors → `SupplierError`: the platform's code and words kept, a message the merchant can act on.

Two families reach us:
- platform errors, `{"error_response": {type, code, msg, sub_code, sub_msg, request_id}}` (or a
  top-level `code != "0"` on system APIs): signature, app key, token, timestamp, permissions, limits;
- business errors inside a successful envelope: `error_code`/`error_msg` of order create,
  `rsp_code`/`rsp_msg` of product get, `code`/`msg` of freight query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

from ordercenter.adapters import metrics
from ordercenter.adapters.ports import SupplierError, SupplierErrorKind

_AUTH_CODES = frozenset({
    "IncompleteSignature", "InvalidAppKey", "AppKeyNotExist", "IllegalAccessToken", "InvalidAccessToken",
    "AccessTokenExpired", "InvalidTimestamp", "IllegalRefreshToken", "InvalidCode", "AppCallLimitByIp",
    "InsufficientPermission",
    # The token travels as `session` in the current SDKs; the TOP gateway answers a missing or dead one
    # with code 26 "Missing session" / 27 "Invalid session".
    "MissingAccessToken", "InvalidSession", "MissingSession", "SessionExpired", "26", "27",
})
_AUTH_SUB_CODES = frozenset({"isv.insufficient-permission", "isv.invalid-token", "session-is-blank",
                             "invalid-sessionkey", "session-expired"})
_RATE_LIMIT_CODES = frozenset({"ApiCallLimit", "AppCallLimit", "ApiCallLimitByApp", "AccessControl"})
_TRANSIENT_CODES = frozenset({"ServiceUnavailable", "SystemError", "ServiceTimeout", "System Error", "ISP_ERROR"})

_BUSINESS_KINDS: dict[str, SupplierErrorKind] = {
    "REPEATED_ORDER_ERROR": SupplierErrorKind.ALREADY_PLACED,
    "B_DROPSHIPPER_DELIVERY_ADDRESS_VALIDATE_FAIL": SupplierErrorKind.INVALID_ADDRESS,
    "B_DROPSHIPPER_DELIVERY_ADDRESS_CPF_CN_INVALID": SupplierErrorKind.INVALID_ADDRESS,
    "B_DROPSHIPPER_DELIVERY_ADDRESS_CPF_NOT_MATCH": SupplierErrorKind.INVALID_ADDRESS,
    "INVENTORY_HOLD_ERROR": SupplierErrorKind.OUT_OF_STOCK,
    "OUT_OF_STOCK": SupplierErrorKind.OUT_OF_STOCK,
    "DELIVERY_METHOD_NOT_EXIST": SupplierErrorKind.DELIVERY_NOT_AVAILABLE,
    "DELIVERY_NOT_AVAILABLE_TO_YOUR_ADDRESS": SupplierErrorKind.DELIVERY_NOT_AVAILABLE,
    "DELIVERY_INFO_EMPTY": SupplierErrorKind.PRODUCT_NOT_FOUND,
    "ITEM_ID_NOT_FOUND": SupplierErrorKind.PRODUCT_NOT_FOUND,
    "ITEM_NOT_ALLOWED_TO_COUNTRY": SupplierErrorKind.DELIVERY_NOT_AVAILABLE,
    "ORDER_NOT_FOUND": SupplierErrorKind.ORDER_NOT_FOUND,
    "PRICE_PAY_CURRENCY_ERROR": SupplierErrorKind.PAYMENT,
    "BLACKLIST_BUYER_IN_LIST": SupplierErrorKind.REJECTED,
    "USER_ACCOUNT_DISABLED": SupplierErrorKind.AUTH,
    "A006_INVALID_ACCOUNT_INFO": SupplierErrorKind.AUTH,
}

_MERCHANT_MESSAGES: dict[SupplierErrorKind, str] = {
    SupplierErrorKind.ALREADY_PLACED: "AliExpress already has an order for this request",
    SupplierErrorKind.INVALID_ADDRESS: "AliExpress rejected the shipping address",
    SupplierErrorKind.OUT_OF_STOCK: "The item is out of stock at the seller",
    SupplierErrorKind.DELIVERY_NOT_AVAILABLE: "The seller does not ship this item to that address with that method",
    SupplierErrorKind.PRODUCT_NOT_FOUND: "AliExpress does not know this product (removed or wrong id)",
    SupplierErrorKind.ORDER_NOT_FOUND: "AliExpress does not know this order id",
    SupplierErrorKind.AUTH: "AliExpress refused our credentials: reconnect the AliExpress account",
    SupplierErrorKind.RATE_LIMITED: "AliExpress is limiting our calls: try again in a moment",
    SupplierErrorKind.TRANSIENT: "AliExpress did not answer properly: try again later",
    SupplierErrorKind.PAYMENT: "AliExpress could not take the payment",
    SupplierErrorKind.REJECTED: "AliExpress refused the request",
}

# Words in AliExpress address messages → the field of our ShippingAddress the merchant must fix.
_ADDRESS_FIELDS: list[tuple[str, str]] = [
    (r"\bcity\b", "city"),
    (r"\b(province|state|region)\b", "province"),
    (r"\b(zip|post ?code|postal)", "zip"),
    (r"\b(phone|mobile)\b", "phone"),
    (r"\b(contact|full ?name|recipient|name)\b", "name"),
    (r"\bcountry\b", "country_code"),
    (r"\bcpf\b", "tax_number"),
    (r"\b(address2|apartment)\b", "address2"),
    (r"\b(address|street)\b", "address1"),
]


def address_field(message: str) -> str | None:
    """Which address field an AliExpress message is about, e.g. "Please enter a city" → "city"."""
    lowered = message.lower()
    for pattern, field in _ADDRESS_FIELDS:
        if re.search(pattern, lowered):
            return field
    return None


def business_error(code: str, message: str) -> SupplierError:
    """A refusal reported inside a successful envelope (order create, product get, freight query)."""
    kind = _BUSINESS_KINDS.get(code)
    if kind is None:
        kind = _kind_from_words(f"{code} {message}")
    field = address_field(message) if kind is SupplierErrorKind.INVALID_ADDRESS else None
    text = _MERCHANT_MESSAGES[kind]
    if kind is SupplierErrorKind.INVALID_ADDRESS and field:
        text = f"{text}: check the {field.replace('_', ' ')} ({message})"
    elif message:
        text = f"{text}: {message}"
    return _counted(SupplierError(kind, text, supplier_code=code, supplier_message=message, field=field))


def platform_error(payload: Mapping[str, Any]) -> SupplierError:
    """An `error_response` (or a failing system-API body): auth, limits, bad calls, outages."""
    code = str(payload.get("code") or "")
    sub_code = str(payload.get("sub_code") or "")
    message = str(payload.get("sub_msg") or payload.get("msg") or payload.get("message") or code)
    error_type = str(payload.get("type") or "")
    if code in _RATE_LIMIT_CODES or sub_code.startswith("isv.api-call-limit"):
        kind = SupplierErrorKind.RATE_LIMITED
    elif code in _AUTH_CODES or sub_code in _AUTH_SUB_CODES:
        kind = SupplierErrorKind.AUTH
    elif code in _TRANSIENT_CODES or error_type == "ISP" or sub_code.startswith("isp."):
        kind = SupplierErrorKind.TRANSIENT
    elif sub_code in _BUSINESS_KINDS or code in _BUSINESS_KINDS:
        return business_error(sub_code if sub_code in _BUSINESS_KINDS else code, message)
    else:
        kind = SupplierErrorKind.REJECTED
    supplier_code = f"{code}:{sub_code}" if sub_code else code
    return _counted(SupplierError(kind, f"{_MERCHANT_MESSAGES[kind]}: {message}", supplier_code=supplier_code,
                                  supplier_message=message))


def http_status_error(status_code: int, body: str) -> SupplierError:
    """A non-2xx answer without a usable error body: 5xx and 429 are transient, the rest a refusal."""
    if status_code == 429:
        kind = SupplierErrorKind.RATE_LIMITED
    elif status_code >= 500:
        kind = SupplierErrorKind.TRANSIENT
    else:
        kind = SupplierErrorKind.REJECTED
    excerpt = body[:200]
    return _counted(SupplierError(kind, f"{_MERCHANT_MESSAGES[kind]} (HTTP {status_code})",
                                  supplier_code=f"HTTP_{status_code}", supplier_message=excerpt or None))


def transport_error(exc: httpx.HTTPError) -> SupplierError:
    """No answer at all (timeout, refused connection, broken response): the outcome is unknown."""
    name = type(exc).__name__
    return _counted(SupplierError(SupplierErrorKind.TRANSIENT,
                                  f"{_MERCHANT_MESSAGES[SupplierErrorKind.TRANSIENT]} ({name})",
                                  supplier_code=name, supplier_message=str(exc) or name))


def _counted(error: SupplierError) -> SupplierError:
    # Every error from the platform is made by one of the functions above, once: the one place to count it.
    metrics.supplier_error(error.kind)
    return error


def _kind_from_words(text: str) -> SupplierErrorKind:
    lowered = text.lower()
    if "stock" in lowered or "inventory" in lowered:
        return SupplierErrorKind.OUT_OF_STOCK
    if "address" in lowered:
        return SupplierErrorKind.INVALID_ADDRESS
    if "not allowed to this country" in lowered or "delivery" in lowered:
        return SupplierErrorKind.DELIVERY_NOT_AVAILABLE
    if "system error" in lowered:
        return SupplierErrorKind.TRANSIENT
    return SupplierErrorKind.REJECTED
