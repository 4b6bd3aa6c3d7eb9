"""E-mail over the three ways a mail server is reached — plain SMTP, STARTTLS and SSL from the first byte —
against a real aiosmtpd server with a certificate made for the test, the password sent only over TLS."""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ordercenter.adapters.notify import SmtpNotifier
from ordercenter.adapters.ports import EmailMessage
from tests.live_server import free_port
from tests.smtp_server import Mailbox

# aiosmtpd cannot tell that an SMTPS connection is encrypted from the first byte, so it warns that AUTH is
# allowed without STARTTLS; on the SSL server it is TLS all the same.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def _client_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = auth_data.login == b"orders" and auth_data.password == b"s3cret"
    return AuthResult(success=ok, handled=False)


@pytest.fixture(params=["starttls", "ssl"])
def tls_server(request: pytest.FixtureRequest, certificate: tuple[Path, Path]) -> Iterator[tuple[str, Mailbox]]:
    mailbox = Mailbox("localhost", free_port())
    context = _server_context(certificate)
    if request.param == "ssl":
        controller = Controller(mailbox, hostname="localhost", port=mailbox.port, ssl_context=context,
                                authenticator=_authenticator, auth_require_tls=False, auth_required=True)
        url = f"smtps://orders:s3cret@localhost:{mailbox.port}?from=orders%40shop.example"
    else:
        controller = Controller(mailbox, hostname="localhost", port=mailbox.port, tls_context=context,
                                require_starttls=True, authenticator=_authenticator, auth_required=True)
        url = f"smtp://orders:s3cret@localhost:{mailbox.port}?from=orders%40shop.example"
    controller.start()
    try:
        yield url, mailbox
    finally:
        controller.stop()


MESSAGE = EmailMessage(to="jane@example.com", subject="Your refund", body="On its way.",
                       html="<p>On its way.</p>", message_id="<oc-1@shop.example>")


def test_mail_goes_over_tls_with_the_login_and_keeps_its_message_id(
        tls_server: tuple[str, Mailbox], certificate: tuple[Path, Path]) -> None:
    url, mailbox = tls_server
    SmtpNotifier(url, tls_context=_client_context(certificate)).send(MESSAGE)
    [received] = mailbox.wait_for(1)
    assert received.message_id == "<oc-1@shop.example>"
    assert (received.html or "").strip() == "<p>On its way.</p>"


def test_a_server_whose_certificate_is_not_trusted_gets_no_mail(tls_server: tuple[str, Mailbox]) -> None:
    url, mailbox = tls_server
    with pytest.raises(ssl.SSLError):
        SmtpNotifier(url, timeout=5).send(MESSAGE)
    assert mailbox.received == []


def test_plain_smtp_without_tls_hands_the_mail_over(mailbox: Mailbox) -> None:
    SmtpNotifier(mailbox.url).send(MESSAGE)
    [received] = mailbox.wait_for(1)
    assert received.sender == "orders@shop.example" and received.text.strip() == "On its way."


def test_a_wrong_password_is_refused_and_nothing_is_delivered(
        tls_server: tuple[str, Mailbox], certificate: tuple[Path, Path]) -> None:
    url, mailbox = tls_server
    with pytest.raises(smtplib.SMTPAuthenticationError):
        SmtpNotifier(url.replace("s3cret", "wrong"), tls_context=_client_context(certificate)).send(MESSAGE)
    assert mailbox.received == []
