"""The pages as any HTTP client sees them (no browser needed): offline API reference, cached static files,
error pages instead of bare errors, and the API left as it was."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from fastapi.testclient import TestClient

from ordercenter.entrypoints.api.app import create_app
from tests.after_sale.conftest import MERCHANT_EMAIL, AfterSale
from tests.web.conftest import PASSWORD


def _url(after_sale: AfterSale) -> str:
    return str(after_sale.api.base_url).rstrip("/").removesuffix("/api/v1")


@contextmanager
def _signed_in(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, follow_redirects=True, timeout=30) as client:
        _sign_in(client)
        yield client


def _sign_in(client: httpx.Client) -> None:
    form = client.get("/")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf is not None
    answer = client.post("/sign-in", data={"email": MERCHANT_EMAIL, "password": PASSWORD, "csrf_token": csrf[1]})
    assert answer.url.path == "/orders", answer.text[:300]


def test_the_api_reference_at_docs_loads_only_files_the_app_serves_itself(after_sale: AfterSale) -> None:
    url = _url(after_sale)
    docs = httpx.get(f"{url}/docs")
    assert docs.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert sources and all(s.startswith("/static/vendor/swagger-ui/") for s in sources), sources
    assert "validatorUrl" in docs.text and '"validatorUrl": null' in docs.text
    for source in sources:
        asset = httpx.get(f"{url}{source}")
        assert asset.status_code == 200, source
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert httpx.get(f"{url}/redoc").status_code == 404


def test_pages_are_never_cached_and_name_the_page_in_their_title(after_sale: AfterSale) -> None:
    with _signed_in(_url(after_sale)) as client:
        orders = client.get("/orders")
        assert orders.headers["cache-control"] == "no-store"
        assert "<title>Orders · To order · After · Order Center</title>" in orders.text
        css = re.search(r'href="(/static/app\.css\?v=[0-9a-f]{12})"', orders.text)
        assert css is not None
        assert client.get(css[1]).headers["cache-control"].endswith("immutable")
        assert client.get("/static/app.css").headers["cache-control"] == "no-cache"


def test_an_unknown_page_is_a_not_found_page_while_the_api_keeps_its_json(after_sale: AfterSale) -> None:
    url = _url(after_sale)
    with _signed_in(url) as client:
        page = client.get("/no-such-page")
        assert page.status_code == 404
        assert "text/html" in page.headers["content-type"]
        assert "There is no page at this address." in page.text
    api = after_sale.api.get("/orders/999999")
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "not_found"
    assert httpx.get(f"{url}/api/v1/orders").json()["error"]["code"] == "not_authenticated"


def test_an_unexpected_failure_on_a_page_is_an_error_page_not_a_bare_500(after_sale: AfterSale) -> None:
    app = create_app(after_sale.container)

    @app.get("/broken-page")
    def broken() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/broken-page")
    assert answer.status_code == 500
    assert "text/html" in answer.headers["content-type"]
    assert "Order Center hit an unexpected error" in answer.text


def test_the_sign_in_form_posted_without_its_token_signs_nobody_in(after_sale: AfterSale) -> None:
    answer = httpx.post(f"{_url(after_sale)}/sign-in", data={"email": MERCHANT_EMAIL, "password": PASSWORD})
    assert answer.status_code == 403
    assert "oc_session" not in answer.cookies
