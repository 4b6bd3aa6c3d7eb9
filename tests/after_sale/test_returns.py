"""Return/refund requests end to end: Order Center over HTTP, the sandbox supplier's dispute desk, real SMTP."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from ordercenter.domain.cancellations import CancellationReason, CancellationRequest
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import CancellationStatus
from ordercenter.services import access
from ordercenter.services.returns import scan_overdue_refunds
from tests.after_sale.conftest import MERCHANT_EMAIL, AfterSale
from tests.evidence_files import HTML, mp4, png

Files = list[tuple[str, bytes, str]]


def open_return(after_sale: AfterSale, supplier_order_id: int, *, kind: str = "return_and_refund",
                reason: str = "damaged", amount: str | None = None, description: str = "The box arrived crushed",
                files: Files | None = None, client: httpx.Client | None = None) -> httpx.Response:
    """POST the multipart form as a browser or a script sends it."""
    form = {"kind": kind, "reason": reason, "amount": amount or cost_of(after_sale, supplier_order_id),
            "description": description}
    evidence = [("evidence", (name, content, content_type))
                for name, content, content_type in (files if files is not None else [("box.png", png(), "image/png")])]
    return (client or after_sale.api).post(f"/supplier-orders/{supplier_order_id}/returns", data=form,
                                           files=evidence or None)


def cost_of(after_sale: AfterSale, supplier_order_id: int) -> str:
    for order in after_sale.api.get("/orders", params={"limit": 200}).json()["data"]:
        for so in after_sale.order(order["id"])["supplier_orders"]:
            if so["id"] == supplier_order_id:
                return str(so["cost"]["amount"])
    raise AssertionError(f"no supplier order {supplier_order_id}")


def get_return(after_sale: AfterSale, return_id: int) -> dict[str, Any]:
    response = after_sale.api.get(f"/returns/{return_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def mails_about(after_sale: AfterSale, return_id: int) -> list[str]:
    """Subjects of the merchant's e-mails about one request, as the SMTP server received them."""
    after_sale.send_emails()
    return [m.subject for m in after_sale.mailbox.to(MERCHANT_EMAIL)
            if f"return/refund request {return_id} " in m.subject]


def files_in(after_sale: AfterSale) -> list[Path]:
    root = after_sale.container.settings.resolved_files_dir
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.also_postgres
def test_a_return_and_refund_with_a_real_photo_goes_from_review_to_refunded_with_each_decision_mailed_once(
        after_sale: AfterSale) -> None:
    placed = after_sale.placed(shipped=True)
    photo = png(64, 48, rgb=(120, 80, 40))
    # when the merchant opens a return and refund with a photo of the damage
    response = open_return(after_sale, placed.supplier_order_id, files=[("C:\\Phone\\IMG_0001.PNG", photo,
                                                                         "application/octet-stream")])
    assert response.status_code == 201, response.text
    opened = response.json()
    # then the sandbox supplier took the dispute at once: the request is under review with its dispute number
    assert opened["status"] == "under_review" and opened["supplier_dispute_id"]
    assert opened["assisted"] is False and opened["steps"] is None
    assert [e["name"] for e in opened["evidence"]] == ["IMG_0001.png"]
    served = after_sale.api.get(opened["evidence"][0]["url"].removeprefix("/api/v1"))
    assert served.status_code == 200 and served.content == photo
    assert served.headers["content-type"] == "image/png"
    assert served.headers["content-disposition"] == 'attachment; filename="IMG_0001.png"'
    assert served.headers["x-content-type-options"] == "nosniff"
    dispute_id = opened["supplier_dispute_id"]
    [file] = files_in(after_sale)
    assert f"shop-{after_sale.shop_id}" in file.parts and file.stat().st_mode & 0o777 == 0o600

    # when the seller accepts and Order Center looks
    after_sale.supplier.decide_dispute(dispute_id, True)
    after_sale.refresh(placed.supplier_order_id)
    approved = get_return(after_sale, opened["id"])
    # then it waits for the goods, with where to send them and by when
    assert approved["status"] == "awaiting_return"
    instructions = approved["return_instructions"]
    assert "Shenzhen" in instructions["address"] and "quoting" not in instructions["address"]
    assert date.fromisoformat(instructions["ship_by"]) > date(2026, 1, 1)
    assert approved["allowed_actions"] == ["ship_return", "close"]

    # when the goods go back with a tracking number
    shipped = after_sale.api.post(f"/returns/{opened['id']}/return-shipment", json={"tracking_number": "RR123456789CN"})
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "return_shipped"
    assert after_sale.supplier._disputes[dispute_id].return_tracking == "RR123456789CN"

    # when the operator pays the refund out and Order Center looks
    after_sale.supplier.refund_dispute(dispute_id)
    after_sale.refresh(placed.supplier_order_id)
    refunded = get_return(after_sale, opened["id"])
    assert refunded["status"] == "refunded"
    assert refunded["refund"]["arrived_at"] is not None and refunded["refund"]["expected_by"] is not None
    assert refunded["allowed_actions"] == []

    # then the merchant got each decision once, even after more looks and sends
    after_sale.refresh(placed.supplier_order_id)
    subjects = mails_about(after_sale, opened["id"])
    assert sorted(s.rsplit(" ", 1)[-1] for s in subjects) == ["accepted", "refunded"]
    assert mails_about(after_sale, opened["id"]) == subjects
    order = after_sale.order(placed.order_id)
    [entry] = [r for r in order["after_sale_requests"] if r["kind"] == "return"]
    assert entry["status"] == "refunded" and entry["supplier_order_id"] == placed.supplier_order_id
    assert "damaged" in entry["summary"] and entry["opened_at"]
    assert order["after_sale"]["return_open"] is False
    moves = [e["parameters"]["new"] for e in order["timeline"] if e["type"] == "return_status_changed"
             and "new" in e["parameters"]]
    assert moves == ["under_review", "approved", "awaiting_return", "return_shipped", "refund_pending", "refunded"]


