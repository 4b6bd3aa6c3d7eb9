"""Turning page data into HTML: the Jinja2 environment, its filters (times in the shop's zone, money
with its symbol, stage badges in words), versioned static URLs, and the one `page` helper every
route renders with."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape
from starlette.responses import HTMLResponse

from ordercenter.domain.money import Money, minor_units
from ordercenter.domain.status import AttentionReason, Stage
from ordercenter.services.web_sessions import SignedInPerson

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"
LOCALE = "en_GB"  # day-month-year, as most merchants outside the US read dates; money keeps its own symbol

# The tabs of the orders page, in the order of the day's work (UI.md), with what each one means.
STAGE_LABELS: dict[Stage, str] = {
    Stage.TO_ORDER: "To order",
    Stage.NEEDS_ATTENTION: "Needs attention",
    Stage.AWAITING_PAYMENT: "Awaiting payment",
    Stage.AWAITING_SHIPMENT: "Awaiting shipment",
    Stage.IN_TRANSIT: "In transit",
    Stage.DELIVERED: "Delivered",
    Stage.COMPLETED: "Completed",
    Stage.CANCELLED: "Cancelled",
    Stage.UNPAID: "Unpaid",
}
# Badge tones carry meaning, never alone: the word is always printed beside the colour.
STAGE_TONES: dict[Stage, str] = {
    Stage.NEEDS_ATTENTION: "attention",
    Stage.AWAITING_PAYMENT: "attention",
    Stage.IN_TRANSIT: "info",
    Stage.DELIVERED: "success",
    Stage.COMPLETED: "success",
}
ATTENTION_WORDS: dict[AttentionReason, str] = {
    AttentionReason.UNMAPPED_ITEM: "Item not mapped to a supplier product",
    AttentionReason.INVALID_ADDRESS: "Shipping address missing or incomplete",
    AttentionReason.PLACEMENT_FAILED: "The supplier refused the order",
    AttentionReason.PAYMENT_FAILED: "Paying the supplier failed",
    AttentionReason.CANCELLED_ON_STORE: "Cancelled on the store",
    AttentionReason.REFUNDED_ON_STORE: "Refunded on the store",
    AttentionReason.FULFILLED_ON_STORE: "Fulfilled on the store while nothing was ordered",
    AttentionReason.SUPPLIER_CANCELLED: "The supplier cancelled the order",
}
# Tones of the other status words shown in badges (supplier orders, after-sale requests).
STATUS_TONES: dict[str, str] = {
    "placed": "attention", "pending": "attention", "new": "attention", "submitted": "attention",
    "under_review": "attention", "awaiting_return": "attention", "refund_pending": "info",
    "shipped": "info", "return_shipped": "info", "replied": "info",
    "paid": "neutral", "delivered": "success", "completed": "success", "approved": "success",
    "refunded": "success", "resolved": "success",
    "rejected": "critical", "cancelled": "neutral", "declined": "neutral", "withdrawn": "neutral",
    "closed": "neutral", "draft": "neutral",
}


@cache
def _static_version(name: str) -> str:
    """A short digest of the file's bytes: the URL changes whenever the file does, so it can be cached forever."""
    path = (STATIC_DIR / name).resolve()
    if STATIC_DIR not in path.parents or not path.is_file():
        raise FileNotFoundError(f"no static file {name}")
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def static_url(name: str) -> str:
    return f"/static/{name}?v={_static_version(name)}"


def _zone(context: Context) -> str:
    person = context.get("person")
    return person.shop_timezone if isinstance(person, SignedInPerson) else "UTC"


@pass_context
def when(context: Context, value: datetime | None, style: str = "medium") -> Markup:
    """A <time> in the shop's zone, the zone named on hover; "—" for no time."""
    if value is None:
        return Markup("—")
    zone = _zone(context)
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    local = aware.astimezone(ZoneInfo(zone))
    text = format_datetime(local, "d MMM yyyy, HH:mm" if style == "medium" else "d MMM, HH:mm", locale=LOCALE)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(aware.isoformat(), zone, text)


def day(value: date | None) -> str:
    """A calendar day ("28 Feb 2027")."""
    return "—" if value is None else format_date(value, "d MMM yyyy", locale=LOCALE)


def money(value: Money | Decimal | None, currency: str | None = None) -> str:
    """The amount with its currency symbol and the currency's decimals ("$12.50", "¥1,250")."""
    if value is None:
        return "—"
    amount, code = (value.amount, value.currency) if isinstance(value, Money) else (value, currency or "USD")
    digits = minor_units(code)
    return str(format_currency(amount, code, locale="en_US", currency_digits=False,
                               format="¤#,##0" + ("." + "0" * digits if digits else "")))


def stage_badge(stage: Stage, partial: bool = False) -> Markup:
    tone = STAGE_TONES.get(stage, "neutral")
    words = STAGE_LABELS[stage] + (" (partial)" if partial else "")
    return Markup('<span class="badge badge-{}">{}</span>').format(tone, words)


def status_badge(status: object, tone: str | None = None) -> Markup:
    value = str(getattr(status, "value", status))
    words = value.replace("_", " ").capitalize()
    return Markup('<span class="badge badge-{}">{}</span>').format(tone or STATUS_TONES.get(value, "neutral"), words)


def attention_words(reason: AttentionReason | None) -> str:
    return ATTENTION_WORDS.get(reason, "") if reason else ""


def _nl2br(value: str) -> Markup:
    return Markup("<br>").join(escape(line) for line in value.splitlines())


def build_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.filters.update(when=when, day=day, money=money, stage_badge=stage_badge, status_badge=status_badge,
                       attention_words=attention_words, nl2br=_nl2br)
    env.globals.update(static_url=static_url, STAGE_LABELS=STAGE_LABELS)
    env.trim_blocks = True
    env.lstrip_blocks = True
    return templates


DIALOG_TARGET = "dialog-body"


def wants_fragment(request: Request) -> bool:
    """An htmx request into the dialog wants the page's content alone; any other request, the whole page
    (htmx then picks its part with hx-select)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target") == DIALOG_TARGET


def page(request: Request, template: str, context: Mapping[str, Any], *, status_code: int = 200,
         headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """Render a template with what every page needs: the person, the frame's counts, the one-off notice."""
    templates: Jinja2Templates = request.app.state.web_templates
    base: dict[str, Any] = {
        "person": getattr(request.state, "person", None),
        "frame": getattr(request.state, "frame", None),
        "notice": getattr(request.state, "notice", None),
        "fragment": wants_fragment(request),
        "path": request.url.path,
    }
    base.update(context)
    response = templates.TemplateResponse(request, template, base, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"  # pages hold the shop's data: never kept by a cache
    if base["notice"]:
        response.delete_cookie("oc_notice", path="/")  # shown once
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
