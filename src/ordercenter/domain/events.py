"""Domain events: facts that entities record and services turn into timeline rows and side effects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ordercenter.domain.status import S, TransitionTable


@dataclass(frozen=True)
class DomainEvent:
    occurred_at: datetime


@dataclass(frozen=True)
class StatusChanged(DomainEvent):
    entity: str
    entity_id: int | None
    old: str
    new: str
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


class RecordsEvents:
    """Mixin for entities: events wait on the instance until the service collects them."""

    def record(self, event: DomainEvent) -> None:
        self.__dict__.setdefault("_pending_events", []).append(event)

    def collect_events(self) -> list[DomainEvent]:
        events: list[DomainEvent] = self.__dict__.pop("_pending_events", [])
        return events


def change_status(entity: RecordsEvents, table: TransitionTable[S], new: S, *, at: datetime,
                  reason: str | None = None) -> bool:
    """Move `entity.status` through `table`; returns False when it already was `new`."""
    current: S = entity.status  # type: ignore[attr-defined]
    if new is current:
        return False
    table.check(current, new)
    entity.status = new  # type: ignore[attr-defined]
    entity.record(StatusChanged(at, table.entity, getattr(entity, "id", None), current.value, new.value, reason))
    return True
