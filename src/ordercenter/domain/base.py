"""The declarative base every entity maps onto, and the column types the domain needs.

The domain may use SQLAlchemy's mapping constructs only. `UtcDateTime` is such a construct: SQLite
forgets the offset of a stored datetime, so the column type re-attaches UTC on the way out and
refuses naive values on the way in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

from sqlalchemy import JSON, Date, DateTime, MetaData, Numeric
from sqlalchemy import Enum as SqlEnum
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend; a naive value is a programming error."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC datetime is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Amounts keep four decimals so that unit prices and currency conversions round only once, at display.
Amount = Numeric(18, 4, asdecimal=True)


def _enum_values(enum_class: type[Enum]) -> list[str]:
    return [str(member.value) for member in enum_class]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UtcDateTime(),
        Decimal: Amount,
        dict[str, Any]: JSON,
        list[Any]: JSON,
        date: Date(),
        # Enums are stored by value as plain strings: readable in SQL and no ALTER TYPE when one is added.
        StrEnum: SqlEnum(StrEnum, native_enum=False, length=40, values_callable=_enum_values,
                         validate_strings=True),
    }