def test_a_refund_only_request_is_accepted_then_refunded_and_the_order_shows_it_open_meanwhile(
        after_sale: AfterSale) -> None:
    placed = after_sale.placed(shipped=True)
    response = open_return(after_sale, placed.supplier_order_id, kind="refund_only", reason="not_received",
                           amount="1.00", description="", files=[])
    assert response.status_code == 201, response.text
    opened = response.json()
    assert opened["evidence"] == [] and opened["refund"]["amount"]["amount"] == "1.00"
    assert after_sale.order(placed.order_id)["after_sale"]["return_open"] is True

    after_sale.supplier.decide_dispute(opened["supplier_dispute_id"], True)
    after_sale.refresh(placed.supplier_order_id)
    pending = get_return(after_sale, opened["id"])
    assert pending["status"] == "refund_pending"
    refund = pending["refund"]
    assert refund["method"] == "card"
    assert date.fromisoformat(refund["expected_from"]) < date.fromisoformat(refund["expected_by"])

    after_sale.supplier.refund_dispute(opened["supplier_dispute_id"])
    after_sale.refresh(placed.supplier_order_id)
    assert get_return(after_sale, opened["id"])["status"] == "refunded"
    assert sorted(s.rsplit(" ", 1)[-1] for s in mails_about(after_sale, opened["id"])) == ["accepted", "refunded"]
    assert after_sale.order(placed.order_id)["after_sale"]["return_open"] is False


def test_a_refused_dispute_is_escalated_and_the_platform_decides(after_sale: AfterSale) -> None:
    placed = after_sale.placed(shipped=True)
    opened = open_return(after_sale, placed.supplier_order_id, kind="refund_only").json()
    after_sale.supplier.decide_dispute(opened["supplier_dispute_id"], False, note="Photos do not show damage")
    after_sale.refresh(placed.supplier_order_id)
    refused = get_return(after_sale, opened["id"])
    assert refused["status"] == "rejected" and refused["decision_note"] == "Photos do not show damage"
    assert refused["allowed_actions"] == ["escalate", "close"]
    # a refused request still blocks a second one until it is escalated or closed
    assert open_return(after_sale, placed.supplier_order_id, kind="refund_only").status_code == 409

    escalated = after_sale.api.post(f"/returns/{opened['id']}/escalate")
    assert escalated.status_code == 200, escalated.text
    assert escalated.json()["status"] == "under_review" and escalated.json()["escalated_at"]
    assert after_sale.api.post(f"/returns/{opened['id']}/escalate").status_code == 409  # once only

    after_sale.supplier.decide_dispute(opened["supplier_dispute_id"], True, by="platform")
    after_sale.refresh(placed.supplier_order_id)
    assert get_return(after_sale, opened["id"])["status"] == "refund_pending"
    assert sorted(s.rsplit(" ", 1)[-1] for s in mails_about(after_sale, opened["id"])) == ["accepted", "refused"]


