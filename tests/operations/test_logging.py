"""Structured logs: one JSON object a line with the request, shop and order ids; secrets never written."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from fastapi.testclient import TestClient

from ordercenter.adapters.logging_setup import configure_logging
from ordercenter.bootstrap import Container
from ordercenter.config import Settings
from ordercenter.domain.shops import Shop
from ordercenter.entrypoints.api.app import create_app
from ordercenter.entrypoints.api.deps import CurrentToken
from ordercenter.entrypoints.cli_context import CliError, load_settings


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The process's logging set up as `serve` does it, into a buffer; the previous setup put back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    buffer = io.StringIO()
    configure_logging(Settings(log_format=None, log_level=None), stream=buffer)
    yield buffer
    root.handlers, root.level = handlers, level
    structlog.reset_defaults()


def records(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def access_lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [r for r in records(buffer) if r["logger"] == "ordercenter.http"]


def test_an_authenticated_request_logs_a_json_line_with_its_request_shop_and_order_ids(
        log_lines: io.StringIO, client: TestClient, api_token: str, shop: Shop) -> None:
    response = client.get("/api/v1/orders/4711", headers={"Authorization": f"Bearer {api_token}",
                                                          "X-Request-Id": "lb-7f3a-0001"})

    assert response.status_code == 404
    assert response.headers["X-Request-Id"] == "lb-7f3a-0001"
    [line] = access_lines(log_lines)
    assert line["request_id"] == "lb-7f3a-0001"
    assert line["shop_id"] == shop.id
    assert line["order_id"] == 4711
    assert (line["method"], line["path"], line["route"], line["status"]) == (
        "GET", "/api/v1/orders/4711", "/api/v1/orders/{order_id}", 404)
    assert line["level"] == "info" and line["message"] == "GET /api/v1/orders/4711 404"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", line["timestamp"])
    assert api_token not in log_lines.getvalue()


def test_lines_logged_inside_a_route_carry_the_ids_bound_in_another_thread(
        log_lines: io.StringIO, container: Container, api_token: str, shop: Shop) -> None:
    # given: a sync route (served in a worker thread) whose token dependency runs in yet another thread
    app = create_app(container)

    @app.get("/probe/{order_id}")
    def probe(order_id: int, token: CurrentToken) -> dict[str, int]:
        logging.getLogger("ordercenter.probe").warning("looking at the order")
        return {"order_id": order_id}

    # when
    with TestClient(app) as client:
        response = client.get("/probe/88", headers={"Authorization": f"Bearer {api_token}"})

    # then
    assert response.status_code == 200
    [inside] = [r for r in records(log_lines) if r["logger"] == "ordercenter.probe"]
    assert inside["request_id"] == response.headers["X-Request-Id"]
    assert (inside["shop_id"], inside["order_id"], inside["level"]) == (shop.id, 88, "warning")


def test_a_request_without_a_usable_id_gets_a_generated_one_echoed(log_lines: io.StringIO, client: TestClient) -> None:
    plain = client.get("/healthz")
    forged = client.get("/healthz", headers={"X-Request-Id": 'x" level=error injected'})

    assert re.fullmatch(r"[0-9a-f]{32}", plain.headers["X-Request-Id"])
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-Id"])
    assert plain.headers["X-Request-Id"] != forged.headers["X-Request-Id"]
    assert access_lines(log_lines) == []  # probes log at debug: the info log shows real traffic


def test_secrets_in_log_fields_and_text_are_redacted(log_lines: io.StringIO) -> None:
    logging.getLogger("ordercenter.test").warning(
        "connected with %s", "shpat_0123456789abcdef",
        extra={"access_token": "shpat_fedcba9876543210", "password": "hunter2-hunter2",
               "refresh_token": "rt-secret-value", "client_secret": "cs-secret-value",
               "headers": {"Authorization": "Bearer oc_AbCdEfGhIjKlMnOpQrStUv", "X-Shopify-Hmac-Sha256": "c2lnbmF0dXJl",
                           "Cookie": "oc_session=sess-secret-value", "Accept": "application/json"},
               "note": "rotated to shpss_00112233445566 after a leak", "shop_id": 7})

    [line] = [r for r in records(log_lines) if r["logger"] == "ordercenter.test"]
    assert line["message"] == "connected with [redacted]"
    assert line["access_token"] == line["password"] == line["refresh_token"] == line["client_secret"] == "[redacted]"
    assert line["headers"] == {"Authorization": "[redacted]", "X-Shopify-Hmac-Sha256": "[redacted]",
                               "Cookie": "[redacted]", "Accept": "application/json"}
    assert line["note"] == "rotated to [redacted] after a leak"
    assert line["shop_id"] == 7
    text = log_lines.getvalue()
    for secret in ("0123456789abcdef", "fedcba9876543210", "hunter2", "rt-secret", "cs-secret", "AbCdEfGh",
                   "c2lnbmF0dXJl", "sess-secret", "00112233445566"):
        assert secret not in text


def test_an_exception_s_traceback_is_one_json_field_and_redacted(log_lines: io.StringIO) -> None:
    try:
        raise RuntimeError("the store refused shpat_deadbeef00")
    except RuntimeError:
        logging.getLogger("ordercenter.test").exception("sync failed")

    [line] = [r for r in records(log_lines) if r["logger"] == "ordercenter.test"]
    assert line["level"] == "error"
    assert "RuntimeError: the store refused [redacted]" in line["exception"]
    assert "deadbeef00" not in log_lines.getvalue()


def test_the_console_format_writes_readable_lines() -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    buffer = io.StringIO()
    try:
        configure_logging(Settings(log_format="console", log_level="debug"), stream=buffer)
        logging.getLogger("ordercenter.test").debug("webhook applied", extra={"delivery_id": 12})
    finally:
        root.handlers, root.level = handlers, level
        structlog.reset_defaults()
    line = buffer.getvalue().strip()
    assert "webhook applied" in line and "delivery_id=12" in line
    assert not line.startswith("{")


def test_an_unknown_log_level_setting_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERCENTER_LOG_LEVEL", "loud")
    with pytest.raises(CliError, match=r"log_level \(ORDERCENTER_LOG_LEVEL\): 'loud' is not a log level"):
        load_settings()
