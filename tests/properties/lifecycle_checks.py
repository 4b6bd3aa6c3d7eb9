"""What every lifecycle machine checks of a change: refused moves name both states and change nothing,
accepted ones leave exactly one StatusChanged event, and the state is one the table knows and can reach."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

import pytest
from sqlalchemy import inspect

from ordercenter.domain.errors import DomainError, InvalidTransition
from ordercenter.domain.events import RecordsEvents, StatusChanged
from ordercenter.domain.status import TransitionTable


def columns_of(entity: object) -> dict[str, Any]:
    """Every mapped column of an entity, as a plain dict (what 'nothing changed' compares)."""
    return {attr.key: getattr(entity, attr.key) for attr in inspect(type(entity)).column_attrs}


def reachable(table: TransitionTable[Any], start: StrEnum) -> frozenset[StrEnum]:
    """The states a walk through the table can reach from `start` (itself included)."""
    seen = {start}
    queue = deque([start])
    while queue:
        for nxt in table.allowed.get(queue.popleft(), frozenset()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return frozenset(seen)


def assert_refused(move: Callable[[], object], entity: RecordsEvents, table: TransitionTable[Any],
                   current: StrEnum, requested: StrEnum) -> None:
    """The move raises InvalidTransition naming the entity and both states, and leaves the entity as it was."""
    before = columns_of(entity)
    with pytest.raises(InvalidTransition) as refused:
        move()
    error = refused.value
    assert (error.entity, error.current, error.requested) == (table.entity, current.value, requested.value)
    assert f"'{current.value}'" in error.message and f"'{requested.value}'" in error.message
    assert error.field == "status"
    assert columns_of(entity) == before, "a refused transition changed the entity"
    assert entity.collect_events() == [], "a refused transition recorded an event"


def status_changes(entity: RecordsEvents) -> list[StatusChanged]:
    """The entity's pending events, which must all be status changes."""
    events = entity.collect_events()
    assert all(isinstance(e, StatusChanged) for e in events), events
    return [e for e in events if isinstance(e, StatusChanged)]


def assert_one_change_per_step(changes: Sequence[StatusChanged], table: TransitionTable[Any],
                               steps: Sequence[tuple[StrEnum, StrEnum]]) -> None:
    """Exactly one event per accepted step, in order, each a move the table allows."""
    assert [(c.old, c.new) for c in changes] == [(a.value, b.value) for a, b in steps]
    for change in changes:
        assert change.entity == table.entity
    for old, new in steps:
        assert table.can(old, new), f"{table.entity} went {old.value} → {new.value}, which the table refuses"


def assert_history_walks_the_table(history: Sequence[StatusChanged], table: TransitionTable[Any],
                                   start: StrEnum, now: StrEnum) -> None:
    """The recorded history starts where the entity started, is a chain of allowed moves and ends where it is."""
    states = type(start)
    position = start
    for change in history:
        assert change.old == position.value, f"history jumps from {position.value} to a change from {change.old}"
        new = states(change.new)
        assert table.can(position, new)
        position = new
    assert position is now
    assert now in table.allowed, f"{now} is not a state of the {table.entity} table"
    assert now in reachable(table, start)


def refusal(call: Callable[[], object]) -> DomainError | None:
    """The rule's refusal of `call`, or None when it was accepted (a machine does not know in advance)."""
    try:
        call()
    except DomainError as refused:
        return refused
    return None
