"""Rules of signing in: when a session ends, and when failed sign-ins lock an account or an address."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.shops import parse_timezone
from ordercenter.domain.web_sessions import (
    ABSOLUTE_TIMEOUT,
    ACCOUNT_FAILURE_LIMIT,
    ADDRESS_FAILURE_LIMIT,
    ATTEMPT_WINDOW,
    IDLE_TIMEOUT,
    AttemptHistory,
    TooManyAttempts,
    WebSession,
    check_attempts,
    minutes_text,
    session_expiry,
)
from tests.factories import T0


def _session(**changes: object) -> WebSession:
    values: dict[str, object] = {"shop_id": 1, "staff_user_id": 1, "token_digest": "d", "csrf_token": "c",
                                 "created_at": T0, "last_seen_at": T0, "expires_at": session_expiry(T0)}
    values.update(changes)
    return WebSession(**values)


def test_a_session_used_within_the_idle_timeout_is_live() -> None:
    assert _session().is_live(T0 + IDLE_TIMEOUT - timedelta(seconds=1))


def test_a_session_left_alone_past_the_idle_timeout_has_ended() -> None:
    assert not _session().is_live(T0 + IDLE_TIMEOUT)


def test_a_session_in_use_still_ends_at_its_absolute_expiry() -> None:
    almost = T0 + ABSOLUTE_TIMEOUT - timedelta(minutes=1)
    assert _session(last_seen_at=almost).is_live(almost)
    assert not _session(last_seen_at=almost).is_live(T0 + ABSOLUTE_TIMEOUT)


def test_a_signed_out_session_has_ended_at_once() -> None:
    assert not _session(revoked_at=T0).is_live(T0)


def test_the_last_seen_time_is_written_at_most_once_a_minute() -> None:
    assert not _session().needs_touch(T0 + timedelta(seconds=59))
    assert _session().needs_touch(T0 + timedelta(minutes=1))


def test_fewer_failures_than_the_limit_let_the_next_try_through() -> None:
    failures = [T0 - timedelta(minutes=i) for i in range(ACCOUNT_FAILURE_LIMIT - 1)]
    check_attempts(AttemptHistory(failures, failures), T0)


def test_the_account_limit_refuses_with_the_time_until_the_oldest_failure_leaves_the_window() -> None:
    failures = [T0 - timedelta(minutes=10), T0 - timedelta(minutes=6), T0 - timedelta(minutes=3),
                T0 - timedelta(minutes=2), T0 - timedelta(minutes=1)]
    with pytest.raises(TooManyAttempts) as refused:
        check_attempts(AttemptHistory(failures, []), T0)
    assert refused.value.retry_after == timedelta(minutes=5)
    assert refused.value.message == "Too many failed sign-ins for this account. Try again in 5 minutes."
    assert refused.value.field == "email"


def test_failures_older_than_the_window_no_longer_count() -> None:
    old = [T0 - ATTEMPT_WINDOW - timedelta(seconds=1)] * 10
    check_attempts(AttemptHistory(old, old), T0)


def test_one_address_may_fail_more_often_than_one_account_before_it_is_refused() -> None:
    many = [T0 - timedelta(seconds=i) for i in range(ADDRESS_FAILURE_LIMIT - 1)]
    check_attempts(AttemptHistory([], many), T0)
    with pytest.raises(TooManyAttempts, match="from this network address"):
        check_attempts(AttemptHistory([], [*many, T0]), T0)


@pytest.mark.parametrize(("wait", "words"), [(timedelta(seconds=5), "1 minute"), (timedelta(seconds=61), "2 minutes"),
                                             (timedelta(minutes=15), "15 minutes")])
def test_the_wait_is_said_in_whole_minutes_rounded_up(wait: timedelta, words: str) -> None:
    assert minutes_text(wait) == words


def test_a_time_zone_is_an_iana_name_the_system_knows() -> None:
    assert parse_timezone(" Europe/Paris ") == "Europe/Paris"
    with pytest.raises(InvalidInput, match="not a time zone name") as refused:
        parse_timezone("Mars/Olympus")
    assert refused.value.field == "timezone"
