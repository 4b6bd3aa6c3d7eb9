"""People in the web pages: sign in, recognise the session on each request, sign out; and the few
shop settings the pages change that no other service owns (the time zone)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ordercenter.domain.access import StaffRole, StaffUser, parse_email
from ordercenter.domain.errors import InvalidInput, NotFound
from ordercenter.domain.shops import parse_timezone
from ordercenter.domain.web_sessions import (
    ATTEMPT_WINDOW,
    ATTEMPTS_KEPT,
    AttemptHistory,
    SignInAttempt,
    WebSession,
    check_attempts,
    session_expiry,
)
from ordercenter.services.access import hash_password, password_matches
from ordercenter.services.uow import UnitOfWork

WRONG_CREDENTIALS = "The e-mail or the password is wrong."
# Checked against when the e-mail is unknown, so a wrong e-mail takes as long as a wrong password.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SignedInPerson:
    """Who is behind a request: what every page needs to know, read once per request."""

    session_id: int
    shop_id: int
    shop_name: str
    shop_currency: str
    shop_timezone: str
    staff_user_id: int
    email: str
    role: StaffRole
    csrf_token: str

    @property
    def is_owner(self) -> bool:
        return self.role is StaffRole.OWNER

    @property
    def actor_id(self) -> str:
        """How the timeline names this person."""
        return self.email


@dataclass(frozen=True)
class SignIn:
    token: str  # the cookie value; shown to nobody else and stored only as a digest
    person: SignedInPerson


def _person(web_session: WebSession, user: StaffUser, shop_name: str, currency: str, timezone: str) -> SignedInPerson:
    return SignedInPerson(web_session.id, web_session.shop_id, shop_name, currency, timezone, user.id, user.email,
                          user.role, web_session.csrf_token)


def sign_in(uow: UnitOfWork, *, email: str, password: str, client_address: str, now: datetime) -> SignIn:
    """Check the e-mail and password and open a session; refused before checking when the account or the
    address failed too often lately (TooManyAttempts, with the time to wait)."""
    typed = email.strip().lower()
    if not typed:
        raise InvalidInput("Enter the e-mail address you sign in with.", field="email")
    if not password:
        raise InvalidInput("Enter your password.", field="password")
    with uow:
        history = AttemptHistory(uow.web_sessions.account_failures(typed, now - ATTEMPT_WINDOW),
                                 uow.web_sessions.address_failures(client_address, now - ATTEMPT_WINDOW))
        check_attempts(history, now)
        try:
            address = parse_email(typed)
        except InvalidInput:
            address = typed
        user = uow.staff.by_email(address)
        matches = password_matches(password, user.password_hash if user else _DUMMY_HASH) and user is not None
        shop = uow.shops.get(user.shop_id) if user is not None else None
        ok = matches and shop is not None and shop.uninstalled_at is None
        uow.web_sessions.add_attempt(SignInAttempt(shop_id=user.shop_id if user else None, email=typed,
                                                   client_address=client_address, succeeded=ok, attempted_at=now))
        uow.web_sessions.prune_attempts(now - ATTEMPTS_KEPT)
        if not ok or user is None or shop is None:
            uow.commit()  # the failure must count even though the sign-in is refused
            if matches and shop is not None and shop.uninstalled_at is not None:
                raise InvalidInput(f"{shop.domain} is disconnected since {shop.uninstalled_at:%Y-%m-%d %H:%M} UTC "
                                   "(the app was uninstalled); install it again to sign in.", field="email")
            raise InvalidInput(WRONG_CREDENTIALS, field="password")
        token = secrets.token_urlsafe(32)
        web_session = uow.web_sessions.add(WebSession(
            shop_id=user.shop_id, staff_user_id=user.id, token_digest=_digest(token),
            csrf_token=secrets.token_urlsafe(32), created_at=now, last_seen_at=now, expires_at=session_expiry(now)))
        uow.flush()
        person = _person(web_session, user, shop.name, shop.currency, shop.timezone)
        uow.commit()
        return SignIn(token, person)


def authenticate(uow: UnitOfWork, token: str, *, now: datetime) -> SignedInPerson | None:
    """The person behind a session cookie, or None when it is unknown, signed out or expired."""
    if not token:
        return None
    with uow:
        web_session = uow.web_sessions.by_digest(_digest(token))
        if web_session is None or not web_session.is_live(now):
            return None
        user = uow.staff.get(web_session.shop_id, web_session.staff_user_id)
        shop = uow.shops.get(web_session.shop_id)
        if user is None or shop is None or shop.uninstalled_at is not None:
            return None
        person = _person(web_session, user, shop.name, shop.currency, shop.timezone)
        if web_session.needs_touch(now):
            web_session.last_seen_at = now
            uow.commit()
        return person


def sign_out(uow: UnitOfWork, token: str, *, now: datetime) -> None:
    """End the session of this cookie; the cookie stops working at once, in every process."""
    with uow:
        web_session = uow.web_sessions.by_digest(_digest(token))
        if web_session is not None and web_session.revoked_at is None:
            web_session.revoked_at = now
            uow.commit()


def list_people(uow: UnitOfWork, *, shop_id: int) -> Sequence[StaffUser]:
    """The people who can sign in to the shop, in the order they were added."""
    with uow:
        return uow.web_sessions.staff_of_shop(shop_id)


def set_timezone(uow: UnitOfWork, *, shop_id: int, timezone: str) -> str:
    """The zone the shop's pages show times in (an IANA name such as Europe/Paris)."""
    name = parse_timezone(timezone)
    with uow:
        shop = uow.shops.get(shop_id)
        if shop is None:
            raise NotFound(f"no shop with id {shop_id}", field="shop")
        shop.timezone = name
        uow.commit()
        return name
