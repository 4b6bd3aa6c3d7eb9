"""How many orders a shop has in each stage, kept beside the orders so the tabs never count rows."""

from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ordercenter.domain.base import Base
from ordercenter.domain.status import Stage


class OrderStageCount(Base):
    """One shop's number of orders in one stage; changed in the transaction that moves an order."""

    __tablename__ = "order_stage_counts"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    stage: Mapped[Stage] = mapped_column(primary_key=True)
    orders: Mapped[int] = mapped_column(default=0)
