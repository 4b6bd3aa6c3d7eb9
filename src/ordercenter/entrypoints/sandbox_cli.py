"""`ordercenter sandbox …`: the operator controls of a running demo's sandbox store and supplier.

A thin HTTP client of the sandboxes' operator APIs (`/_operator/…`): it stands in for the merchant
clicking in the Shopify admin, for the AliExpress seller and for the platforms' bad days. The URLs
come from `DIR/demo.json`, written by `ordercenter demo`, or from `--url`; the operator token the demo's
sandboxes ask for comes from demo.json too (or, before it is written, from the folder's demo-secrets.json).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ordercenter.entrypoints.cli_context import CliError

DEMO_SECRETS_FILE = "demo-secrets.json"  # written by `ordercenter demo` (entrypoints/demo.py) beside demo.json

sandbox_app = typer.Typer(help="Operator controls of the demo's sandbox store and supplier (a running "
                               "'ordercenter demo').", no_args_is_help=True)
store_app = typer.Typer(help="The sandbox Shopify store: orders, the merchant's clicks, faults, webhooks.",
                        no_args_is_help=True)
store_orders_app = typer.Typer(help="Orders on the sandbox store.", no_args_is_help=True)
supplier_app = typer.Typer(help="The sandbox AliExpress supplier: the seller's side, its clock and faults.",
                           no_args_is_help=True)
sandbox_app.add_typer(store_app, name="store")
sandbox_app.add_typer(supplier_app, name="supplier")
store_app.add_typer(store_orders_app, name="orders")

out = Console()
DataDirOption = Annotated[Path, typer.Option(help="The demo's folder, holding demo.json")]
UrlOption = Annotated[str | None, typer.Option("--url", help="Operator URL instead of the one in demo.json "
                                                             "(…/sandbox/shopify/_operator or …/aliexpress/_operator)")]
OrderArgument = Annotated[str, typer.Argument(help="The store order's name (#1005) or numeric id")]
SupplierOrderArgument = Annotated[str, typer.Argument(help="The supplier order id (see 'sandbox supplier orders')")]
DEFAULT_DATA_DIR = Path("data/demo")
TIMEOUT_SECONDS = 30.0


def _fail(message: str) -> CliError:
    return CliError(message)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


class Operator:
    """One sandbox's operator API: JSON in, JSON out, every failure a one-line `CliError`."""

    def __init__(self, what: str, url: str, shop: str | None = None, token: str | None = None) -> None:
        self.what, self.url, self.shop, self.token = what, url.rstrip("/"), shop, token

    @classmethod
    def locate(cls, key: str, what: str, data_dir: Path, url: str | None) -> Operator:
        if url:
            return cls(what, url, token=_operator_token(data_dir))
        path = data_dir / "demo.json"
        try:
            info = json.loads(path.read_text())
            section = info[key]
            return cls(what, str(section["operator_url"]), section.get("shop_domain"),
                       info.get("operator_token") or _operator_token(data_dir))
        except FileNotFoundError:
            raise _fail(f"no {path}: start the demo with 'ordercenter demo --data-dir {data_dir}', "
                        f"or pass --data-dir or --url") from None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise _fail(f"{path} has no {key}.operator_url ({_one_line(str(error))}); "
                        f"restart the demo or pass --url") from None

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        params = {"shop": self.shop} if self.shop else None
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else None
        try:
            with httpx.Client(timeout=TIMEOUT_SECONDS) as client:
                response = client.request(method, self.url + path, json=body, params=params, headers=headers)
        except httpx.HTTPError as error:
            reason = _one_line(str(error)) or type(error).__name__
            raise _fail(f"cannot reach the sandbox {self.what} at {self.url} ({reason}); is the demo running?") \
                from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.is_error:
            detail = data.get("message") or data.get("error") if isinstance(data, dict) else None
            if detail:
                raise _fail(f"the sandbox {self.what} refused: {_one_line(str(detail))}")
            raise _fail(f"{self.url}{path} answered HTTP {response.status_code} {response.reason_phrase}: "
                        f"is {self.url} the sandbox {self.what}'s operator URL (ending in /_operator)?")
        if data is None:
            raise _fail(f"{self.url} did not answer JSON: is it the sandbox {self.what}'s operator URL?")
        return data


