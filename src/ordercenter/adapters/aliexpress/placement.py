"""Our `PlacementRequest` → the parameters of `aliexpress.ds.order.create`."""

from __future__ import annotations

from typing import Any

from ordercenter.adapters.ports import PlacementRequest
from ordercenter.domain.addresses import ShippingAddress

# International calling codes of the countries we ship to most; AliExpress wants the code apart
# from the number (`phone_country` + `mobile_no`).
_CALLING_CODES = {
    "US": "1", "CA": "1", "GB": "44", "IE": "353", "DE": "49", "FR": "33", "ES": "34", "IT": "39",
    "NL": "31", "BE": "32", "AT": "43", "CH": "41", "PL": "48", "PT": "351", "SE": "46", "NO": "47",
    "DK": "45", "FI": "358", "AU": "61", "NZ": "64", "BR": "55", "MX": "52", "JP": "81", "KR": "82",
    "IL": "972", "AE": "971", "SA": "966", "ZA": "27", "CL": "56", "CO": "57",
}


def split_phone(phone: str, country_code: str) -> tuple[str, str]:
    """(`phone_country` like "+1", `mobile_no` digits) from a store phone such as "+1 (555) 010-0199"."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    calling = _CALLING_CODES.get(country_code.upper(), "")
    if phone.strip().startswith("+") and calling and digits.startswith(calling):
        return f"+{calling}", digits[len(calling):]
    if phone.strip().startswith("00") and calling and digits[2:].startswith(calling):
        return f"+{calling}", digits[2 + len(calling):]
    return (f"+{calling}" if calling else ""), digits


def logistics_address(address: ShippingAddress) -> dict[str, str]:
    """The `logistics_address` object; empty values left out (the platform rejects empty strings)."""
    country = (address.country_code or address.country).upper()
    phone_country, mobile = split_phone(address.phone, country)
    fields = {
        "address": address.address1,
        "address2": address.address2,
        "city": address.city,
        # AliExpress requires a province; countries without one (FR, DE, GB…) are sent the city, as
        # the AliExpress checkout itself does for them.
        "province": address.province or address.province_code or address.city,
        "country": country,
        "zip": address.zip,
        "contact_person": address.full_name,
        "full_name": address.full_name,
        "mobile_no": mobile,
        "phone_country": phone_country,
        "locale": "en_US",
        "cpf": address.tax_number or "" if country == "BR" else "",
    }
    return {key: value.strip() for key, value in fields.items() if value and value.strip()}


def order_create_params(request: PlacementRequest, *, pay_currency: str = "USD") -> dict[str, Any]:
    """Both JSON parameters of order create, keyed by their form-field names."""
    items = []
    for item in request.items:
        entry: dict[str, Any] = {"product_id": item.product_id, "product_count": item.quantity,
                                 "sku_attr": item.sku_attr}
        if item.shipping_method:
            entry["logistics_service_name"] = item.shipping_method
        if item.memo:
            entry["order_memo"] = item.memo
        items.append(entry)
    order = {"out_order_id": request.out_order_id, "logistics_address": logistics_address(request.address),
             "product_items": items}
    extend = {"payment": {"pay_currency": pay_currency, "try_to_pay": "true" if request.auto_pay else "false"}}
    return {"param_place_order_request4_open_api_d_t_o": order, "ds_extend_request": extend}