def test_a_request_on_day_91_is_refused_with_the_date_the_protection_closed(after_sale: AfterSale) -> None:
    placed = after_sale.placed(shipped=True)
    placed_at = datetime.fromisoformat(after_sale.api.get(f"/supplier-orders/{placed.supplier_order_id}")
                                       .json()["placed_at"])
    after_sale.clock.advance(timedelta(days=91))
    response = open_return(after_sale, placed.supplier_order_id)
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    closed_on = (placed_at.astimezone(UTC) + timedelta(days=90)).date().isoformat()
    assert f"closed on {closed_on}" in error["message"] and "90 days after it was placed" in error["message"]
    assert error["field"] == "protection"
    assert after_sale.api.get("/returns").json()["count"] == 0
    assert files_in(after_sale) == []


@pytest.mark.also_postgres
def test_a_refund_not_arrived_by_its_last_day_raises_one_alert_and_one_email_until_it_arrives(
        after_sale: AfterSale) -> None:
    placed = after_sale.placed(shipped=True)
    opened = open_return(after_sale, placed.supplier_order_id, kind="refund_only", reason="not_received",
                         files=[]).json()
    after_sale.supplier.decide_dispute(opened["supplier_dispute_id"], True)
    after_sale.refresh(placed.supplier_order_id)
    expected_by = date.fromisoformat(get_return(after_sale, opened["id"])["refund"]["expected_by"])
    uow, clock = after_sale.container.uow, after_sale.clock

    # on its last expected day nothing is overdue yet
    clock.advance(datetime.combine(expected_by, datetime.min.time(), UTC) + timedelta(hours=12) - clock.now())
    assert scan_overdue_refunds(uow(), clock) == 0
    # the day after, one alert and one e-mail; a second run changes nothing
    clock.advance(timedelta(days=1))
    assert scan_overdue_refunds(uow(), clock) == 1
    assert scan_overdue_refunds(uow(), clock) == 0
    after_sale.send_emails()
    after_sale.send_emails()
    overdue_mails = [m for m in after_sale.mailbox.to(MERCHANT_EMAIL) if "the refund of" in m.subject]
    assert len(overdue_mails) == 1
    assert f"return/refund request {opened['id']}" in overdue_mails[0].text
    alerts = [a for a in after_sale.api.get("/alerts").json()["data"] if a["kind"] == "refund_overdue"]
    assert len(alerts) == 1 and alerts[0]["order_id"] == placed.order_id

    # when the merchant confirms the money arrived, the alert clears
    arrived = after_sale.api.post(f"/returns/{opened['id']}/refund-arrived")
    assert arrived.status_code == 200 and arrived.json()["status"] == "refunded"
    assert [a for a in after_sale.api.get("/alerts").json()["data"] if a["kind"] == "refund_overdue"] == []
    assert scan_overdue_refunds(uow(), clock) == 0


def test_evidence_is_served_only_to_a_token_of_the_same_shop(after_sale: AfterSale) -> None:
    placed = after_sale.placed(shipped=True)
    opened = open_return(after_sale, placed.supplier_order_id, files=[("a.png", png(), "image/png"),
                                                                      ("clip.mp4", mp4(), "video/mp4")]).json()
    with after_sale.container.uow() as uow:
        other = uow.shops.add(Shop(domain="other.myshopify.com", name="Other", created_at=after_sale.clock.now()))
        uow.commit()
        other_id = other.id
    token = access.create_token(after_sale.container.uow(), shop_id=other_id, name="other",
                                now=after_sale.clock.now()).token
    stranger = httpx.Client(base_url=str(after_sale.api.base_url), headers={"Authorization": f"Bearer {token}"})
    with stranger:
        for n in (1, 2):
            assert after_sale.api.get(f"/returns/{opened['id']}/evidence/{n}").status_code == 200
            refused = stranger.get(f"/returns/{opened['id']}/evidence/{n}")
            assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
        assert stranger.get(f"/returns/{opened['id']}").status_code == 404
    video = after_sale.api.get(f"/returns/{opened['id']}/evidence/2")
    assert video.headers["content-type"] == "video/mp4"
    assert after_sale.api.get(f"/returns/{opened['id']}/evidence/3").status_code == 404


