"""AliExpress error payloads → SupplierError kinds, with the supplier's words kept."""

import pytest

from ordercenter.adapters.aliexpress.errors import address_field, business_error, platform_error
from ordercenter.adapters.ports import SupplierErrorKind


@pytest.mark.parametrize(("message", "field"), [
    ("Please enter a city", "city"), ("Please enter a ZIP/postal code", "zip"),
    ("Please enter a province/state", "province"), ("Please enter a street address", "address1"),
    ("Please enter the contact person as first and last name", "name"), ("Something else", None),
])
def test_address_messages_name_the_field_to_fix(message: str, field: str | None) -> None:
    assert address_field(message) == field


@pytest.mark.parametrize(("code", "kind"), [
    ("REPEATED_ORDER_ERROR", SupplierErrorKind.ALREADY_PLACED),
    ("INVENTORY_HOLD_ERROR", SupplierErrorKind.OUT_OF_STOCK),
    ("DELIVERY_METHOD_NOT_EXIST", SupplierErrorKind.DELIVERY_NOT_AVAILABLE),
    ("DELIVERY_NOT_AVAILABLE_TO_YOUR_ADDRESS", SupplierErrorKind.DELIVERY_NOT_AVAILABLE),
    ("ITEM_ID_NOT_FOUND", SupplierErrorKind.PRODUCT_NOT_FOUND),
    ("A001_ORDER_CANNOT_BE_PLACED", SupplierErrorKind.REJECTED),
])
def test_business_codes_map_to_kinds_the_merchant_can_act_on(code: str, kind: SupplierErrorKind) -> None:
    error = business_error(code, "as AliExpress said it")

    assert (error.kind, error.supplier_code, error.supplier_message) == (kind, code, "as AliExpress said it")


@pytest.mark.parametrize(("payload", "kind"), [
    ({"type": "ISV", "code": "IncompleteSignature", "msg": "bad sign"}, SupplierErrorKind.AUTH),
    ({"type": "ISP", "code": "ApiCallLimit", "msg": "too fast"}, SupplierErrorKind.RATE_LIMITED),
    ({"type": "ISV", "code": "15", "sub_code": "isv.insufficient-permission", "msg": "no"}, SupplierErrorKind.AUTH),
    ({"type": "ISP", "code": "15", "sub_code": "isp.service-unavailable", "msg": "down"}, SupplierErrorKind.TRANSIENT),
    ({"type": "ISV", "code": "InvalidApiPath", "msg": "no such API"}, SupplierErrorKind.REJECTED),
    ({"type": "ISV", "code": "15", "sub_code": "ORDER_NOT_FOUND", "sub_msg": "gone"},
     SupplierErrorKind.ORDER_NOT_FOUND),
])
def test_platform_errors_map_to_kinds(payload: dict[str, str], kind: SupplierErrorKind) -> None:
    assert platform_error(payload).kind is kind
