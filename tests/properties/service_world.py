"""What the service-level machines share: a fresh shop per story on the test database, and readings of the
timeline that the invariants compare against the rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from ordercenter.bootstrap import Container
from ordercenter.domain.audit import OrderEvent, OrderEventType
from ordercenter.domain.shops import Shop
from ordercenter.domain.status import Stage, TransitionTable
from tests.factories import T0
from tests.properties.lifecycle_checks import reachable


def new_shop(container: Container) -> int:
    """A shop of its own for one run of a machine: runs share the database, never rows."""
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain=f"p-{uuid.uuid4().hex[:12]}.myshopify.com", name="Properties",
                                  currency="EUR", created_at=T0, notify_customer_on_fulfillment=False))
        uow.commit()
        return shop.id


def assert_one_event_per_change(events: Sequence[OrderEvent], type_: OrderEventType, table: TransitionTable[Any],
                                entity_id: int, start: StrEnum, now: StrEnum) -> None:
    """The entity's status-change rows, in order, are one per move from `start` to where the row is now."""
    states = type(start)
    rows = [e for e in events if e.type is type_ and e.parameters.get("entity_id") == entity_id
            and "old" in e.parameters and "new" in e.parameters]
    position = start
    for row in rows:
        old, new = states(row.parameters["old"]), states(row.parameters["new"])
        assert old is position, f"{table.entity} {entity_id}: a row from {old.value} while it was {position.value}"
        assert table.can(old, new), f"{table.entity} {entity_id}: the timeline shows {old.value} → {new.value}"
        position = new
    assert position is now, f"{table.entity} {entity_id} is {now.value} but its timeline ends at {position.value}"
    assert now in reachable(table, start)


def assert_stage_rows_follow_the_stage(events: Sequence[OrderEvent], stage: Stage) -> None:
    """Every change of the stored stage left one row, and the rows end at the stage the order shows."""
    position = Stage.UNPAID
    for row in (e for e in events if e.type is OrderEventType.STAGE_CHANGED):
        assert Stage(row.parameters["old"]) is position, f"stage row from {row.parameters['old']} at {position}"
        assert Stage(row.parameters["new"]) is not position, "a stage row that changes nothing"
        position = Stage(row.parameters["new"])
    assert position is stage, f"the order shows {stage.value} but its timeline ends at {position.value}"
