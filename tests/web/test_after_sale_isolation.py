"""What the after-sale pages let through, over plain HTTP: another shop's session reaches none of this shop's
requests or evidence, the evidence is served as an image only to its own shop, and a form without its
CSRF token (a cancellation, an upload) changes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx

from ordercenter.domain.shops import Shop
from ordercenter.services import access
from tests.after_sale.conftest import MERCHANT_EMAIL, AfterSale, Placed
from tests.evidence_files import png
from tests.web.conftest import PASSWORD

OTHER_EMAIL = "owner@other.example"


def _url(after_sale: AfterSale) -> str:
    return str(after_sale.api.base_url).rstrip("/").removesuffix("/api/v1")


@contextmanager
def _signed_in(after_sale: AfterSale, email: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=_url(after_sale), follow_redirects=True, timeout=30) as client:
        form = client.get("/")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf is not None
        answer = client.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": csrf[1]})
        assert answer.url.path == "/orders", answer.text[:300]
        yield client


def _other_shop(after_sale: AfterSale) -> None:
    with after_sale.container.uow() as uow:
        shop = uow.shops.add(Shop(domain="other.myshopify.com", name="Other", currency="EUR",
                                  created_at=after_sale.clock.now()))
        uow.flush()
        shop_id = shop.id
        uow.commit()
    access.create_staff_user(after_sale.container.uow(), shop_id=shop_id, email=OTHER_EMAIL, password=PASSWORD,
                             now=after_sale.clock.now())


def _a_return_with_a_photo(after_sale: AfterSale) -> tuple[Placed, int]:
    placed = after_sale.placed(paid=True, delivered=True)
    opened = after_sale.api.post(f"/supplier-orders/{placed.supplier_order_id}/returns",
                                 data={"kind": "refund_only", "reason": "damaged", "amount": "2.00"},
                                 files={"evidence": ("dent.png", png(), "image/png")})
    assert opened.status_code == 201, opened.text
    return placed, opened.json()["id"]


def test_another_shops_session_reaches_none_of_this_shops_after_sale_pages_nor_evidence(
        after_sale: AfterSale) -> None:
    placed, return_id = _a_return_with_a_photo(after_sale)
    supplier_order_id, order_id = placed.supplier_order_id, placed.order_id
    name = after_sale.order(order_id)["name"]
    refund = after_sale.api.post(f"/orders/{order_id}/customer-refunds", json={"message": "Refund please"}).json()
    after_sale.supplier.config.cancel_decision_delay = timedelta(hours=1)  # stays pending: a deadline
    cancellation = after_sale.api.post(f"/supplier-orders/{after_sale.placed(paid=True).supplier_order_id}"
                                       "/cancellation", json={"reason": "out_of_stock"}).json()
    _other_shop(after_sale)
    with _signed_in(after_sale, MERCHANT_EMAIL) as own:
        assert "Cancellation undecided" in own.get("/deadlines").text
    with _signed_in(after_sale, OTHER_EMAIL) as other:
        for path in (f"/supplier-orders/{supplier_order_id}/cancel", f"/supplier-orders/{supplier_order_id}/return",
                     f"/supplier-orders/{supplier_order_id}/messages", f"/returns/{return_id}",
                     f"/returns/{return_id}/evidence/1", f"/returns/{return_id}/status",
                     f"/cancellations/{cancellation['id']}", f"/cancellations/{cancellation['id']}/status",
                     f"/customer-refunds/{refund['id']}", f"/orders/{order_id}/customer-refunds/new"):
            answer = other.get(path)
            assert answer.status_code == 404, path
            assert name not in answer.text and "Jane" not in answer.text, path
        assert "Cancellation undecided" not in other.get("/deadlines").text
    with httpx.Client(base_url=_url(after_sale)) as anonymous:
        answer = anonymous.get(f"/returns/{return_id}/evidence/1")
        assert answer.status_code == 303 and answer.headers["location"].startswith("/?next=")


def test_the_evidence_is_served_to_its_own_shop_as_an_image_that_cannot_run_as_a_page(after_sale: AfterSale) -> None:
    _, return_id = _a_return_with_a_photo(after_sale)
    with _signed_in(after_sale, MERCHANT_EMAIL) as client:
        answer = client.get(f"/returns/{return_id}/evidence/1")
        assert answer.status_code == 200
        assert answer.content == png()
        assert answer.headers["content-type"] == "image/png"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in answer.headers["content-security-policy"]
        assert answer.headers["cache-control"] == "private, no-store"
        assert client.get(f"/returns/{return_id}/evidence/2").status_code == 404


def test_after_sale_forms_posted_without_their_csrf_token_change_nothing(after_sale: AfterSale) -> None:
    placed = after_sale.placed(paid=True, delivered=True)
    unshipped = after_sale.placed(paid=True)
    with _signed_in(after_sale, MERCHANT_EMAIL) as client:
        cancel = client.post(f"/supplier-orders/{unshipped.supplier_order_id}/cancel",
                             data={"reason": "out_of_stock", "choices": "1"})
        upload = client.post(f"/supplier-orders/{placed.supplier_order_id}/return",
                             data={"kind": "refund_only", "reason": "damaged", "amount": "1.00", "confirmed": "1"},
                             files={"evidence": ("dent.png", png(), "image/png")})
        settings = client.post("/settings/notifications", data={"emails": "thief@evil.example"})
    assert cancel.status_code == upload.status_code == settings.status_code == 403
    with after_sale.container.uow() as uow:
        assert not uow.cancellations.for_order(after_sale.shop_id, unshipped.order_id)
        assert not uow.returns.for_order(after_sale.shop_id, placed.order_id)
        shop = uow.shops.get(after_sale.shop_id)
        assert shop is not None and shop.notification_emails == []
    assert not list(after_sale.container.settings.resolved_files_dir.glob("**/*.png"))
