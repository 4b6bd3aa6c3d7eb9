"""Staff accounts and API tokens: create, revoke, authenticate."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from ordercenter.domain.access import ApiToken, StaffRole, StaffUser, parse_email
from ordercenter.domain.errors import Conflict, InvalidInput, NotFound
from ordercenter.services.uow import UnitOfWork

TOKEN_PREFIX = "oc_"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${key.hex()}"


def password_matches(password: str, stored: str) -> bool:
    scheme, salt_hex, key_hex = stored.split("$")
    if scheme != "scrypt":
        return False
    key = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), **_SCRYPT)
    return hmac.compare_digest(key.hex(), key_hex)


@dataclass(frozen=True)
class IssuedToken:
    id: int
    token: str  # shown once; only its digest is stored


def create_token(uow: UnitOfWork, *, shop_id: int, name: str, now: datetime) -> IssuedToken:
    """Issue a bearer token for the REST API of one shop."""
    if not name.strip():
        raise InvalidInput("the token needs a name", field="name")
    with uow:
        if uow.shops.get(shop_id) is None:
            raise NotFound(f"no shop with id {shop_id}", field="shop")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = uow.tokens.add(ApiToken(shop_id=shop_id, name=name.strip(), token_digest=_digest(token),
                                      prefix=token[:10], created_at=now))
        uow.commit()
        return IssuedToken(row.id, token)


def revoke_token(uow: UnitOfWork, *, shop_id: int, token_id: int, now: datetime) -> None:
    """Revoke a token; it stays listed as revoked."""
    with uow:
        row = uow.tokens.get(shop_id, token_id, for_update=True)
        if row is None:
            raise NotFound(f"no token with id {token_id}", field="token_id")
        if row.revoked_at is None:
            row.revoked_at = now
        uow.commit()


def authenticate(uow: UnitOfWork, token: str, *, now: datetime) -> ApiToken | None:
    """The active token row for a bearer token, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with uow:
        row = uow.tokens.by_digest(_digest(token))
        if row is None or not row.is_active:
            return None
        # Touch at most once a minute so reads do not turn every API call into a write.
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            row.last_used_at = now
            uow.commit()
        return row


def create_staff_user(uow: UnitOfWork, *, shop_id: int, email: str, password: str, now: datetime,
                      role: StaffRole | None = None) -> StaffUser:
    """A person who can sign in to the shop's pages. Without a role, the shop's first person is its owner
    (someone must be able to reach the settings) and everyone after is staff."""
    address = parse_email(email)
    if len(password) < 8:
        raise InvalidInput("the password must be at least 8 characters", field="password")
    with uow:
        if uow.shops.get(shop_id) is None:
            raise NotFound(f"no shop with id {shop_id}", field="shop")
        if uow.staff.by_email(address) is not None:
            raise Conflict(f"a user with e-mail {address} already exists", field="email")
        if role is None:
            role = StaffRole.STAFF if uow.staff.emails_for_shop(shop_id) else StaffRole.OWNER
        user = uow.staff.add(StaffUser(shop_id=shop_id, email=address, password_hash=hash_password(password),
                                       role=role, created_at=now))
        uow.commit()
        return user