def test_bad_input_is_refused_naming_the_field_and_changes_nothing(after_sale: AfterSale,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    settings = after_sale.container.settings
    monkeypatch.setattr(settings, "evidence_max_photo_bytes", 50_000)
    monkeypatch.setattr(settings, "evidence_max_video_bytes", 100_000)
    monkeypatch.setattr(settings, "evidence_max_files", 3)
    placed = after_sale.placed(shipped=True)
    unshipped = after_sale.placed(paid=True)
    paid = Decimal(cost_of(after_sale, placed.supplier_order_id))
    timeline = len(after_sale.order(placed.order_id)["timeline"])

    def refused(response: httpx.Response, status: int, field: str, *words: str) -> None:
        assert response.status_code == status, response.text
        error = response.json()["error"]
        assert error["field"] == field, error
        for word in words:
            assert word in error["message"], error
        assert after_sale.api.get("/returns").json()["count"] == 0
        assert files_in(after_sale) == []
        assert len(after_sale.order(placed.order_id)["timeline"]) == timeline

    so = placed.supplier_order_id
    refused(open_return(after_sale, so, reason="changed_my_mind"), 422, "reason", "not in the list")
    refused(open_return(after_sale, so, amount=str(paid + Decimal("0.01"))), 422, "amount", "more than was paid")
    refused(open_return(after_sale, so, files=[("photo.jpg", HTML, "image/jpeg")]), 422, "evidence", "'photo.jpg'")
    refused(open_return(after_sale, so, files=[("big.png", png(padding=60_000), "image/png")]), 422, "evidence",
            "'big.png'", "larger than")
    refused(open_return(after_sale, so, files=[("huge.mp4", mp4(2_000_000), "video/mp4")]), 422, "evidence",
            "too large")
    refused(open_return(after_sale, so, files=[(f"{n}.png", png(), "image/png") for n in range(4)]), 422,
            "evidence", "at most 3")
    refused(open_return(after_sale, so, files=[]), 422, "evidence", "needs evidence")
    refused(open_return(after_sale, so, kind="return_and_refund", reason="not_received", files=[]), 422, "kind")
    refused(open_return(after_sale, unshipped.supplier_order_id), 409, "supplier_order_id", "not shipped yet",
            "cancel")
    assert after_sale.api.post(f"/supplier-orders/{so}/returns", data={"kind": "refund_only"}).status_code == 422

    # a second open request on the same supplier order
    first = open_return(after_sale, so)
    assert first.status_code == 201
    second = open_return(after_sale, so, kind="refund_only")
    assert second.status_code == 409 and second.json()["error"]["field"] == "supplier_order_id"
    assert after_sale.api.get("/returns").json()["count"] == 1
    assert len(files_in(after_sale)) == 1


def _cli(after_sale: AfterSale, *args: str) -> subprocess.CompletedProcess[str]:
    """`ordercenter …` in its own process, on the same database and files as the running server."""
    settings = after_sale.container.settings
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ORDERCENTER_")}
    environment.update({"ORDERCENTER_DATA_DIR": str(settings.data_dir), "ORDERCENTER_SECRET_KEY": "t" * 40,
                        "COLUMNS": "200"})
    if settings.database_url:
        environment["ORDERCENTER_DATABASE_URL"] = settings.database_url
    return subprocess.run([sys.executable, "-m", "ordercenter", *args], capture_output=True, text=True,
                          env=environment, timeout=120, check=False)


def test_the_command_line_opens_a_return_with_a_photo_file_and_shows_it(after_sale: AfterSale,
                                                                         tmp_path: Path) -> None:
    # the command line runs on the real clock: place the order "today"
    after_sale.clock.advance(datetime.now(UTC) - after_sale.clock.now())
    placed = after_sale.placed(shipped=True)
    photo = tmp_path / "dented corner.png"
    photo.write_bytes(png(32, 32))

    opened = _cli(after_sale, "returns", "open", str(placed.supplier_order_id), "--kind", "return_and_refund",
                  "--reason", "damaged", "--amount", "1.50", "--description", "Dented corner",
                  "--evidence", str(photo))
    assert opened.returncode == 0, opened.stderr
    assert "under_review" in opened.stdout and "evidence 1: dented_corner.png" in opened.stdout
    [request] = after_sale.api.get("/returns").json()["data"]
    assert request["amount_requested"] == {"amount": "1.50", "currency": request["amount_requested"]["currency"]}
    assert after_sale.api.get(request["evidence"][0]["url"].removeprefix("/api/v1")).content == photo.read_bytes()

    shown = _cli(after_sale, "returns", "show", str(request["id"]))
    assert shown.returncode == 0, shown.stderr
    assert f"return/refund request {request['id']}: under_review" in shown.stdout
    assert f"supplier dispute {request['supplier_dispute_id']}" in shown.stdout
    listed = _cli(after_sale, "returns", "list")
    assert listed.returncode == 0 and "1 return/refund requests" in listed.stdout


def test_a_bad_command_line_argument_is_one_line_on_stderr_and_exit_code_2(after_sale: AfterSale,
                                                                            tmp_path: Path) -> None:
    after_sale.clock.advance(datetime.now(UTC) - after_sale.clock.now())  # the command line's real clock
    page = tmp_path / "photo.jpg"
    page.write_bytes(HTML)
    wrong_reason = _cli(after_sale, "returns", "open", "1", "--kind", "refund_only", "--reason", "bored",
                        "--amount", "1")
    assert wrong_reason.returncode == 2 and "--reason" in wrong_reason.stderr
    assert wrong_reason.stderr.strip().count("\n") == 0
    placed = after_sale.placed(shipped=True)
    not_a_photo = _cli(after_sale, "returns", "open", str(placed.supplier_order_id), "--kind", "refund_only",
                       "--reason", "damaged", "--amount", "1", "--evidence", str(page))
    assert not_a_photo.returncode == 2
    assert "'photo.jpg'" in not_a_photo.stderr and "[evidence]" in not_a_photo.stderr
    assert "Traceback" not in not_a_photo.stderr
    missing = _cli(after_sale, "returns", "show", "999")
    assert missing.returncode == 2 and "no return/refund request" in missing.stderr
    assert after_sale.api.get("/returns").json()["count"] == 0


def test_an_approved_cancellations_refund_overdue_is_alerted_once_and_cleared_when_it_arrives(
        after_sale: AfterSale) -> None:
    placed = after_sale.placed(paid=True)
    now = after_sale.clock.now()
    # given a cancellation the supplier approved, whose refund was due by yesterday
    with after_sale.container.uow() as uow:
        approved = uow.cancellations.add(CancellationRequest(
            shop_id=after_sale.shop_id, order_id=placed.order_id, supplier_order_id=placed.supplier_order_id,
            reason=CancellationReason.OUT_OF_STOCK, requested_at=now - timedelta(days=30),
            status=CancellationStatus.APPROVED, decided_at=now - timedelta(days=30), currency="USD",
            refund_amount=Decimal("4.20"), refund_expected_from=(now - timedelta(days=25)).date(),
            refund_expected_by=(now - timedelta(days=1)).date()))
        uow.commit()
        cancellation_id = approved.id
    uow_factory, clock = after_sale.container.uow, after_sale.clock
    assert scan_overdue_refunds(uow_factory(), clock) == 1
    assert scan_overdue_refunds(uow_factory(), clock) == 0
    [alert] = [a for a in after_sale.api.get("/alerts").json()["data"] if a["kind"] == "refund_overdue"]
    assert alert["subject"] == f"cancellation:{cancellation_id}" and "4.20 USD" in alert["message"]
    # when the merchant records that the money arrived, the next scan clears the alert
    with after_sale.container.uow() as uow:
        found = uow.cancellations.get(after_sale.shop_id, cancellation_id)
        assert found is not None
        found.refund_arrived_at = clock.now()
        uow.commit()
    assert scan_overdue_refunds(uow_factory(), clock) == 0
    assert [a for a in after_sale.api.get("/alerts").json()["data"] if a["kind"] == "refund_overdue"] == []

