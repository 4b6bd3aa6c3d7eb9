"""GET /metrics: requests by route template, the work waiting in the database, rate-limit waits, supplier errors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from ordercenter.adapters.aliexpress.gateway import Gateway, RetryPolicy
from ordercenter.adapters.clock import ManualClock
from ordercenter.adapters.ports import SupplierError, SupplierErrorKind
from ordercenter.adapters.shopify.pacing import CostLimiter
from ordercenter.bootstrap import Container, bootstrap
from ordercenter.config import DEFAULT_SHOPIFY_API_VERSION, Settings
from ordercenter.domain.outbox import EmailKind
from ordercenter.domain.shops import Shop
from ordercenter.entrypoints.api.app import create_app
from ordercenter.entrypoints.api.metrics import serve_metrics_in_thread
from ordercenter.services import webhook_intake
from ordercenter.services.outbox import notify_merchant
from tests.factories import T0
from tests.live_server import free_port
from tests.operations.conftest import SHOP_DOMAIN, WEBHOOK_SECRET

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
ORDER_WEBHOOK = (Path(__file__).parents[1] / "shopify_adapter" / "fixtures" / "order_webhook.json").read_bytes()


def scrape(client: TestClient, **headers: str) -> Samples:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_requests_are_counted_by_route_template_never_by_raw_path(client: TestClient, api_token: str) -> None:
    auth = {"Authorization": f"Bearer {api_token}"}
    assert client.get("/api/v1/orders/424242", headers=auth).status_code == 404
    assert client.get("/api/v1/orders/535353", headers=auth).status_code == 404
    assert client.get("/api/v1/orders", headers=auth).status_code == 200
    assert client.get("/no/such/page/777").status_code == 404
    assert client.get("/static/app.css").status_code == 200

    samples = scrape(client)

    requests = "ordercenter_http_requests_total"
    assert value(samples, requests, method="GET", route="/api/v1/orders/{order_id}", status="404") == 2
    assert value(samples, requests, method="GET", route="/api/v1/orders", status="200") == 1
    assert value(samples, requests, method="GET", route="unmatched", status="404") == 1
    assert value(samples, requests, method="GET", route="/static/{path}", status="200") == 1
    assert value(samples, "ordercenter_http_request_duration_seconds_count", method="GET",
                 route="/api/v1/orders/{order_id}") == 2
    label_values = {v for _, labels in samples for _, v in labels}
    assert not any(raw in v for v in label_values for raw in ("424242", "535353", "777", "app.css"))


def _signed_headers(body: bytes) -> dict[str, str]:
    signature = base64.b64encode(hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).digest()).decode()
    return {"X-Shopify-Topic": "orders/paid", "X-Shopify-Hmac-Sha256": signature,
            "X-Shopify-Shop-Domain": SHOP_DOMAIN, "X-Shopify-API-Version": DEFAULT_SHOPIFY_API_VERSION,
            "X-Shopify-Webhook-Id": str(uuid.uuid4()), "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": "2026-03-02T09:29:59.000Z"}


def test_a_stored_webhook_shows_in_the_backlog_until_applied_and_its_lag_is_observed(
        client: TestClient, container: Container, clock: ManualClock, shop: Shop) -> None:
    # given: a webhook stored (as the route does before answering) but not applied yet
    received = webhook_intake.receive_webhook(container.uow(), container.webhook_codec, container.secrets,
                                              headers=_signed_headers(ORDER_WEBHOOK), body=ORDER_WEBHOOK,
                                              now=clock.now())
    clock.advance(timedelta(seconds=90))
    before = scrape(client)
    assert value(before, "ordercenter_webhook_backlog", status="received") == 1
    assert value(before, "ordercenter_webhook_backlog", status="failed") == 0
    assert value(before, "ordercenter_webhook_oldest_unapplied_age_seconds") == 90

    # when
    webhook_intake.process_delivery(container.uow(), container.webhook_codec, shop_id=shop.id,
                                    delivery_id=received.delivery_id, now=clock.now())

    # then
    after = scrape(client)
    assert value(after, "ordercenter_webhook_backlog", status="received") == 0
    assert value(after, "ordercenter_webhook_oldest_unapplied_age_seconds") == 0
    lag = "ordercenter_webhook_apply_lag_seconds"
    assert value(after, f"{lag}_count") - value(before, f"{lag}_count") == 1
    assert value(after, f"{lag}_sum") - value(before, f"{lag}_sum") == pytest.approx(90)


def test_sync_lag_is_told_per_connected_shop_that_has_synced(
        client: TestClient, container: Container, clock: ManualClock) -> None:
    with container.uow() as uow:
        for domain, synced, uninstalled in (("behind.myshopify.com", T0 - timedelta(minutes=10), None),
                                            ("never.myshopify.com", None, None),
                                            ("gone.myshopify.com", T0 - timedelta(days=9), T0)):
            uow.shops.add(Shop(domain=domain, name=domain, currency="USD", created_at=T0,
                               access_token_encrypted=container.secrets.encrypt("shpat_x"),
                               orders_synced_through=synced, uninstalled_at=uninstalled))
        uow.commit()

    samples = scrape(client)

    lags = {dict(labels)["shop"]: v for (name, labels), v in samples.items() if name == "ordercenter_sync_lag_seconds"}
    assert lags == {"behind.myshopify.com": 600}
    assert value(samples, "ordercenter_database_up") == 1


def test_e_mails_waiting_in_the_outbox_are_counted(client: TestClient, container: Container, shop: Shop) -> None:
    with container.uow() as uow:
        notify_merchant(uow, shop_id=shop.id, kind=EmailKind.ALERT, subject="Late order", text="…", now=T0)
        uow.commit()
    assert value(scrape(client), "ordercenter_email_outbox_waiting") == 1


@pytest.fixture
def guarded(settings: Settings, clock: ManualClock) -> Iterator[TestClient]:
    container = bootstrap(settings.model_copy(update={"metrics_token": "scrape-me-0123"}), clock=clock,
                          migrate=False)
    with TestClient(create_app(container)) as c:
        yield c
    container.engine.dispose()


def test_the_metrics_token_when_set_is_required(guarded: TestClient) -> None:
    missing = guarded.get("/metrics")
    assert missing.status_code == 401
    assert missing.json()["error"]["field"] == "Authorization"
    assert guarded.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert value(scrape(guarded, Authorization="Bearer scrape-me-0123"), "ordercenter_database_up") == 1


def test_time_waiting_on_the_shopify_cost_limiter_is_counted(client: TestClient) -> None:
    before = scrape(client)
    limiter = CostLimiter(clock=lambda: 0.0, maximum=100.0, restore_rate=50.0, default_estimate=100.0)
    assert limiter.reserve("orders") == 0.0
    assert limiter.reserve("orders") == pytest.approx(2.0)  # the bucket is empty: 100 points at 50/s

    after = scrape(client)
    wait = "ordercenter_rate_limit_wait_seconds"
    assert value(after, f"{wait}_count", side="shopify") - value(before, f"{wait}_count", side="shopify") == 2
    assert value(after, f"{wait}_sum", side="shopify") - value(before, f"{wait}_sum", side="shopify") == (
        pytest.approx(2.0))


def test_supplier_errors_are_counted_by_kind_and_pacing_waits_by_side(client: TestClient) -> None:
    def refuse(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"error_response": {"code": "ApiCallLimit", "msg": "App Call Limited",
                                                            "type": "ISV", "request_id": "r1"}})

    slept: list[float] = []
    gateway = Gateway(f"app-{uuid.uuid4().hex}", "secret", "token", transport=httpx.MockTransport(refuse),
                      rate_limit_per_second=1.0, retry=RetryPolicy(attempts=1), monotonic=lambda: 0.0,
                      sleep=slept.append)
    before = scrape(client)

    for _ in range(2):
        with pytest.raises(SupplierError) as refused:
            gateway.call("aliexpress.ds.product.get", {"product_id": "1"})
        assert refused.value.kind is SupplierErrorKind.RATE_LIMITED
    gateway.close()

    after = scrape(client)
    errors = "ordercenter_supplier_errors_total"
    assert value(after, errors, kind="rate_limited") - value(before, errors, kind="rate_limited") == 2
    wait = "ordercenter_rate_limit_wait_seconds"
    assert value(after, f"{wait}_count", side="supplier") - value(before, f"{wait}_count", side="supplier") == 2
    waited = value(after, f"{wait}_sum", side="supplier") - value(before, f"{wait}_sum", side="supplier")
    assert waited == pytest.approx(sum(slept)) and waited > 1.0  # the second call waited its turn


def test_a_worker_serves_its_metrics_on_its_own_port(container: Container) -> None:
    port = free_port()
    server = serve_metrics_in_thread(container, "127.0.0.1", port)
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    finally:
        server.should_exit = True
    assert response.status_code == 200
    names = {family.name for family in text_string_to_metric_families(response.text)}
    assert {"ordercenter_supplier_errors", "ordercenter_rate_limit_wait_seconds", "ordercenter_webhook_backlog",
            "ordercenter_webhook_apply_lag_seconds"} <= names
