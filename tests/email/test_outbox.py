"""The e-mail outbox against the real database and a real SMTP server: written with the change, sent once,
retried after a failure, never doubled by two senders, and resent with the same Message-ID after a crash."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest

from ordercenter.adapters.clock import ManualClock
from ordercenter.adapters.notify import SmtpNotifier
from ordercenter.adapters.ports import EmailMessage
from ordercenter.bootstrap import Container
from ordercenter.config import Settings
from ordercenter.domain.outbox import MAX_ATTEMPTS, EmailKind, EmailStatus
from ordercenter.domain.shops import Shop
from ordercenter.services import access
from ordercenter.services.outbox import notify_merchant, queue_email, send_due
from tests.factories import T0
from tests.smtp_server import Mailbox


def _shop(container: Container, **fields: object) -> int:
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain="mail.myshopify.com", name="Mail", created_at=T0, **fields))
        uow.commit()
        shop_id = shop.id
    access.create_staff_user(container.uow(), shop_id=shop_id, email="owner@mail.example", password="owner-pass-1",
                             now=T0)
    return shop_id


def _queue(container: Container, shop_id: int, key: str = "fact:1", kind: EmailKind = EmailKind.DECISION) -> None:
    with container.uow() as uow:
        queue_email(uow, shop_id=shop_id, kind=kind, to="jane@example.com", subject="Your refund",
                    text="Hello Jane,\n\nYour refund is on its way.", now=T0, dedupe_key=key)
        uow.commit()


def _rows(container: Container) -> list[tuple[EmailStatus, int, str]]:
    with container.uow() as uow:
        return [(r.status, r.attempts, r.message_id) for r in uow.outbox.page(1, status=None, limit=100)]


class Failing:
    def __init__(self, times: int) -> None:
        self.times = times

    def send(self, message: EmailMessage) -> None:
        if self.times:
            self.times -= 1
            raise ConnectionRefusedError("the mail server is down")


def test_an_email_queued_with_its_change_is_sent_once_with_text_and_html(
        container: Container, clock: ManualClock, mailbox: Mailbox) -> None:
    shop_id = _shop(container, email_sender="orders@mail.example")
    _queue(container, shop_id)
    _queue(container, shop_id)  # the same fact again: no second e-mail
    notifier = SmtpNotifier(mailbox.url)
    assert send_due(container.uow(), notifier, clock).sent == 1
    assert send_due(container.uow(), notifier, clock).sent == 0
    [received] = mailbox.wait_for(1)
    assert received.recipients == ["jane@example.com"]
    assert received.message["From"] == "orders@mail.example"
    assert "Your refund is on its way." in received.text
    assert received.html is not None and "<p>Your refund is on its way.</p>" in received.html
    [(status, _, message_id)] = _rows(container)
    assert status is EmailStatus.SENT and received.message_id == message_id


def test_the_merchant_mail_goes_to_the_staff_and_a_switched_off_kind_is_kept_but_not_sent(
        container: Container, clock: ManualClock, mailbox: Mailbox) -> None:
    shop_id = _shop(container, emails_off=[EmailKind.DIGEST.value])
    with container.uow() as uow:
        notify_merchant(uow, shop_id=shop_id, kind=EmailKind.ALERT, subject="Late", text="late", now=T0,
                        dedupe_key="alert:1")
        notify_merchant(uow, shop_id=shop_id, kind=EmailKind.DIGEST, subject="Digest", text="list", now=T0,
                        dedupe_key="digest:1")
        uow.commit()
    assert send_due(container.uow(), SmtpNotifier(mailbox.url), clock).sent == 1
    assert [r.subject for r in mailbox.wait_for(1)] == ["Late"]
    assert sorted(status.value for status, _, _ in _rows(container)) == ["sent", "skipped"]


def test_a_failed_attempt_is_retried_after_a_back_off_and_given_up_after_the_last_try(
        container: Container, clock: ManualClock) -> None:
    shop_id = _shop(container)
    _queue(container, shop_id)
    down = Failing(times=MAX_ATTEMPTS)
    assert send_due(container.uow(), down, clock).failed == 1
    assert send_due(container.uow(), down, clock).failed == 0  # not due again yet
    for _ in range(MAX_ATTEMPTS - 1):
        clock.advance(timedelta(hours=7))
        send_due(container.uow(), down, clock)
    [(status, attempts, _)] = _rows(container)
    assert (status, attempts) == (EmailStatus.FAILED, MAX_ATTEMPTS)
    clock.advance(timedelta(days=1))
    assert send_due(container.uow(), Failing(times=0), clock).sent == 0


def test_two_senders_at_once_send_each_email_exactly_once(
        container: Container, clock: ManualClock, mailbox: Mailbox) -> None:
    shop_id = _shop(container)
    for n in range(12):
        _queue(container, shop_id, key=f"fact:{n}")
    notifier = SmtpNotifier(mailbox.url)
    threads = [threading.Thread(target=send_due, args=(container.uow(), notifier, clock)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    received = mailbox.wait_for(12)
    assert len(received) == 12
    assert len({r.message_id for r in received}) == 12


@pytest.mark.timeout(60)
def test_a_sender_killed_after_the_server_took_the_email_resends_it_once_with_the_same_message_id(
        container: Container, settings: Settings, mailbox: Mailbox) -> None:
    # given: one e-mail in the outbox, and a sender that dies right after the SMTP server accepted it
    shop_id = _shop(container)
    _queue(container, shop_id)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERCENTER_")}
    env.update({"ORDERCENTER_DATA_DIR": str(settings.data_dir), "ORDERCENTER_SECRET_KEY": settings.secret_key or "",
                "ORDERCENTER_SMTP_URL": mailbox.url})
    if settings.database_url:
        env["ORDERCENTER_DATABASE_URL"] = settings.database_url
    child = subprocess.run([sys.executable, "-m", "tests.email.sender_child"], env=env, capture_output=True,
                           text=True, timeout=45)
    assert child.returncode == -9, child.stderr
    [first] = mailbox.wait_for(1)
    [(status, _, message_id)] = _rows(container)
    assert status is EmailStatus.PENDING  # handed over, never marked sent: not lost

    # when: a sender runs again once the dead sender's claim has expired
    later = ManualClock(datetime.now(UTC) + timedelta(minutes=10))
    notifier = SmtpNotifier(mailbox.url)
    assert send_due(container.uow(), notifier, later).sent == 1
    assert send_due(container.uow(), notifier, later).sent == 0

    # then: the server has it twice, recognizably the same message; the outbox says sent
    received = mailbox.wait_for(2)
    assert len(received) == 2
    assert first.message_id == received[1].message_id == message_id
    assert _rows(container)[0][0] is EmailStatus.SENT
