"""Hostile webhook bodies over real HTTP: too deep, too large, unsigned, chunked without end; never a 500.

A refusal that must come before the body is read is shown on the wire: the client sends the headers
and only the start of the body it announced, then waits for the answer. A server that reads to the end
first never answers, and the test times out waiting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11
import httpx
import pytest

from ordercenter.bootstrap import Container
from ordercenter.domain.shops import Shop
from ordercenter.domain.webhooks import DeliveryStatus, WebhookDelivery
from ordercenter.entrypoints.api.app import create_app
from ordercenter.services.webhook_intake import MAX_JSON_DEPTH
from tests.e2e.test_webhooks import DOMAIN, PAYLOAD, SECRET, body_of, signed
from tests.factories import T0
from tests.live_server import live_server

TEN_MB = 10 * 1024 * 1024
ANSWER_TIMEOUT_SECONDS = 10.0


@dataclass
class Server:
    url: str
    container: Container
    shop_id: int

    def deliveries(self) -> list[WebhookDelivery]:
        with self.container.uow() as uow:
            return list(uow.webhooks.page(self.shop_id, statuses=None, before_id=None, limit=100))


@pytest.fixture
def server(container: Container) -> Iterator[Server]:
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain=DOMAIN, name="Hooks", currency="USD", created_at=T0,
                                  access_token_encrypted=container.secrets.encrypt("shpat_x"),
                                  webhook_secret_encrypted=container.secrets.encrypt(SECRET)))
        uow.commit()
        shop_id = shop.id
    with live_server(create_app(container)) as url:
        yield Server(url, container, shop_id)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, object]:
        parsed: dict[str, object] = json.loads(self.body)
        return parsed


def post_partly(url: str, headers: dict[str, str], sent: list[bytes]) -> Answer:
    """POST with these headers, send only the `sent` parts of the body, and read the answer without
    sending more: the server must answer from what it has (h11 speaks HTTP/1.1 on the client side)."""
    address = urlsplit(url)
    client = h11.Connection(h11.CLIENT)
    with socket.create_connection((address.hostname, address.port), timeout=ANSWER_TIMEOUT_SECONDS) as sock:
        host = f"{address.hostname}:{address.port}"
        sock.sendall(client.send(h11.Request(method="POST", target="/webhooks/shopify",
                                             headers=[("Host", host), *headers.items()])) or b"")
        for part in sent:
            sock.sendall(client.send(h11.Data(data=part)) or b"")
        status, answer_headers, body = 0, {}, bytearray()
        while True:
            event = client.next_event()
            if event is h11.NEED_DATA:
                try:
                    client.receive_data(sock.recv(65536))
                except TimeoutError:
                    pytest.fail(f"no answer within {ANSWER_TIMEOUT_SECONDS} s: the server waits for the rest "
                                "of the body")
                continue
            if isinstance(event, h11.Response):
                status = event.status_code
                answer_headers = {k.decode().lower(): v.decode() for k, v in event.headers}
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                return Answer(status, answer_headers, bytes(body))


def hmac_of(body: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()


@pytest.mark.parametrize(("opening", "closing"), [(b"[", b"]"), (b'{"a":', b"}")], ids=["arrays", "objects"])
def test_a_signed_body_nested_100000_levels_deep_is_rejected_and_kept_not_a_500(
        server: Server, opening: bytes, closing: bytes) -> None:
    body = opening * 100_000 + b"1" + closing * 100_000
    response = httpx.post(f"{server.url}/webhooks/shopify", content=body, headers=signed(body), timeout=30)
    # Authentic but unusable: kept for inspection and answered 200, like any other malformed body, so
    # the store does not send the same bytes eight times more.
    assert response.status_code == 200
    answer = response.json()
    assert (answer["status"], answer["field"]) == ("rejected", "body")
    assert f"deeper than {MAX_JSON_DEPTH} levels" in answer["error"]
    assert [d.status for d in server.deliveries()] == [DeliveryStatus.REJECTED]


def test_brackets_inside_strings_do_not_count_as_nesting(server: Server) -> None:
    body = body_of(note='the customer wrote "' + "[{" * 5000 + '" and \\"]]]\\"')
    response = httpx.post(f"{server.url}/webhooks/shopify", content=body, headers=signed(body), timeout=30)
    assert (response.status_code, response.json()["status"]) == (200, "received")


def test_a_body_nested_exactly_to_the_limit_is_parsed(server: Server) -> None:
    # The order nests its own few levels; a note attribute nests the rest, up to the limit and not beyond.
    inner = "[" * (MAX_JSON_DEPTH - 3) + "]" * (MAX_JSON_DEPTH - 3)
    allowed = json.dumps({**PAYLOAD, "note_attributes": [{"name": "n", "value": json.loads(inner)}]}).encode()
    too_deep = allowed.replace(inner.encode(), b"[" + inner.encode() + b"]")
    first = httpx.post(f"{server.url}/webhooks/shopify", content=allowed, headers=signed(allowed), timeout=30)
    second = httpx.post(f"{server.url}/webhooks/shopify", content=too_deep, headers=signed(too_deep), timeout=30)
    assert (first.json()["status"], first.json()["error"]) == ("received", None)
    assert (second.json()["status"], second.json()["field"]) == ("rejected", "body")
    assert f"deeper than {MAX_JSON_DEPTH} levels" in second.json()["error"]


def test_a_signed_10_mb_body_is_refused_413_before_it_is_sent_and_nothing_is_stored(server: Server) -> None:
    body = json.dumps({**PAYLOAD, "note": "x" * TEN_MB}).encode()
    headers = {**signed(body), "Content-Length": str(len(body))}
    answer = post_partly(server.url, headers, [body[:65536]])  # the other 10 MB are never sent
    assert answer.status == 413
    assert answer.json()["error"] == {"code": "invalid_input", "field": "body",
                                      "message": "the body is larger than 1048576 bytes"}
    assert answer.headers["connection"] == "close"
    assert server.deliveries() == []


@pytest.mark.parametrize("signature", [None, "not base64 at all", base64.b64encode(b"sixteen bytes...").decode()],
                         ids=["missing", "not-base64", "not-a-sha256"])
def test_an_unsigned_10_mb_body_is_refused_401_before_it_is_sent(server: Server, signature: str | None) -> None:
    headers = {**signed(b"", drop="X-Shopify-Hmac-Sha256"), "Content-Length": str(TEN_MB)}
    if signature is not None:
        headers["X-Shopify-Hmac-Sha256"] = signature
    started = time.monotonic()
    answer = post_partly(server.url, headers, [b"{" + b" " * 1023])  # 1 KB of the 10 MB announced
    assert answer.status == 401
    assert answer.json()["error"] == {"code": "not_authenticated", "field": "X-Shopify-Hmac-Sha256",
                                      "message": "the webhook signature is missing or is not a signature"}
    assert time.monotonic() - started < ANSWER_TIMEOUT_SECONDS
    assert server.deliveries() == []


def test_a_chunked_body_is_refused_413_once_it_passes_the_limit_without_waiting_for_its_end(
        server: Server) -> None:
    limit = server.container.settings.webhook_max_body_bytes
    headers = {**signed(b"{}"), "Transfer-Encoding": "chunked"}  # no length announced; the signature is moot
    chunks = [b"x" * 65536] * (limit // 65536 + 1)  # one chunk past the limit, and never the last chunk
    answer = post_partly(server.url, headers, chunks)
    assert answer.status == 413
    assert answer.json()["error"]["field"] == "body"  # type: ignore[index]
    assert server.deliveries() == []


def test_a_chunked_body_within_the_limit_is_received(server: Server) -> None:
    body = body_of()

    def parts() -> Iterator[bytes]:  # a generator: httpx sends it chunked, without a length
        yield from (body[i:i + 1000] for i in range(0, len(body), 1000))

    response = httpx.post(f"{server.url}/webhooks/shopify", content=parts(), headers=signed(body), timeout=30)
    assert (response.status_code, response.json()["status"]) == (200, "received")
