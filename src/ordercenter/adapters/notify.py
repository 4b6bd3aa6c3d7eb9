"""E-mail out: `SmtpNotifier` for a configured server, `LogNotifier` when none is (the embedded default)."""

from __future__ import annotations

import email.message
import email.utils
import logging
import smtplib
import ssl
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from ordercenter.adapters.ports import EmailMessage

log = logging.getLogger(__name__)

DEFAULT_SENDER = "order-center@localhost"


@dataclass(frozen=True)
class SmtpAddress:
    """Where and how to hand mail over, parsed from `smtp://user:pass@host:port?from=sender`."""

    host: str
    port: int
    implicit_tls: bool  # smtps://: TLS from the first byte; smtp:// upgrades with STARTTLS when offered
    username: str | None
    password: str | None
    sender: str

    @classmethod
    def parse(cls, url: str) -> SmtpAddress:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            # Never echo the URL: it may carry the password.
            raise ValueError("the SMTP URL must look like smtp://user:pass@host:port or smtps://…")
        implicit_tls = parts.scheme == "smtps"
        username = unquote(parts.username) if parts.username else None
        sender = (parse_qs(parts.query).get("from") or [""])[0]
        if not sender:
            sender = username if username and "@" in username else DEFAULT_SENDER
        return cls(host=parts.hostname, port=parts.port or (465 if implicit_tls else 25),
                   implicit_tls=implicit_tls, username=username,
                   password=unquote(parts.password) if parts.password is not None else None, sender=sender)


def mime_message(message: EmailMessage, sender: str) -> email.message.EmailMessage:
    """Plain text, with the HTML alternative when there is one; the message's own sender and id win."""
    mime = email.message.EmailMessage()
    mime["From"] = message.sender or sender
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime["Date"] = email.utils.formatdate(usegmt=True)
    mime["Message-ID"] = message.message_id or email.utils.make_msgid(domain=sender.rpartition("@")[2] or None)
    mime.set_content(message.body)
    if message.html:
        mime.add_alternative(message.html, subtype="html")
    return mime


class SmtpNotifier:
    """One SMTP conversation per message: alerts are rare, and a held connection would go stale."""

    def __init__(self, smtp_url: str, *, timeout: float = 30.0, tls_context: ssl.SSLContext | None = None) -> None:
        self.address = SmtpAddress.parse(smtp_url)
        self._timeout = timeout
        self._tls = tls_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        a = self.address
        if a.implicit_tls:
            return smtplib.SMTP_SSL(a.host, a.port, timeout=self._timeout, context=self._tls)
        return smtplib.SMTP(a.host, a.port, timeout=self._timeout)

    def send(self, message: EmailMessage) -> None:
        a = self.address
        with self._connect() as smtp:
            smtp.ehlo()
            if not a.implicit_tls and smtp.has_extn("starttls"):
                smtp.starttls(context=self._tls)
                smtp.ehlo()
            if a.username:
                smtp.login(a.username, a.password or "")
            smtp.send_message(mime_message(message, a.sender))
        log.info("e-mail '%s' sent to %s (%s)", message.subject, message.to, message.message_id or "no id")


class LogNotifier:
    """Writes each e-mail to the log instead of sending it (no ORDERCENTER_SMTP_URL configured)."""

    def send(self, message: EmailMessage) -> None:
        log.info("e-mail (not sent, no SMTP server configured) to %s: %s [%s]\n%s", message.to, message.subject,
                 message.message_id or "no id", message.body)
