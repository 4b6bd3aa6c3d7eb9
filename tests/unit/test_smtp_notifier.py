"""E-mail through SMTP, against a minimal SMTP server in the test (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT)."""

from __future__ import annotations

import base64
import logging
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes

import pytest

from ordercenter.adapters.notify import LogNotifier, SmtpAddress, SmtpNotifier
from ordercenter.adapters.ports import EmailMessage


@dataclass
class Mailbox:
    envelopes: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)


class _Smtp(socketserver.StreamRequestHandler):
    """Speaks just enough SMTP for smtplib; advertises AUTH PLAIN and no STARTTLS."""

    mailbox: Mailbox

    def _reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self._reply("220 fake.smtp ready")
        sender, recipients = "", []
        while raw := self.rfile.readline():
            line = raw.decode().rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250-fake.smtp")
                self._reply("250 AUTH PLAIN")
            elif verb == "AUTH":
                self.mailbox.logins.append(base64.b64decode(line.split()[2]).decode())
                self._reply("235 2.7.0 authenticated")
            elif verb == "MAIL":
                sender = line.split(":", 1)[1].strip().split()[0].strip("<>")
                self._reply("250 ok")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                self._reply("250 ok")
            elif verb == "DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                self.mailbox.envelopes.append((sender, recipients, data))
                self._reply("250 queued")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("250 ok")


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    mailbox = Mailbox()
    handler = type("Handler", (_Smtp,), {"mailbox": mailbox})
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield server.server_address[1], mailbox
        server.shutdown()


def test_an_email_is_handed_to_the_smtp_server_with_login_sender_and_recipient(
        smtp_server: tuple[int, Mailbox]) -> None:
    port, mailbox = smtp_server
    notifier = SmtpNotifier(f"smtp://alerts%40shop.example:s3cret@127.0.0.1:{port}", timeout=5)

    notifier.send(EmailMessage(to="owner@shop.example", subject="Re-authorize 'AE'", body="Please log in again."))

    assert mailbox.logins == ["\0alerts@shop.example\0s3cret"]
    [(sender, recipients, data)] = mailbox.envelopes
    assert (sender, recipients) == ("alerts@shop.example", ["owner@shop.example"])
    parsed = message_from_bytes(data)
    assert parsed["Subject"] == "Re-authorize 'AE'" and parsed["To"] == "owner@shop.example"
    assert "Please log in again." in parsed.get_payload()


def test_without_credentials_no_login_is_attempted_and_the_sender_comes_from_the_url(
        smtp_server: tuple[int, Mailbox]) -> None:
    port, mailbox = smtp_server

    SmtpNotifier(f"smtp://127.0.0.1:{port}?from=orders@shop.example", timeout=5).send(
        EmailMessage(to="ops@shop.example", subject="s", body="b"))

    assert mailbox.logins == [] and mailbox.envelopes[0][0] == "orders@shop.example"


def test_smtp_urls_choose_tls_and_default_ports() -> None:
    assert SmtpAddress.parse("smtps://mail.example").port == 465
    assert SmtpAddress.parse("smtps://mail.example").implicit_tls
    plain = SmtpAddress.parse("smtp://u:p@mail.example")
    assert (plain.port, plain.implicit_tls, plain.sender) == (25, False, "order-center@localhost")


def test_a_malformed_smtp_url_is_refused_without_echoing_the_password() -> None:
    with pytest.raises(ValueError, match="smtp://") as caught:
        SmtpAddress.parse("http://user:hunter2@mail.example")
    assert "hunter2" not in str(caught.value)


def test_without_an_smtp_server_the_email_is_written_to_the_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="ordercenter.adapters.notify"):
        LogNotifier().send(EmailMessage(to="owner@shop.example", subject="Re-authorize", body="Log in again."))

    assert "owner@shop.example" in caplog.text and "Log in again." in caplog.text
