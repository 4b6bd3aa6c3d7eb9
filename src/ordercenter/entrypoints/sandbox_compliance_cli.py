"""`ordercenter sandbox store compliance …` and `… uninstall`: the sandbox store sends the privacy webhooks a
public app must answer, or uninstalls the app, signed like every other webhook."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from ordercenter.entrypoints.sandbox_cli import DEFAULT_DATA_DIR, DataDirOption, UrlOption, _store, out


class ComplianceTopic(StrEnum):
    DATA_REQUEST = "customers/data_request"
    CUSTOMER_REDACT = "customers/redact"
    SHOP_REDACT = "shop/redact"


def store_compliance(
    topic: Annotated[ComplianceTopic, typer.Argument(help="Which privacy webhook to send")],
    customer: Annotated[str | None, typer.Option(help="The customer's e-mail address (customers/… topics)")] = None,
    callback_url: Annotated[str | None, typer.Option(help="Where to send it (default: where the shop's "
                                                          "webhooks go)")] = None,
    data_dir: DataDirOption = DEFAULT_DATA_DIR, url: UrlOption = None,
) -> None:
    """Send a privacy webhook (a customer's data request or erasure, or the shop's erasure) to Order Center."""
    if topic is not ComplianceTopic.SHOP_REDACT and not customer:
        raise typer.BadParameter(f"{topic.value} is about one customer: give --customer EMAIL",
                                 param_hint="--customer")
    body: dict[str, Any] = {k: v for k, v in (("customer", customer), ("callback_url", callback_url)) if v}
    sent = _store(data_dir, url).call("POST", f"/compliance/{topic.value}", body)
    payload = sent["payload"]
    orders = payload.get("orders_requested", payload.get("orders_to_redact"))
    about = f" about customer {payload['customer']['id']} ({len(orders)} orders)" if "customer" in payload else ""
    out.print(f"sent {sent['topic']}{about} to {sent['callback_url']}")


def store_uninstall(data_dir: DataDirOption = DEFAULT_DATA_DIR, url: UrlOption = None) -> None:
    """Uninstall the app from the sandbox store: app/uninstalled is sent and the shop's webhooks stop."""
    done = _store(data_dir, url).call("POST", "/uninstall", {})
    out.print(f"uninstalled from {done['shop']}: app/uninstalled sent to {len(done['sent'])} subscriber(s), "
              f"{done['subscriptions_dropped']} webhook subscription(s) dropped")
