"""Reply templates: the merchant's own wording of the answers Order Center proposes, per shop and key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base


class ReplyTemplate(Base):
    """A shop's edited version of a template; a key without a row uses the built-in wording."""

    __tablename__ = "reply_templates"
    __table_args__ = (UniqueConstraint("shop_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    key: Mapped[str]
    subject: Mapped[str]
    body: Mapped[str]
    updated_at: Mapped[datetime]
