"""The outbox's retry rules: back-off that doubles up to a ceiling, and failed for good after the last try."""

from __future__ import annotations

from datetime import timedelta

from ordercenter.domain.outbox import MAX_ATTEMPTS, EmailKind, EmailStatus, OutboxEmail, retry_delay
from ordercenter.services.outbox import html_from_text
from tests.factories import T0


def test_the_retry_delay_doubles_from_one_minute_and_stops_at_six_hours() -> None:
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert retry_delay(30) == timedelta(hours=6)


def test_an_email_fails_for_good_after_the_last_attempt_and_keeps_the_last_error() -> None:
    row = OutboxEmail(shop_id=1, kind=EmailKind.ALERT, sender="", to_address="a@b.co", subject="s", text_body="t",
                      message_id="<x@y>", status=EmailStatus.PENDING, attempts=0, next_attempt_at=T0, created_at=T0)
    for n in range(1, MAX_ATTEMPTS):
        row.mark_failed_attempt("refused", T0)
        assert row.status is EmailStatus.PENDING and row.next_attempt_at == T0 + retry_delay(n)
    row.mark_failed_attempt("still refused", T0)
    assert row.status is EmailStatus.FAILED and row.last_error == "still refused"


def test_the_html_alternative_escapes_the_text_and_keeps_its_paragraphs() -> None:
    html = html_from_text("Hello <Jane>,\n\nline one\nline two")
    assert "<p>Hello &lt;Jane&gt;,</p>" in html and "<p>line one<br>\nline two</p>" in html
