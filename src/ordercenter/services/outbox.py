"""E-mail through the outbox: queued in the caller's transaction, sent after commit by the background jobs.

`queue_email` and `notify_merchant` only add rows (the caller commits them with its change, so an
e-mail exists exactly when its fact does). `send_due` hands due rows to the notifier, one at a time,
claimed first so two senders never send the same row, marked sent after the server accepted it.
A sender that dies between the two leaves a claim that expires; the resend keeps the `Message-ID`.
"""

from __future__ import annotations

import email.utils
import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ordercenter.adapters.ports import Clock, EmailMessage, Notifier
from ordercenter.domain import audit
from ordercenter.domain.errors import InvalidInput, NotFound
from ordercenter.domain.outbox import CLAIM_LEASE, EmailKind, EmailStatus, OutboxEmail
from ordercenter.services.uow import UnitOfWork

log = logging.getLogger(__name__)

NO_RECIPIENT = "(nobody)"
MAX_LIST = 500


def html_from_text(text: str) -> str:
    """The HTML alternative of a plain-text e-mail: the same words, escaped, paragraphs kept."""
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    body = "\n".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>" for p in paragraphs)
    return ("<!doctype html><html><body style=\"font-family: -apple-system, Segoe UI, Roboto, sans-serif; "
            f"font-size: 14px; line-height: 1.5; color: #1f2328\">\n{body}\n</body></html>")


def _message_id(shop_id: int, sender: str) -> str:
    domain = sender.rpartition("@")[2] or "ordercenter.local"
    return email.utils.make_msgid(idstring=f"oc{shop_id}", domain=domain)


def queue_email(uow: UnitOfWork, *, shop_id: int, kind: EmailKind, to: str, subject: str, text: str,
                now: datetime, html_body: str | None = None, order_id: int | None = None,
                dedupe_key: str | None = None) -> OutboxEmail:
    """Write one e-mail to the outbox (the caller commits); the same `dedupe_key` never queues twice."""
    if dedupe_key is not None:
        existing = uow.outbox.by_dedupe_key(shop_id, dedupe_key)
        if existing is not None:
            return existing
    shop = uow.shops.get(shop_id)
    if shop is None:
        raise NotFound(f"no shop {shop_id}", field="shop")
    sender = shop.email_sender or ""
    switched_off = kind.value in (shop.emails_off or [])
    row = OutboxEmail(shop_id=shop_id, order_id=order_id, kind=kind, sender=sender, to_address=to,
                      subject=subject, text_body=text, html_body=html_body or html_from_text(text),
                      message_id=_message_id(shop_id, sender), dedupe_key=dedupe_key,
                      status=EmailStatus.SKIPPED if switched_off or to == NO_RECIPIENT else EmailStatus.PENDING,
                      next_attempt_at=now, created_at=now)
    uow.outbox.add(row)
    if order_id is not None:
        what = "not sent: switched off" if switched_off else f"to {to}"
        uow.events.add(audit.order_event(shop_id, order_id, audit.OrderEventType.EMAIL_QUEUED, now,
                                         f"E-mail '{subject}' ({what})", kind=kind.value, to=to))
    return row


def merchant_recipients(uow: UnitOfWork, shop_id: int) -> list[str]:
    """Who gets the merchant's e-mail: the shop's notification addresses, else its staff."""
    shop = uow.shops.get(shop_id)
    configured = [str(a) for a in (shop.notification_emails if shop else []) if str(a).strip()]
    return configured or uow.staff.emails_for_shop(shop_id)


def notify_merchant(uow: UnitOfWork, *, shop_id: int, kind: EmailKind, subject: str, text: str, now: datetime,
                    order_id: int | None = None, dedupe_key: str | None = None) -> list[OutboxEmail]:
    """Queue one e-mail per merchant recipient (the caller commits)."""
    recipients = merchant_recipients(uow, shop_id) or [NO_RECIPIENT]
    return [queue_email(uow, shop_id=shop_id, kind=kind, to=to, subject=subject, text=text, now=now,
                        order_id=order_id, dedupe_key=f"{dedupe_key}:{to}" if dedupe_key else None)
            for to in recipients]


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int


def send_due(uow: UnitOfWork, notifier: Notifier, clock: Clock, *, default_sender: str | None = None,
             limit: int = 50) -> SendReport:
    """Hand the due e-mails (every shop) to the mail server; each claimed, sent, then marked sent."""
    with uow:
        due = uow.outbox.due(clock.now(), limit)
    sent = failed = 0
    for shop_id, email_id in due:
        now = clock.now()
        with uow:
            if not uow.outbox.claim(email_id, now, now + CLAIM_LEASE):
                continue  # another sender took it
            uow.commit()
            row = uow.outbox.get(shop_id, email_id)
            assert row is not None  # just claimed
            message = EmailMessage(to=row.to_address, subject=row.subject, body=row.text_body, html=row.html_body,
                                   message_id=row.message_id, sender=row.sender or default_sender)
        try:
            notifier.send(message)
        except Exception as error:  # noqa: BLE001  (kept on the row and retried later; the others go on)
            log.warning("e-mail %s to %s failed: %s", email_id, message.to, error)
            with uow:
                row = uow.outbox.get(shop_id, email_id)
                if row is not None:
                    row.mark_failed_attempt(f"{error.__class__.__name__}: {error}", clock.now())
                    uow.commit()
            failed += 1
            continue
        with uow:
            row = uow.outbox.get(shop_id, email_id)
            if row is not None:
                row.mark_sent(clock.now())
                uow.commit()
        sent += 1
    return SendReport(sent, failed)


def list_outbox(uow: UnitOfWork, *, shop_id: int, status: EmailStatus | None = None,
                limit: int = 100) -> Sequence[OutboxEmail]:
    """The shop's e-mails, newest first."""
    if not 1 <= limit <= MAX_LIST:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIST}", field="limit")
    with uow:
        return uow.outbox.page(shop_id, status=status, limit=limit)