def _operator_token(data_dir: Path) -> str | None:
    """The demo's operator token from its folder, if the folder holds a demo (demo.json, or its secrets file)."""
    for name, key in (("demo.json", "operator_token"), (DEMO_SECRETS_FILE, "operator_token")):
        try:
            token = json.loads((data_dir / name).read_text()).get(key)
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(token, str) and token:
            return token
    return None


def _store(data_dir: Path, url: str | None) -> Operator:
    return Operator.locate("sandbox_store", "store", data_dir, url)


def _supplier(data_dir: Path, url: str | None) -> Operator:
    return Operator.locate("sandbox_supplier", "supplier", data_dir, url)


def _decimal(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise typer.BadParameter(f"'{value}' is not an amount like 12.50") from None
    if not amount.is_finite() or amount <= 0:
        raise typer.BadParameter("the amount must be more than 0")
    return str(amount)


# ------------------------------------------------------------------------------------------ store


def _store_order_id(store: Operator, reference: str) -> int:
    """The numeric id of an order given by name (#1005, 1005) or by id, looked up in the store's list."""
    orders: list[dict[str, Any]] = store.call("GET", "/orders")
    wanted = reference.strip()
    for order in orders:
        if str(order["id"]) == wanted or order["name"] in (wanted, "#" + wanted.lstrip("#")):
            return int(order["id"])
    raise _fail(f"no order {wanted} on the sandbox store (see 'ordercenter sandbox store orders list')")


def _state(order: dict[str, Any]) -> str:
    parts = [order["financial_status"], order["fulfillment_status"] or "unfulfilled"]
    return ", ".join(parts) + (", cancelled" if order.get("cancelled_at") else "")


@store_orders_app.command("create")
def store_orders_create(
    count: Annotated[int, typer.Option(min=1, max=200, help="How many orders")] = 1,
    pending: Annotated[bool, typer.Option("--pending", help="Not paid yet (payment pending)")] = False,
    no_address: Annotated[bool, typer.Option("--no-address", help="Without a shipping address")] = False,
    data_dir: DataDirOption = DEFAULT_DATA_DIR, url: UrlOption = None,
) -> None:
    """Create realistic random orders on the store (paid unless --pending); the webhooks go out as usual."""
    body: dict[str, Any] = {"count": count, "financial_status": "pending" if pending else "paid"}
    if no_address:
        body["with_shipping_address"] = False
    orders: list[dict[str, Any]] = _store(data_dir, url).call("POST", "/orders", body)
    out.print(f"created {_count(len(orders), 'order')}: "
              + ", ".join(o["name"] for o in orders))


@store_orders_app.command("list")
def store_orders_list(limit: Annotated[int, typer.Option(min=1, max=1000, help="Newest first, at most")] = 50,
                      data_dir: DataDirOption = DEFAULT_DATA_DIR, url: UrlOption = None) -> None:
    """List the store's orders, newest first, with their payment and fulfilment state."""
    orders: list[dict[str, Any]] = _store(data_dir, url).call("GET", "/orders")
    shown = sorted(orders, key=lambda o: int(o["order_number"]), reverse=True)[:limit]
    table = Table("order", "id", "created", "customer", "total", "state",
                  title=_count(len(orders), "order") + " on the store")
    for order in shown:
        customer = order.get("customer") or {}
        name = f"{customer.get('first_name') or ''} {customer.get('last_name') or ''}".strip()
        table.add_row(order["name"], str(order["id"]), str(order["created_at"])[:16].replace("T", " "),
                      name or (order.get("email") or ""), f"{order['total_price']} {order['currency']}",
                      _state(order))
    out.print(table)


@store_app.command("pay")
def store_pay(order: OrderArgument, data_dir: DataDirOption = DEFAULT_DATA_DIR, url: UrlOption = None) -> None:
    """Mark a pending order paid (orders/paid webhook)."""
    store = _store(data_dir, url)
    result = store.call("POST", f"/orders/{_store_order_id(store, order)}/mark_paid")
    out.print(f"{result['name']} is {_state(result)}")


@store_app.command("cancel")
def store_cancel(order: OrderArgument,
                 refund: Annotated[bool, typer.Option("--refund", help="Refund the payment too")] = False,
                 data_dir: DataDirOption = DEFAULT_DATA_DIR, url: UrlOption = None) -> None:
    """Cancel an order on the store, as the merchant or the customer would (orders/cancelled webhook)."""
    store = _store(data_dir, url)
    result = store.call("POST", f"/orders/{_store_order_id(store, order)}/cancel", {"refund": refund})
    out.print(f"{result['name']} is {_state(result)}")


@store_app.command("refund")
def store_refund(order: OrderArgument,
                 amount: Annotated[str | None, typer.Option(help="Amount to refund (default: everything left)",
                                                            callback=_decimal)] = None,
                 data_dir: DataDirOption = DEFAULT_DATA_DIR, url: UrlOption = None) -> None:
    """Refund an order on the store, in full or --amount of it (refunds/create webhook)."""
    store = _store(data_dir, url)
    order_id = _store_order_id(store, order)
    body = {"amount": amount} if amount is not None else {}
    store.call("POST", f"/orders/{order_id}/refund", body)
    after: dict[str, Any] = store.call("GET", f"/orders/{order_id}")
    out.print(f"refunded {after['name']}: {_state(after)}, {after['current_total_price']} {after['currency']} left")


@store_app.command("fulfil")
def store_fulfil(order: OrderArgument,
                 tracking: Annotated[str | None, typer.Option(help="Tracking number on the fulfilment")] = None,
                 carrier: Annotated[str | None, typer.Option(help="Tracking company")] = None,
                 data_dir: DataDirOption = DEFAULT_DATA_DIR, url: UrlOption = None) -> None:
    """Fulfil an order on the store "by mistake", as a click in the Shopify admin before anything was ordered."""
    store = _store(data_dir, url)
    body = {k: v for k, v in (("tracking_number", tracking), ("tracking_company", carrier)) if v}
    result = store.call("POST", f"/orders/{_store_order_id(store, order)}/fulfil", body)
    out.print(f"{result['name']} is {_state(result)} on the store")


@store_app.command("faults")
def store_faults(
    latency: Annotated[float | None, typer.Option(min=0, help="Seconds added before every Admin API answer")] = None,
    fail_next: Annotated[int | None, typer.Option(min=0, help="The next N API calls answer HTTP 503")] = None,
    throttle_next: Annotated[int | None, typer.Option(min=0, help="The next N API calls are THROTTLED")] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Clear every fault first")] = False,
    data_dir: DataDirOption = DEFAULT_DATA_DIR, url: UrlOption = None,
) -> None:
    """Make the store's Admin API misbehave (latency, 5xx, throttling); without options, show the settings."""
    store = _store(data_dir, url)
    if reset:
        store.call("POST", "/faults/reset")
    changes = {name: value for name, value in (("latency_seconds", latency), ("fail_next", fail_next),
                                               ("throttle_next", throttle_next)) if value is not None}
    settings: dict[str, Any] = store.call("PUT", "/faults", changes) if changes else store.call("GET", "/faults")
    out.print(f"store faults: latency {settings['latency_seconds']}s, next {settings['fail_next']} calls fail "
              f"({settings['fail_status']}), next {settings['throttle_next']} throttled, "
              f"next {settings['drop_next']} dropped")


@store_app.command("webhooks")
def store_webhooks(
    duplicate: Annotated[bool | None, typer.Option("--duplicate/--no-duplicate", help="Send each one twice")] = None,
    delay: Annotated[float | None, typer.Option(min=0, help="Seconds to hold each one")] = None,
    reorder: Annotated[bool | None, typer.Option("--reorder/--no-reorder", help="Send in pairs, reversed")] = None,
    drop: Annotated[bool | None, typer.Option("--drop/--no-drop", help="Never send them")] = None,
    data_dir: DataDirOption = DEFAULT_DATA_DIR, url: UrlOption = None,
) -> None:
    """Make the store's webhooks misbehave (duplicates, delays, out of order, lost); without options, show them."""
    store = _store(data_dir, url)
    changes = {name: value for name, value in (("duplicate", duplicate), ("delay_seconds", delay),
                                               ("reorder", reorder), ("drop", drop)) if value is not None}
    options: dict[str, Any] = (store.call("PUT", "/webhooks/options", changes) if changes
                               else store.call("GET", "/webhooks/options"))
    out.print(f"store webhooks: duplicate {_yes(options['duplicate'])}, delay {options['delay_seconds']}s, "
              f"reorder {_yes(options['reorder'])}, drop {_yes(options['drop'])}")


def _yes(flag: object) -> str:
    return "on" if flag else "off"


# --------------------------------------------------------------------------------------- supplier


class SupplierFault(StrEnum):
    TIMEOUT_AFTER_COMMIT = "timeout_after_commit"
    SERVER_ERROR = "server_error"
    RATE_LIMIT = "rate_limit"
    SLOW = "slow"
    CLEAR = "clear"


def _tracking_numbers(order: dict[str, Any]) -> list[str]:
    packages = order.get("logistics_info_list", {}).get("ae_order_logistics_info", [])
    return [str(p["logistics_no"]) for p in packages]


def _show_supplier_order(order: dict[str, Any]) -> None:
    numbers = _tracking_numbers(order)
    states = dict.fromkeys((order["order_status"], order["logistics_status"]))  # often the same words twice
    out.print(f"supplier order {order['order_id']}: {', '.join(states)}"
              + (f", tracking {', '.join(numbers)}" if numbers else ""))


@supplier_app.command("orders")
def supplier_orders(data_dir: DataDirOption = DEFAULT_DATA_DIR, url: UrlOption = None) -> None:
    """List the supplier's orders (placed by Order Center) with status and tracking."""
    orders: list[dict[str, Any]] = _supplier(data_dir, url).call("GET", "/orders")["orders"]
    table = Table(title=_count(len(orders), "supplier order"))
    for column in ("id", "our ref", "seller", "amount", "status", "tracking"):
        table.add_column(column, no_wrap=column in ("id", "tracking"))
    for order in orders:
        amount = order["order_amount"]
        table.add_row(order["order_id"], order.get("out_order_id") or "", order["store_info"]["store_name"],
                      f"{amount['amount']} {amount['currency_code']}", order["order_status"],
                      "\n".join(_tracking_numbers(order)))
    out.print(table)


def _supplier_action(action: str, order_id: str, data_dir: Path, url: str | None,
                     body: dict[str, Any] | None = None) -> None:
    _show_supplier_order(_supplier(data_dir, url).call("POST", f"/orders/{order_id.strip()}/{action}", body))


@supplier_app.command("pay")
def supplier_pay(order_id: SupplierOrderArgument, data_dir: DataDirOption = DEFAULT_DATA_DIR,
                 url: UrlOption = None) -> None:
    """Pay a supplier order awaiting payment, as if paid on AliExpress."""
    _supplier_action("pay", order_id, data_dir, url)


@supplier_app.command("ship")
def supplier_ship(order_id: SupplierOrderArgument,
                  tracking: Annotated[str | None, typer.Option(help="Tracking number (default: a random one)")] = None,
                  carrier: Annotated[str, typer.Option(help="Carrier")] = "Cainiao",
                  data_dir: DataDirOption = DEFAULT_DATA_DIR, url: UrlOption = None) -> None:
    """The seller ships a paid order: a package with a tracking number."""
    body: dict[str, Any] = {"carrier": carrier} | ({"tracking_number": tracking} if tracking else {})
    _supplier_action("ship", order_id, data_dir, url, body)


@supplier_app.command("deliver")
def supplier_deliver(order_id: SupplierOrderArgument, data_dir: DataDirOption = DEFAULT_DATA_DIR,
                     url: UrlOption = None) -> None:
    """The carrier delivers a shipped order."""
    _supplier_action("deliver", order_id, data_dir, url)


@supplier_app.command("complete")
def supplier_complete(order_id: SupplierOrderArgument, data_dir: DataDirOption = DEFAULT_DATA_DIR,
                      url: UrlOption = None) -> None:
    """The buyer confirms receipt: the supplier order is finished."""
    _supplier_action("complete", order_id, data_dir, url)


@supplier_app.command("advance-clock")
def supplier_advance_clock(days: Annotated[float, typer.Option(min=0, help="Days forward")] = 0,
                           hours: Annotated[float, typer.Option(min=0, help="Hours forward")] = 0,
                           data_dir: DataDirOption = DEFAULT_DATA_DIR, url: UrlOption = None) -> None:
    """Move the supplier's time forward (payment deadlines, seller answers, auto-completion fall due)."""
    if days == 0 and hours == 0:
        raise _fail("say how far: --days and/or --hours")
    now = _supplier(data_dir, url).call("POST", "/clock/advance", {"days": days, "hours": hours})["now"]
    out.print(f"supplier clock is now {now}")


@supplier_app.command("silent")
def supplier_silent(off: Annotated[bool, typer.Option("--off", help="Sellers answer again")] = False,
                    data_dir: DataDirOption = DEFAULT_DATA_DIR, url: UrlOption = None) -> None:
    """Sellers stop answering messages, cancellations and disputes (until --off)."""
    silent = _supplier(data_dir, url).call("POST", "/seller/silent", {"silent": not off})["silent"]
    out.print("sellers are silent: nothing gets an answer" if silent else "sellers answer again")


@supplier_app.command("faults")
def supplier_faults(
    kind: Annotated[SupplierFault, typer.Argument(help="What the next calls suffer; 'clear' removes every fault")],
    method: Annotated[str | None, typer.Option(help="Only this API method, e.g. aliexpress.ds.order.create")] = None,
    times: Annotated[int, typer.Option(min=1, help="How many calls")] = 1,
    data_dir: DataDirOption = DEFAULT_DATA_DIR, url: UrlOption = None,
) -> None:
    """Make the supplier's API fail: timeout after committing, HTTP 502, rate limit, or slow answers."""
    supplier = _supplier(data_dir, url)
    if kind is SupplierFault.CLEAR:
        supplier.call("DELETE", "/faults")
        out.print("supplier faults cleared")
        return
    supplier.call("POST", "/faults", {"kind": kind.value, "method": method, "times": times})
    out.print(f"the next {_count(times, 'call')} to {method or 'any method'} get {kind.value}")


# ------------------------------------------------------------------- supplier: the after-sale desk


class DisputeDecider(StrEnum):
    SELLER = "seller"
    PLATFORM = "platform"


def _ms_time(value: object) -> str:
    """An operator timestamp (epoch milliseconds) as 'YYYY-MM-DD HH:MM UTC'."""
    if not isinstance(value, int | float):
        return "-"
    return datetime.fromtimestamp(value / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _show_cancellation(record: dict[str, Any]) -> None:
    note = f": {record['note']}" if record.get("note") else ""
    out.print(f"cancellation {record['cancellation_id']} of order {record['order_id']} is "
              f"{str(record['status']).lower()}{note}", markup=False, highlight=False)


def _show_dispute(record: dict[str, Any]) -> None:
    refund = record.get("refund_amount") or {}
    amount = f", refund {refund['amount']} {refund['currency_code']}" if refund.get("amount") else ""
    by = f" (decided by the {record['decided_by']})" if record.get("decided_by") else ""
    out.print(f"dispute {record['dispute_id']} of order {record['order_id']} is {record['status']}{by}{amount}",
              markup=False, highlight=False)
    if record.get("return_instructions"):
        out.print(f"return instructions: {record['return_instructions']}", markup=False, highlight=False,
                  soft_wrap=True)


@supplier_app.command("cancellation")
def supplier_cancellation(
    cancellation_id: Annotated[str, typer.Argument(help="The supplier's cancellation id (see 'sandbox supplier "
                                                        "after-sale ORDER_ID')")],
    approve: Annotated[bool | None, typer.Option("--approve/--reject", help="The seller's decision (neither: the "
                                                 "seller's rule, approve unless shipped)")] = None,
    note: Annotated[str, typer.Option(help="The seller's words")] = "",
    data_dir: DataDirOption = DEFAULT_DATA_DIR, url: UrlOption = None,
) -> None:
    """The seller decides a cancellation request now."""
    body: dict[str, Any] = {"note": note} | ({} if approve is None else {"approve": approve})
    _show_cancellation(_supplier(data_dir, url).call("POST", f"/cancellations/{cancellation_id.strip()}/decide", body))


@supplier_app.command("dispute")
def supplier_dispute(
    dispute_id: Annotated[str, typer.Argument(help="The supplier's dispute id (see 'sandbox supplier after-sale')")],
    accept: Annotated[bool | None, typer.Option("--accept/--reject", help="Agree to the refund (a return and "
                                                "refund gets return instructions) or refuse it")] = None,
    by: Annotated[DisputeDecider, typer.Option(help="Who decides: the seller, or the platform after "
                                                    "escalation")] = DisputeDecider.SELLER,
    refund_amount: Annotated[str | None, typer.Option(help="Agree to this amount instead of the one asked",
                                                      callback=_decimal)] = None,
    note: Annotated[str, typer.Option(help="The seller's or the platform's words")] = "",
    data_dir: DataDirOption = DEFAULT_DATA_DIR, url: UrlOption = None,
) -> None:
    """The seller (or the platform) accepts or rejects a return/refund request (dispute)."""
    if accept is None:
        raise _fail("say --accept or --reject")
    body: dict[str, Any] = {"accept": accept, "by": by.value, "note": note}
    if refund_amount is not None:
        body["refund_amount"] = refund_amount
    _show_dispute(_supplier(data_dir, url).call("POST", f"/disputes/{dispute_id.strip()}/decide", body))


@supplier_app.command("refund-dispute")
def supplier_refund_dispute(
    dispute_id: Annotated[str, typer.Argument(help="The supplier's dispute id")],
    data_dir: DataDirOption = DEFAULT_DATA_DIR, url: UrlOption = None,
) -> None:
    """The agreed refund of a dispute is paid out."""
    _show_dispute(_supplier(data_dir, url).call("POST", f"/disputes/{dispute_id.strip()}/refund"))


@supplier_app.command("reply")
def supplier_reply(order_id: SupplierOrderArgument,
                   text: Annotated[str, typer.Argument(help="What the seller writes")],
                   data_dir: DataDirOption = DEFAULT_DATA_DIR, url: UrlOption = None) -> None:
    """The seller writes on an order's thread (answering every message waiting there)."""
    if not text.strip():
        raise _fail("the seller's message is empty")
    message = _supplier(data_dir, url).call("POST", f"/orders/{order_id.strip()}/seller-messages", {"text": text})
    out.print(f"the seller wrote on order {message['order_id']} (message {message['message_id']})")


@supplier_app.command("after-sale")
def supplier_after_sale(order_id: SupplierOrderArgument, data_dir: DataDirOption = DEFAULT_DATA_DIR,
                        url: UrlOption = None) -> None:
    """An order's cancellations, disputes and messages, as the seller sees them."""
    order = _supplier(data_dir, url).call("GET", f"/orders/{order_id.strip()}")
    _show_supplier_order(order)
    cancellations, disputes, messages = order["cancellations"], order["disputes"], order["messages"]
    if not (cancellations or disputes or messages):
        out.print("nothing after the sale yet: no cancellation, dispute or message")
    if cancellations:
        table = Table("cancellation", "requested", "status", "reason", "note", title="cancellations")
        for c in cancellations:
            table.add_row(c["cancellation_id"], _ms_time(c.get("requested_at")), str(c["status"]).lower(),
                          Text(str(c.get("reason") or "")), Text(str(c.get("note") or "")))
        out.print(table)
    if disputes:
        table = Table("dispute", "opened", "type", "status", "asked", "refund", title="disputes")
        for d in disputes:
            asked, refund = d["refund_amount_requested"], d.get("refund_amount") or {}
            table.add_row(d["dispute_id"], _ms_time(d.get("opened_at")), d["dispute_type"], d["status"],
                          f"{asked['amount']} {asked['currency_code']}",
                          f"{refund['amount']} {refund['currency_code']}" if refund.get("amount") else "")
        out.print(table)
    if messages:
        table = Table("message", "at", "from", "text", title="messages")
        for m in messages:
            table.add_row(m["message_id"], _ms_time(m.get("gmt_create")), m["sender"], Text(str(m["content"])))
        out.print(table)
