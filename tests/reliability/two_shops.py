"""Two shops that each hold one of everything, for the isolation tests: shop A (the one asking) and shop B
(the neighbour whose data must stay out of reach).

Built on the privacy tests' `world` (one public app on two sandbox shops, the sandbox supplier, Order
Center on a live loopback server); every row is made the way the product makes it: store orders arrive
by webhook, the rest through the API and the pages.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from ordercenter.domain.alerts import AlertKind
from ordercenter.domain.metadata import metadata
from ordercenter.domain.reply_templates import TemplateKey
from ordercenter.services import access
from ordercenter.services.alerting import settle_alerts
from tests.evidence_files import png
from tests.privacy.conftest import MERCHANT, SHOP_A, SHOP_B, Person, World

PASSWORD = "isolation-pass-1"
TEMPLATE = TemplateKey.REFUND_REQUEST_RECEIVED.value
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Tenant:
    """One shop as the tests see it: its ids by kind, the words only it holds, its API and page clients."""

    domain: str
    shop_id: int
    api: httpx.Client
    staff_email: str
    ids: dict[str, int | str] = field(default_factory=dict)
    markers: list[str] = field(default_factory=list)  # strings that appear in this shop's data only


def sign_in(url: str, email: str, password: str = PASSWORD) -> httpx.Client:
    """A browser-like client signed in to the pages (the sign-in form's own CSRF token sent back)."""
    client = httpx.Client(base_url=url, follow_redirects=False, timeout=30)
    form = client.get("/")
    token = CSRF.search(form.text)
    assert token is not None, form.text[:300]
    answer = client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token[1]})
    assert answer.status_code == 303 and answer.headers["location"] == "/orders", answer.text[:300]
    return client


def csrf_of(client: httpx.Client, path: str = "/orders") -> str:
    """The session's form token, read from a page as the browser would."""
    token = CSRF.search(client.get(path).text)
    assert token is not None
    return token[1]


@contextmanager
def signed_in(url: str, email: str, password: str = PASSWORD) -> Iterator[httpx.Client]:
    client = sign_in(url, email, password)
    try:
        yield client
    finally:
        client.close()


def _ok(response: httpx.Response, expected: int = 200) -> dict[str, Any]:
    assert response.status_code == expected, (response.request.method, response.request.url, response.text[:500])
    body: dict[str, Any] = response.json()
    return body


def seed(world: World, domain: str, person: Person, tag: str) -> Tenant:
    """Orders, supplier orders, a pending cancellation, a return with a photo, a message, a customer refund,
    an alert, a data request, packaging, a reply template, a placement run and a person who signs in."""
    api, shop_id = world.api[domain], world.shop_ids[domain]
    tenant = Tenant(domain, shop_id, api, f"staff@{tag.lower()}.example")
    to_place, cancelled, returned, run = (world.buy(domain, person) for _ in range(4))
    world.supplier.config.cancel_decision_delay = timedelta(hours=1)  # the cancellation stays pending
    so_cancelled = world.place(domain, cancelled)
    cancellation = _ok(api.post(f"/supplier-orders/{so_cancelled['id']}/cancellation",
                                json={"reason": "out_of_stock", "note": f"{tag} cancellation note"}), 201)
    so_returned = world.place(domain, returned)
    world.supplier.ship(so_returned["supplier_order_id"], carrier="Cainiao")
    _ok(api.post(f"/supplier-orders/{so_returned['id']}/refresh"))
    world.supplier.deliver(so_returned["supplier_order_id"])
    _ok(api.post(f"/supplier-orders/{so_returned['id']}/refresh"))
    opened = _ok(api.post(f"/supplier-orders/{so_returned['id']}/returns",
                          data={"kind": "refund_only", "reason": "damaged", "amount": "2.00",
                                "note": f"{tag} return note"},
                          files={"evidence": ("dent.png", png(), "image/png")}), 201)
    _ok(api.post(f"/supplier-orders/{so_returned['id']}/messages", json={"text": f"{tag} message to the seller"}),
        201)
    # On the cancelled order, so the request can be linked to that cancellation.
    refund = _ok(api.post(f"/orders/{cancelled.id}/customer-refunds",
                          json={"message": f"{tag} asks for a refund"}), 201)
    accounts = api.get("/suppliers").json()
    account_id = accounts[0]["id"] if isinstance(accounts, list) else accounts["data"][0]["id"]
    _ok(api.put("/packaging", json={"note": f"{tag} packaging note"}))
    _ok(api.put("/packaging", json={"note": f"{tag} account packaging", "supplier_account_id": account_id}))
    _ok(api.put(f"/reply-templates/{TEMPLATE}", json={"subject": f"{tag} subject", "body": f"{tag} body"}))
    [mapping] = api.get("/mappings").json()["data"]
    with world.container.uow() as uow:
        settle_alerts(uow, shop_id=shop_id, order_id=to_place.id, subject=f"isolation:{tag}",
                      holding={AlertKind.PAST_GUARANTEED_DELIVERY: f"{tag} alert"}, managed=(), now=world.clock.now())
        uow.commit()
    world.operator("compliance/customers/data_request", shop=domain, customer=person.email)
    world.settle()
    world.complete_privacy_requests()
    [data_request] = api.get("/privacy/data-requests").json()["data"]
    deliveries = api.get("/webhook-deliveries").json()["data"]
    access.create_staff_user(world.container.uow(), shop_id=shop_id, email=tenant.staff_email, password=PASSWORD,
                             now=world.clock.now())
    token = access.create_token(world.container.uow(), shop_id=shop_id, name=f"{tag} token", now=world.clock.now())
    with signed_in(world.url, tenant.staff_email) as page:
        # A placement started from the pages (htmx) is followed at /orders/place/runs/<id>.
        started = page.post("/orders/place", data={"place": str(run.id), "csrf_token": csrf_of(page)},
                            headers={"HX-Request": "true"})
        assert started.status_code == 204, started.text[:300]
        run_id = started.headers["HX-Redirect"].rsplit("/", 1)[1]
    tenant.ids = {
        "order": to_place.id, "supplier_order": int(so_returned["id"]), "cancellation": int(cancellation["id"]),
        "return": int(opened["id"]), "customer_refund": int(refund["id"]), "mapping": int(mapping["id"]),
        "data_request": int(data_request["id"]), "webhook_delivery": int(deliveries[0]["id"]),
        "supplier_account": int(account_id), "api_token": token.id, "placement_run": run_id,
        "reply_template": TEMPLATE, "evidence": 1,
    }
    numbers = [str(so_cancelled["supplier_order_id"]), str(so_returned["supplier_order_id"])]
    tenant.markers = [tag, person.first, person.last, person.email, person.phone, person.street, domain,
                      MERCHANT[domain], tenant.staff_email, *numbers,
                      *(o.platform_order_id for o in (to_place, cancelled, returned, run))]
    return tenant


def fingerprint(world: World, shop_id: int) -> dict[str, str]:
    """A digest of every row the shop owns, per table: equal before and after means nothing of it changed."""
    digests = {}
    with world.container.engine.connect() as connection:
        for table in metadata.sorted_tables:
            key = table.c.get("shop_id") if table.name != "shops" else table.c.id
            if key is None:
                continue
            rows = connection.execute(select(table).where(key == shop_id).order_by(*table.primary_key.columns))
            digests[table.name] = hashlib.sha256(repr(rows.all()).encode()).hexdigest()
    return digests


SHOPS = (SHOP_A, SHOP_B)
