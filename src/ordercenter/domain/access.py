"""Who may use Order Center: staff accounts and API tokens, both scoped to one shop."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base
from ordercenter.domain.errors import InvalidInput


def parse_email(value: str, *, field: str = "email") -> str:
    """A lower-cased e-mail address with one @ and a dotted domain, or InvalidInput."""
    email = value.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or domain.startswith(".") or domain.endswith("."):
        raise InvalidInput(f"'{value}' is not an e-mail address", field=field)
    return email


class StaffRole(StrEnum):
    """What a person may do in the web pages."""

    OWNER = "owner"  # everything, plus settings, connections, users and API tokens
    STAFF = "staff"  # orders and after-sale: the day's work, no settings


class StaffUser(Base):
    """A person who signs in to the web pages of one shop."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    email: Mapped[str] = mapped_column(unique=True)
    password_hash: Mapped[str]
    role: Mapped[StaffRole] = mapped_column(default=StaffRole.STAFF)
    created_at: Mapped[datetime]

    @property
    def is_owner(self) -> bool:
        return self.role is StaffRole.OWNER


class ApiToken(Base):
    """A bearer token for the REST API. Only its SHA-256 digest is stored; revoked tokens stay for audit."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    name: Mapped[str]
    token_digest: Mapped[str] = mapped_column(unique=True)
    # The first characters of the token, shown in listings so a person can tell tokens apart.
    prefix: Mapped[str]
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
